/*
 * stubhttp.h - a local HTTP server for tests of HTTP clients (libmicrohttpd)
 *
 * Serves scripted responses per exact path (query included: only "date" or,
 * without it, "cursor", as "/p?date=..." or "/p?cursor=..."): each path has
 * a sequence, one response per request, the last repeating. A response can
 * carry a status, a body (copied), a Link header, a Retry-After, a stall
 * before the first byte, or a truncation (the full Content-Length is
 * announced, then the connection drops after truncate_at bytes). Unknown paths get 404. Every
 * request is counted with its arrival time (CLOCK_MONOTONIC), so a test can
 * check from the server's side how often and how fast a client asked.
 * One thread per connection: a stalled answer blocks nobody else.
 */
#ifndef WW_STUBHTTP_H
#define WW_STUBHTTP_H

#include <stddef.h>

struct stub_resp {
	int status;       /* 0: 200 */
	const char *body; /* NULL: "" */
	size_t len;       /* 0 with a body: strlen(body) */
	int retry_after;  /* seconds; < 0 or 0: no header */
	int stall_ms;     /* wait before answering */
	long truncate_at; /* > 0: drop the connection after this many body bytes */
	const char *type; /* Content-Type; NULL: application/json */
	const char *link; /* Link header; NULL: none */
};

struct stubhttp;

/* Starts on 127.0.0.1 on a free port; aborts the test on failure. */
struct stubhttp *stubhttp_start(void);
/* Stops the server (stalled answers end at once) and frees it. */
void stubhttp_stop(struct stubhttp *s);
/* "http://127.0.0.1:PORT" */
const char *stubhttp_url(const struct stubhttp *s);

/* Scripts path (e.g. "/api/forces", "/api/crime-categories?date=2024-01"). */
void stubhttp_on(struct stubhttp *s, const char *path, const struct stub_resp *seq, size_t n);
/* Scripts path to answer 200 with a fixture file's bytes (tests/fixtures/...). */
void stubhttp_file(struct stubhttp *s, const char *path, const char *file);
/* Reads a fixture into a malloc'd buffer; aborts the test when missing. */
char *stubhttp_read_file(const char *file, size_t *len);

/* Requests to path so far (exact match; NULL: all paths). */
long stubhttp_count(struct stubhttp *s, const char *path);
/* The most requests that arrived in any window [t, t + seconds). */
long stubhttp_max_in_window(struct stubhttp *s, double seconds);
/* Forgets the requests counted so far. */
void stubhttp_reset_counts(struct stubhttp *s);

#endif
