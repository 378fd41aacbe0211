/*
 * test_http_hostile.c - what hostile clients send, byte for byte (issue 10):
 * requests libmicrohttpd rejects, bad bytes, bad framing
 */
#include "rawhttp.h"
#include "test_http_support.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static struct pgtest db;
static struct ht_daemon d;

static void up(void)
{
	pgtest_setup(&db, "hostile");
	ht_fixture(&db);
	ht_start(&d, db.conninfo, NULL);
}

static void down(void)
{
	cr_expect_eq(ht_stop(&d), 0, "see %s", d.log);
	pgtest_teardown(&db);
}

static int log_has(const char *what)
{
	char line[4096];
	int found = 0;
	FILE *f = fopen(d.log, "r");
	cr_assert_not_null(f);
	while (!found && fgets(line, sizeof(line), f) != NULL)
		found = strstr(line, what) != NULL;
	fclose(f);
	return found;
}

/* A GET of /v1/interventions whose query is q then n times sep. */
static char *many_args(int n, const char *sep)
{
	size_t size = (size_t)n * (strlen(sep) + 1) + 256, len;
	char *req = malloc(size);
	cr_assert_not_null(req);
	len = (size_t)snprintf(req, size, "GET /v1/interventions?q=");
	for (int i = 0; i < n; i++)
		len += (size_t)snprintf(req + len, size - len, "%s", sep);
	snprintf(req + len, size - len, " HTTP/1.1\r\nHost: x\r\n\r\n");
	return req;
}

/* Asserts resp is one JSON error response with status. */
static void json_error(const char *resp, int status)
{
	json_error_t je;
	json_t *j;

	cr_assert_eq(raw_status(resp), status, "want %d, got:\n%.600s", status, resp);
	cr_assert_eq(raw_status_lines(resp), 1, "one status line:\n%.600s", resp);
	cr_assert(strstr(resp, "Content-Type: application/json") != NULL, "%.600s", resp);
	j = json_loads(raw_body(resp), 0, &je);
	cr_assert_not_null(j, "body is not JSON: %.300s", raw_body(resp));
	cr_assert(json_is_string(json_object_get(json_object_get(j, "error"), "message")), "%.300s",
	          raw_body(resp));
	json_decref(j);
}

/* A query of ~1,000 arguments exhausted libmicrohttpd's memory pool: no
 * answer, and the request uri_logged allocated was never freed. */
Test(http_hostile, many_arguments_get_json_and_do_not_leak, .init = up, .fini = down,
     .timeout = 300)
{
	char *amp = many_args(600, "&"), *args = many_args(1000, "&a");
	char resp[8192];
	long before, after;

	raw_exchange(d.port, amp, strlen(amp), resp, sizeof(resp));
	json_error(resp, 414);
	raw_exchange(d.port, args, strlen(args), resp, sizeof(resp));
	json_error(resp, 414);
	before = raw_rss_kb(d.pid);
	for (int i = 0; i < 2000; i++) {
		raw_exchange(d.port, amp, strlen(amp), resp, sizeof(resp));
		raw_exchange(d.port, args, strlen(args), resp, sizeof(resp));
	}
	after = raw_rss_kb(d.pid);
	free(amp);
	free(args);
	/* leaking, 4,000 requests hold 4,000 requests and targets: over 10 MB */
	cr_expect_lt(after - before, 4 * 1024, "RSS grew from %ld to %ld KiB", before, after);
}

/* What libmicrohttpd answered with an HTML page (or twice, or not at all) is
 * the JSON error format. */
Test(http_hostile, framing_errors_are_json, .init = up, .fini = down, .timeout = 60)
{
	static const struct {
		const char *req;
		int status;
	} cases[] = {
	    {"POST /v1/imports HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n", 400},
	    {"POST /v1/imports HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: "
	     "2\r\n\r\nab",
	     400},
	    {"GARBAGE\r\n\r\n", 400},
	    {"GET /v1/themes HTTP/9.9\r\nHost: x\r\n\r\n", 400},
	    {"GET /v1/themes HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n", 400},
	    {"POST /v1/imports HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", 501},
	};
	char resp[8192], *big;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		raw_exchange(d.port, cases[i].req, strlen(cases[i].req), resp, sizeof(resp));
		json_error(resp, cases[i].status);
	}
	big = malloc(40100);
	cr_assert_not_null(big);
	snprintf(big, 40100, "GET /v1/themes HTTP/1.1\r\nHost: x\r\nX-Big: %039000d\r\n\r\n", 0);
	raw_exchange(d.port, big, strlen(big), resp, sizeof(resp));
	json_error(resp, 431);
	free(big);
	/* a request of ordinary size still passes the gate */
	raw_exchange(d.port, "GET /v1/themes HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 56,
	             resp, sizeof(resp));
	cr_assert_eq(raw_status(resp), 200, "%.400s", resp);
}

