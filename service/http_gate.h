/*
 * http_gate.h - the door in front of libmicrohttpd
 *
 * The gate accepts every connection itself and hands it to libmicrohttpd only
 * once the whole request header of its first request has arrived, in time
 * and within limits (peeked, not read: libmicrohttpd reads the same bytes).
 * What libmicrohttpd would refuse with its own HTML page (or not at all: a
 * query of ~1,000 arguments exhausts its memory pool and the connection
 * hangs) the gate refuses with the JSON error format. Slow clients wait in
 * the gate, at most header_timeout seconds each and at most max_pending of
 * them, so they never hold one of libmicrohttpd's connections; when the
 * connections are all taken, a new client gets a 503 at once and the gate
 * logs that the limit was reached.
 */
#ifndef WW_HTTP_GATE_H
#define WW_HTTP_GATE_H

#include "err.h"

#include <stddef.h>

struct http_head_limits {
	size_t max_head; /* request line and headers, bytes (431 beyond) */
	size_t max_url;  /* request target, bytes (414 beyond) */
	size_t pool;     /* libmicrohttpd's per-connection memory */
};

/*
 * Checks the bytes of a request head received so far. Returns 0 when the
 * head is not complete yet, 1 when it is complete and acceptable, -1 when it
 * must be refused: *status and msg say with what.
 */
int http_head_check(const char *buf, size_t len, const struct http_head_limits *lim, int *status,
                    char *msg, size_t msgsize);

/*
 * Checks a request target (raw, percent-encoded): the path and every
 * parameter name and value must decode to UTF-8 without NUL bytes. Returns 0,
 * or -1 with msg naming the path or the parameter ('parameter "q" ...').
 */
int http_target_check(const char *target, size_t len, char *msg, size_t msgsize);

/* The JSON error response (status line, headers, body) into out. */
size_t http_gate_error(char *out, size_t size, int status, const char *msg, int retry_after);

struct MHD_Daemon;
struct http_gate;

struct http_gate_opts {
	int listen_fd;
	struct MHD_Daemon *daemon;
	struct http_head_limits limits;
	int header_timeout;  /* seconds for the whole head of the first request */
	int max_connections; /* libmicrohttpd's and the gate's together */
	int max_pending;     /* connections waiting for their head */
	int retry_after;
	const int *live; /* libmicrohttpd's open connections (atomic) */
};

int http_gate_start(struct http_gate **out, const struct http_gate_opts *o, struct err *e);
/* Stops accepting, closes the connections still waiting, frees g. */
void http_gate_stop(struct http_gate *g);

#endif
