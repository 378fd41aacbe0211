/*
 * test_http_support.h - start the real `whatworks serve` and talk HTTP to it
 *
 * The binary is $WHATWORKS_BIN (the Makefile's integration target sets it).
 * The daemon listens on a free loopback port and logs to a file that the
 * assertions name when something fails.
 */
#ifndef WW_TEST_HTTP_SUPPORT_H
#define WW_TEST_HTTP_SUPPORT_H

#include "pgtest.h"

#include <jansson.h>
#include <stddef.h>
#include <sys/types.h>

struct ht_daemon {
	pid_t pid;
	int port;
	char log[256];
};

struct ht_resp {
	long status;
	char *headers; /* raw header block, every response's in a redirect chain */
	char *body;
	size_t len;
};

/* Starts the daemon against conninfo with extra arguments (NULL-terminated,
 * may be NULL) and waits until /healthz answers. */
void ht_start(struct ht_daemon *d, const char *conninfo, const char *const *args);
/* Sends SIGTERM and waits at most 10 s; returns the exit status. */
int ht_stop(struct ht_daemon *d);

/* One request; headers is NULL-terminated "Name: value" lines (may be NULL). */
void ht_request(struct ht_resp *r, const struct ht_daemon *d, const char *method,
                const char *target, const char *const *headers, const char *body);
void ht_get(struct ht_resp *r, const struct ht_daemon *d, const char *target);
/* The value of a header (case-insensitive name) into buf; NULL when absent. */
const char *ht_header(const struct ht_resp *r, const char *name, char *buf, size_t size);
/* Parses the body as JSON, asserting it parses. */
json_t *ht_json(const struct ht_resp *r);
void ht_free(struct ht_resp *r);

/* Polls an import request's URL (the Location of POST /v1/imports' 202)
 * until its run has finished; returns the request's last JSON. */
json_t *ht_wait_request(const struct ht_daemon *d, const char *url);

/* Inserts a small evidence base: one source, one succeeded run (commit
 * HT_COMMIT), three interventions, two evaluations, reference data. */
#define HT_COMMIT "0123456789abcdef0123456789abcdef01234567"
void ht_fixture(struct pgtest *t);

#endif