static void up_small(void)
{
	pgtest_setup(&db, "hostile");
	ht_fixture(&db);
	ht_start(&d, db.conninfo,
	         (const char *const[]){"--max-connections", "8", "--header-timeout", "2",
	                               "--body-timeout", "2", "--import-token", "t0ken", NULL});
}

/* Twenty clients that never finish their header, on a server of eight
 * connections: before, the others got no answer at all. */
Test(http_hostile, slow_headers_do_not_starve_others, .init = up_small, .fini = down,
     .timeout = 120)
{
	int fds[20];
	char resp[8192];
	struct ht_resp r;

	for (int i = 0; i < 20; i++) {
		fds[i] = raw_connect(d.port);
		cr_assert_eq(send(fds[i], "GET /v1/themes HTTP/1.1\r\nHo", 27, MSG_NOSIGNAL), 27);
	}
	for (int i = 0; i < 8; i++) {
		ht_get(&r, &d, "/v1/themes");
		cr_assert_eq(r.status, 200, "request %d of 8 got %ld", i, r.status);
		ht_free(&r);
	}
	cr_expect(log_has("connection limit reached"), "the limit is logged; see %s", d.log);
	/* a waiting slow client is told why it was dropped, in JSON */
	ssize_t n = recv(fds[0], resp, sizeof(resp) - 1, 0);
	cr_assert_gt(n, 0);
	resp[n] = '\0';
	json_error(resp, 408);
	for (int i = 0; i < 20; i++)
		close(fds[i]);
}

/* A header sent a byte at a time is never idle for connection_timeout, and a
 * body neither: each has a whole-time bound. */
Test(http_hostile, trickled_header_and_body_time_out, .init = up_small, .fini = down,
     .timeout = 120)
{
	const char *head = "GET /v1/themes HTTP/1.1\r\nHost: x\r\n";
	const char *post = "POST /v1/imports HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer t0ken\r\n"
	                   "Content-Length: 100\r\n\r\n";
	char resp[8192];
	size_t n = 0;
	ssize_t k;
	int fd = raw_connect(d.port);

	/* one byte every 300 ms: never silent for long, never finished */
	for (size_t i = 0; head[i] && n == 0; i++) {
		if (send(fd, head + i, 1, MSG_NOSIGNAL) != 1)
			break;
		usleep(300000);
		k = recv(fd, resp, sizeof(resp) - 1, MSG_DONTWAIT);
		if (k > 0)
			n = (size_t)k;
	}
	while (n == 0 && (k = recv(fd, resp, sizeof(resp) - 1, 0)) > 0)
		n = (size_t)k;
	resp[n] = '\0';
	close(fd);
	json_error(resp, 408);

	fd = raw_connect(d.port);
	cr_assert_eq(send(fd, post, strlen(post), MSG_NOSIGNAL), (ssize_t)strlen(post));
	n = 0;
	for (int i = 0; i < 100 && n == 0; i++) {
		if (send(fd, "x", 1, MSG_NOSIGNAL) != 1)
			break;
		usleep(300000);
		k = recv(fd, resp, sizeof(resp) - 1, MSG_DONTWAIT);
		if (k > 0)
			n = (size_t)k;
	}
	resp[n] = '\0';
	close(fd);
	json_error(resp, 408);
}

/* Bad bytes in the path or a parameter: 400 naming it, never an empty reply
 * or a 503 that clients retry for ever. */
Test(http_hostile, invalid_utf8_and_nul_are_400, .init = up, .fini = down, .timeout = 60)
{
	static const struct {
		const char *target;
		const char *parameter; /* NULL: the path */
	} cases[] = {
	    {"/v1/evaluations/%ff", NULL},
	    {"/v1/interventions?q=%ff", "q"},
	    {"/v1/interventions?q=%c3", "q"},
	    {"/v1/interventions?q=%ed%a0%80", "q"}, /* a surrogate */
	    {"/v1/evaluations?intervention=%00", "intervention"},
	    {"/v1/interventions?%ff=1", "%ff"},
	    {"/v1/interventions?theme=vawg&q%00=1", "q%00"},
	};
	char req[512], resp[8192];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *j;
		snprintf(req, sizeof(req),
		         "GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
		         cases[i].target);
		raw_exchange(d.port, req, strlen(req), resp, sizeof(resp));
		json_error(resp, 400);
		cr_expect(strstr(resp, "Retry-After") == NULL, "%s", resp);
		j = json_loads(raw_body(resp), 0, NULL);
		if (cases[i].parameter != NULL)
			cr_expect_str_eq(json_string_value(json_object_get(
			                     json_object_get(json_object_get(j, "error"), "detail"),
			                     "parameter")),
			                 cases[i].parameter, "%s: %s", cases[i].target,
			                 raw_body(resp));
		json_decref(j);
	}
	/* a character the 80-byte cut in the message would split */
	snprintf(
	    req, sizeof(req),
	    "GET /v1/evaluations/%079d%%C3%%A9 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
	    0);
	raw_exchange(d.port, req, strlen(req), resp, sizeof(resp));
	json_error(resp, 404);
	cr_expect(log_has("path=\"/v1/evaluations/%ff\" status=400"), "logged; see %s", d.log);
}

/* A value PostgreSQL refuses as data is the client's error (400), not an
 * unavailable database (503 with Retry-After, retried for ever). */
Test(http_hostile, data_errors_are_not_unavailable)
{
	struct pgtest t;
	struct err e = {0};
	json_t *j = NULL;

	pgtest_setup(&t, "dataerr");
	cr_expect_null(db_query(t.conn, &e, "read", "SELECT $1::int", 1, (const char *[]){"x"}));
	cr_expect_eq(e.code, WW_EINVALID, "%s", e.msg);
	err_clear(&e);
	cr_expect_eq(db_query_json(&j, t.conn, &e, "read", "SELECT to_json($1::int)", 1,
	                           (const char *[]){"99999999999"}),
	             WW_EINVALID, "%s", e.msg);
	err_clear(&e);
	cr_expect_null(db_query(t.conn, &e, "read", "SELECT * FROM no_such_table", 0, NULL));
	cr_expect_eq(e.code, WW_EDB, "%s", e.msg);
	pgtest_teardown(&t);
}

static void up_keepalive(void)
{
	pgtest_setup(&db, "hostile");
	ht_fixture(&db);
	ht_start(&d, db.conninfo, (const char *const[]){"--connection-timeout", "1", NULL});
}

/* The gate sees only a connection's first request: a later one on a
 * kept-alive connection that exhausts libmicrohttpd's pool is refused by
 * libmicrohttpd itself, which never calls completed(). The request is freed
 * when the connection closes (LeakSanitizer checks it at exit). */
Test(http_hostile, refused_later_requests_are_freed, .init = up_keepalive, .fini = down,
     .timeout = 120)
{
	const char *good = "GET /v1/themes HTTP/1.1\r\nHost: x\r\n\r\n";
	char *bad = many_args(1000, "&a"), resp[65536];
	int fds[20];

	for (int i = 0; i < 20; i++) {
		ssize_t k;
		size_t n = 0;
		resp[0] = '\0';
		fds[i] = raw_connect(d.port);
		cr_assert_eq(send(fds[i], good, strlen(good), MSG_NOSIGNAL), (ssize_t)strlen(good));
		while (strstr(resp, "\r\n\r\n") == NULL || n == 0) {
			k = recv(fds[i], resp + n, sizeof(resp) - 1 - n, 0);
			cr_assert_gt(k, 0);
			n += (size_t)k;
			resp[n] = '\0';
		}
		cr_assert_eq(raw_status(resp), 200, "%s", resp);
		send(fds[i], bad, strlen(bad), MSG_NOSIGNAL);
	}
	for (int i = 0; i < 20; i++) {
		while (recv(fds[i], resp, sizeof(resp), 0) > 0)
			;
		close(fds[i]);
	}
	free(bad);
	cr_expect(log_has("request refused by libmicrohttpd"), "see %s", d.log);
}
