/*
 * test_http.c - `whatworks serve` over real HTTP against a real PostgreSQL
 */
#include "http.h"
#include "test_http_support.h"

#include <criterion/criterion.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

static struct pgtest db;
static struct ht_daemon d;

static void up(const char *const *args)
{
	pgtest_setup(&db, "http");
	ht_fixture(&db);
	ht_start(&d, db.conninfo, args);
}

static void down(void)
{
	if (d.pid > 0)
		cr_expect_eq(ht_stop(&d), 0, "exit status; see %s", d.log);
	pgtest_teardown(&db);
}

static json_t *get_json(const char *target, long want)
{
	struct ht_resp r;
	ht_get(&r, &d, target);
	cr_assert_eq(r.status, want, "%s: status %ld, body %.300s", target, r.status, r.body);
	json_t *j = ht_json(&r);
	ht_free(&r);
	return j;
}

static void fixture_up(void)
{
	up(NULL);
}

TestSuite(http, .init = fixture_up, .fini = down, .timeout = 60);
/* tests that start the daemon their own way */
TestSuite(http_setup, .fini = down, .timeout = 60);

Test(http, every_endpoint_answers_with_its_shape)
{
	static const char *const lists[] = {"/v1/interventions",
	                                    "/v1/evaluations",
	                                    "/v1/themes",
	                                    "/v1/reference/unit-costs",
	                                    "/v1/reference/deflators",
	                                    "/v1/areas",
	                                    "/v1/imports",
	                                    "/v1/export",
	                                    NULL};
	static const char *const items[] = {"/v1/interventions/street-triage",
	                                    "/v1/evaluations/braga-2014", "/v1/imports/1", NULL};

	for (int i = 0; lists[i]; i++) {
		json_t *j = get_json(lists[i], 200);
		cr_expect(json_is_array(json_object_get(j, "data")), "%s: data is not a list",
		          lists[i]);
		json_decref(j);
	}
	for (int i = 0; items[i]; i++) {
		json_t *j = get_json(items[i], 200);
		cr_expect(json_is_object(json_object_get(j, "data")), "%s: data is not an object",
		          items[i]);
		json_decref(j);
	}
	json_t *h = get_json("/v1/evaluations/braga-2014/history", 200);
	cr_expect_not_null(json_object_get(h, "data"));
	json_decref(h);
}

Test(http, filters_sorting_paging_and_as_of)
{
	char buf[1024];
	struct ht_resp r;
	json_t *j = get_json("/v1/interventions?theme=knife-crime&sort=name", 200);
	json_t *data = json_object_get(j, "data");

	cr_assert_eq(json_array_size(data), 2);
	cr_expect_str_eq(json_string_value(json_object_get(json_array_get(data, 0), "id")),
	                 "hot-spots");
	json_decref(j);
	j = get_json("/v1/interventions?theme=knife-crime&sort=-name", 200);
	cr_expect_str_eq(
	    json_string_value(json_object_get(json_array_get(json_object_get(j, "data"), 0), "id")),
	    "street-triage");
	json_decref(j);

	ht_get(&r, &d, "/v1/interventions?sort=name&limit=1&offset=1");
	cr_assert_eq(r.status, 200);
	cr_expect_str_eq(ht_header(&r, "X-Total-Count", buf, sizeof(buf)), "3");
	cr_assert_not_null(ht_header(&r, "Link", buf, sizeof(buf)));
	cr_expect(strstr(buf, "</v1/interventions?sort=name&limit=1&offset=2>; rel=\"next\"") !=
	              NULL,
	          "Link: %s", buf);
	cr_expect(strstr(buf, "offset=0>; rel=\"prev\"") != NULL, "Link: %s", buf);
	cr_expect(strstr(buf, "rel=\"first\"") != NULL, "Link: %s", buf);
	ht_free(&r);

	/* past the end: an empty page, not an error */
	j = get_json("/v1/interventions?offset=100", 200);
	cr_expect_eq(json_array_size(json_object_get(j, "data")), 0);
	json_decref(j);

	j = get_json("/v1/interventions?as_of=" HT_COMMIT, 200);
	cr_expect_eq(json_array_size(json_object_get(j, "data")), 3);
	json_decref(j);
	j = get_json("/v1/interventions?as_of=ffffffffffff", 404);
	json_decref(j);
	j = get_json("/v1/evaluations?design=rct&min_quality=4", 200);
	cr_expect_eq(json_array_size(json_object_get(j, "data")), 1);
	json_decref(j);
	j = get_json("/v1/interventions/no-such-thing", 404);
	cr_expect_str_eq(json_string_value(json_object_get(json_object_get(j, "error"), "code")),
	                 "not_found");
	json_decref(j);
}

/* Splits one CSV record at p (RFC 4180) into fields; returns the next record. */
static const char *csv_record(const char *p, char fields[][256], int *n)
{
	*n = 0;
	for (;;) {
		char *f = fields[(*n)++];
		size_t k = 0;
		if (*p == '"') {
			p++;
			for (;;) {
				if (p[0] == '"' && p[1] == '"') {
					f[k++] = '"';
					p += 2;
				} else if (p[0] == '"') {
					p++;
					break;
				} else {
					cr_assert(*p != '\0', "unterminated quoted field");
					f[k++] = *p++;
				}
			}
		} else {
			while (*p && *p != ',' && *p != '\r')
				f[k++] = *p++;
		}
		f[k] = '\0';
		if (*p == ',') {
			p++;
			continue;
		}
		cr_assert(p[0] == '\r' && p[1] == '\n', "record does not end in CRLF");
		return p + 2;
	}
}

Test(http, csv_parses_back)
{
	static char fields[64][256];
	char buf[256];
	struct ht_resp r;
	const char *h[] = {"Accept: text/csv", NULL};
	int n, id_col = -1, summary_col = -1, rows = 0;

	ht_request(&r, &d, "GET", "/v1/interventions?sort=name", h, NULL);
	cr_assert_eq(r.status, 200, "%s", r.body);
	cr_expect_str_eq(ht_header(&r, "Content-Type", buf, sizeof(buf)),
	                 "text/csv; charset=utf-8");
	cr_expect(strstr(ht_header(&r, "Content-Disposition", buf, sizeof(buf)),
	                 "attachment; filename=\"interventions.csv\"") != NULL);
	cr_assert(memcmp(r.body, "\xEF\xBB\xBF", 3) == 0, "no UTF-8 BOM");
	const char *p = csv_record(r.body + 3, fields, &n);
	for (int i = 0; i < n; i++) {
		if (strcmp(fields[i], "id") == 0)
			id_col = i;
		if (strcmp(fields[i], "summary") == 0)
			summary_col = i;
	}
	cr_assert(id_col >= 0 && summary_col >= 0, "header row lacks id or summary");
	int header_n = n;
	while (*p) {
		p = csv_record(p, fields, &n);
		cr_expect_eq(n, header_n, "row %d has %d fields", rows, n);
		if (strcmp(fields[id_col], "street-triage") == 0)
			cr_expect_str_eq(fields[summary_col],
			                 "Mentors, \"trusted\" adults, on call");
		rows++;
	}
	cr_expect_eq(rows, 3);
	ht_free(&r);

	ht_get(&r, &d, "/v1/evaluations?format=csv");
	cr_assert_eq(r.status, 200);
	cr_expect_str_eq(ht_header(&r, "Content-Type", buf, sizeof(buf)),
	                 "text/csv; charset=utf-8");
	ht_free(&r);
}

Test(http, etag_and_304)
{
	char etag[256], etag_csv[256], ver[256], buf[512];
	struct ht_resp r;

	ht_get(&r, &d, "/v1/themes");
	cr_assert_eq(r.status, 200);
	cr_assert_not_null(ht_header(&r, "ETag", etag, sizeof(etag)));
	cr_assert_not_null(ht_header(&r, "X-Evidence-Version", ver, sizeof(ver)));
	cr_expect(strstr(ver, "run=1") != NULL && strstr(ver, HT_COMMIT) != NULL, "%s", ver);
	cr_expect_str_eq(ht_header(&r, "Cache-Control", buf, sizeof(buf)), "public, max-age=60");
	ht_free(&r);

	const char *forms[] = {"%s", "W/%s", "\"other\", %s", "*"};
	for (size_t i = 0; i < 4; i++) {
		char line[600], v[300];
		snprintf(v, sizeof(v), forms[i], etag);
		snprintf(line, sizeof(line), "If-None-Match: %s", v);
		const char *h[] = {line, NULL};
		ht_request(&r, &d, "GET", "/v1/themes", h, NULL);
		cr_expect_eq(r.status, 304, "If-None-Match: %s gave %ld", v, r.status);
		cr_expect_eq(r.len, 0);
		cr_expect_not_null(ht_header(&r, "ETag", buf, sizeof(buf)));
		ht_free(&r);
	}
	const char *nomatch[] = {"If-None-Match: \"nope\"", NULL};
	ht_request(&r, &d, "GET", "/v1/themes", nomatch, NULL);
	cr_expect_eq(r.status, 200);
	ht_free(&r);

	ht_get(&r, &d, "/v1/themes?format=csv");
	ht_header(&r, "ETag", etag_csv, sizeof(etag_csv));
	cr_expect_str_neq(etag, etag_csv, "CSV and JSON share an ETag");
	ht_free(&r);
	/* the first request's ETag does not match the CSV form */
	char line[600];
	snprintf(line, sizeof(line), "If-None-Match: %s", etag);
	const char *h[] = {line, NULL};
	ht_request(&r, &d, "GET", "/v1/themes?format=csv", h, NULL);
	cr_expect_eq(r.status, 200);
	ht_free(&r);

	/* a new import changes the version and the ETag */
	pgtest_exec(&db,
	            "INSERT INTO import_runs (id, source_id, status, commit) VALUES (2, 1, "
	            "'succeeded', 'fedcba9876543210fedcba9876543210fedcba98')",
	            0, NULL);
	usleep(400000);
	ht_request(&r, &d, "GET", "/v1/themes", h, NULL);
	cr_expect_eq(r.status, 200, "an old ETag matched after an import");
	cr_expect(strstr(ht_header(&r, "X-Evidence-Version", buf, sizeof(buf)), "run=2") != NULL,
	          "%s", buf);
	ht_free(&r);
}

static void inflate_all(const char *in, size_t n, char **out, size_t *outlen)
{
	z_stream z;
	size_t cap = 1 << 20;

	memset(&z, 0, sizeof(z));
	cr_assert_eq(inflateInit2(&z, 15 + 16), Z_OK);
	*out = malloc(cap);
	z.next_in = (Bytef *)in;
	z.avail_in = (uInt)n;
	z.next_out = (Bytef *)*out;
	z.avail_out = (uInt)cap;
	cr_assert_eq(inflate(&z, Z_FINISH), Z_STREAM_END, "not a complete gzip stream");
	*outlen = cap - z.avail_out;
	inflateEnd(&z);
}

Test(http, gzip_when_accepted)
{
	struct ht_resp plain, packed;
	const char *h[] = {"Accept-Encoding: gzip, deflate", NULL};
	char buf[256], e1[256], e2[256];
	char *out;
	size_t outlen;

	ht_get(&plain, &d, "/v1/export");
	cr_assert_eq(plain.status, 200);
	cr_expect_null(ht_header(&plain, "Content-Encoding", buf, sizeof(buf)));
	ht_request(&packed, &d, "GET", "/v1/export", h, NULL);
	cr_assert_eq(packed.status, 200);
	cr_assert_str_eq(ht_header(&packed, "Content-Encoding", buf, sizeof(buf)), "gzip");
	cr_expect(strstr(ht_header(&packed, "Vary", buf, sizeof(buf)), "Accept-Encoding") != NULL);
	cr_expect_str_neq(ht_header(&plain, "ETag", e1, sizeof(e1)),
	                  ht_header(&packed, "ETag", e2, sizeof(e2)));
	inflate_all(packed.body, packed.len, &out, &outlen);
	cr_expect_eq(outlen, plain.len);
	cr_expect(memcmp(out, plain.body, plain.len) == 0, "gunzipped body differs");
	free(out);
	ht_free(&plain);
	ht_free(&packed);
	/* served again from the response cache: the same bytes */
	ht_request(&packed, &d, "GET", "/v1/export", h, NULL);
	cr_expect_str_eq(ht_header(&packed, "Content-Encoding", buf, sizeof(buf)), "gzip");
	ht_free(&packed);
}

Test(http, errors_are_json_with_the_right_status)
{
	struct ht_resp r;
	char buf[256];
	json_t *j;

	j = get_json("/v1/interventions?limit=abc", 400);
	cr_expect_str_eq(json_string_value(json_object_get(
	                     json_object_get(json_object_get(j, "error"), "detail"), "parameter")),
	                 "limit");
	cr_expect_str_eq(json_string_value(json_object_get(json_object_get(j, "error"), "code")),
	                 "invalid_parameter");
	json_decref(j);
	j = get_json("/v1/interventions?limit=501", 400);
	json_decref(j);
	j = get_json("/v1/interventions?colour=red", 400);
	json_decref(j);
	j = get_json("/v1/themes?format=xml", 400);
	cr_expect_str_eq(json_string_value(json_object_get(
	                     json_object_get(json_object_get(j, "error"), "detail"), "parameter")),
	                 "format");
	json_decref(j);
	j = get_json("/v2/nothing", 404);
	json_decref(j);

	ht_request(&r, &d, "DELETE", "/v1/themes", NULL, NULL);
	cr_expect_eq(r.status, 405);
	cr_expect_str_eq(ht_header(&r, "Allow", buf, sizeof(buf)), "GET, HEAD, OPTIONS");
	ht_free(&r);
	ht_request(&r, &d, "PUT", "/v1/imports", NULL, "x");
	cr_expect_eq(r.status, 405);
	cr_expect_str_eq(ht_header(&r, "Allow", buf, sizeof(buf)), "GET, HEAD, POST, OPTIONS");
	ht_free(&r);

	const char *png[] = {"Accept: image/png", NULL};
	ht_request(&r, &d, "GET", "/v1/themes", png, NULL);
	cr_expect_eq(r.status, 406);
	j = ht_json(&r);
	cr_expect_str_eq(json_string_value(json_object_get(json_object_get(j, "error"), "code")),
	                 "not_acceptable");
	json_decref(j);
	ht_free(&r);
	/* a detail has no tabular form */
	ht_get(&r, &d, "/v1/interventions/street-triage?format=csv");
	cr_expect(r.status == 406 || r.status == 200, "status %ld", r.status);
	ht_free(&r);

	char *big = malloc(100001);
	memset(big, 'x', 100000);
	big[100000] = '\0';
	ht_request(&r, &d, "POST", "/v1/imports", NULL, big);
	cr_expect_eq(r.status, 413, "status %ld", r.status);
	ht_free(&r);
	char *url = malloc(12000);
	snprintf(url, 12000, "/v1/interventions?q=%.*s", 10000, big);
	ht_get(&r, &d, url);
	cr_expect_eq(r.status, 414, "status %ld", r.status);
	ht_free(&r);
	free(url);
	free(big);
}

Test(http, bad_input_never_gives_500)
{
	static const char *const targets[] = {"/v1/interventions?sort=-",
	                                      "/v1/interventions?sort=,,,",
	                                      "/v1/interventions?sort=nope",
	                                      "/v1/interventions?limit=-1",
	                                      "/v1/interventions?limit=99999999999999999999",
	                                      "/v1/interventions?offset=-5",
	                                      "/v1/interventions?cursor=%00%ff",
	                                      "/v1/interventions?cursor=abc",
	                                      "/v1/interventions?theme=%27%3B%20DROP%20TABLE%20x",
	                                      "/v1/interventions?q=%25%5F%5C",
	                                      "/v1/interventions?as_of=%27",
	                                      "/v1/evaluations?published_from=2020-13-45",
	                                      "/v1/evaluations?min_quality=9",
	                                      "/v1/evaluations?country=gbr",
	                                      "/v1/interventions/%2e%2e",
	                                      "/v1/interventions/a%00b",
	                                      "/v1/imports/abc",
	                                      "/v1/imports/99999999999999999999",
	                                      "/v1/evaluations/%20/history",
	                                      "/v1/interventions?harmful=maybe",
	                                      "/v1/interventions?min_bcr=nan",
	                                      "/%ff%fe",
	                                      "//",
	                                      "/v1/interventions?&&&=&",
	                                      NULL};
	struct ht_resp r;

	for (int i = 0; targets[i]; i++) {
		ht_get(&r, &d, targets[i]);
		cr_expect(r.status >= 200 && r.status < 500, "%s gave %ld: %.200s", targets[i],
		          r.status, r.body);
		if (r.status >= 400) {
			json_t *j = ht_json(&r);
			cr_expect_not_null(json_object_get(json_object_get(j, "error"), "message"));
			json_decref(j);
		}
		ht_free(&r);
	}
}

Test(http_setup, cors_preflight_and_simple)
{
	const char *args[] = {"--cors-origins", "https://dash.example.org,https://bi.example.org",
	                      NULL};
	struct ht_resp r;
	char buf[512];

	up(args);
	const char *pre[] = {"Origin: https://bi.example.org", "Access-Control-Request-Method: GET",
	                     "Access-Control-Request-Headers: If-None-Match", NULL};
	ht_request(&r, &d, "OPTIONS", "/v1/interventions", pre, NULL);
	cr_expect_eq(r.status, 204);
	cr_expect_str_eq(ht_header(&r, "Access-Control-Allow-Origin", buf, sizeof(buf)),
	                 "https://bi.example.org");
	cr_expect(strstr(ht_header(&r, "Access-Control-Allow-Methods", buf, sizeof(buf)), "GET"));
	cr_expect(strstr(ht_header(&r, "Access-Control-Allow-Headers", buf, sizeof(buf)),
	                 "If-None-Match"));
	cr_expect_not_null(ht_header(&r, "Access-Control-Max-Age", buf, sizeof(buf)));
	ht_free(&r);

	const char *bad[] = {"Origin: https://evil.example.com",
	                     "Access-Control-Request-Method: GET", NULL};
	ht_request(&r, &d, "OPTIONS", "/v1/interventions", bad, NULL);
	cr_expect_null(ht_header(&r, "Access-Control-Allow-Origin", buf, sizeof(buf)));
	cr_expect_null(ht_header(&r, "Access-Control-Allow-Methods", buf, sizeof(buf)));
	ht_free(&r);

	const char *simple[] = {"Origin: https://dash.example.org", NULL};
	ht_request(&r, &d, "GET", "/v1/themes", simple, NULL);
	cr_expect_eq(r.status, 200);
	cr_expect_str_eq(ht_header(&r, "Access-Control-Allow-Origin", buf, sizeof(buf)),
	                 "https://dash.example.org");
	cr_expect(strstr(ht_header(&r, "Access-Control-Expose-Headers", buf, sizeof(buf)), "ETag"));
	cr_expect(strstr(buf, "Link") && strstr(buf, "X-Evidence-Version"));
	cr_expect(strstr(ht_header(&r, "Vary", buf, sizeof(buf)), "Origin"));
	ht_free(&r);
	const char *evil[] = {"Origin: https://evil.example.com", NULL};
	ht_request(&r, &d, "GET", "/v1/themes", evil, NULL);
	cr_expect_eq(r.status, 200);
	cr_expect_null(ht_header(&r, "Access-Control-Allow-Origin", buf, sizeof(buf)));
	ht_free(&r);
}

Test(http_setup, imports_post_needs_the_token)
{
	struct ht_resp r;
	char buf[256];

	/* no token configured: disabled, and says so */
	up(NULL);
	ht_request(&r, &d, "POST", "/v1/imports", NULL, "");
	cr_expect_eq(r.status, 403);
	cr_expect(strstr(r.body, "import_token") != NULL, "%s", r.body);
	ht_free(&r);
	cr_expect_eq(ht_stop(&d), 0);

	const char *args[] = {"--import-token", "s3cret-token", NULL};
	ht_start(&d, db.conninfo, args);
	ht_request(&r, &d, "POST", "/v1/imports", NULL, "");
	cr_expect_eq(r.status, 401);
	cr_expect(strncmp(ht_header(&r, "WWW-Authenticate", buf, sizeof(buf)), "Bearer", 6) == 0);
	ht_free(&r);
	const char *wrong[] = {"Authorization: Bearer s3cret-tokem", NULL};
	ht_request(&r, &d, "POST", "/v1/imports", wrong, "");
	cr_expect_eq(r.status, 401);
	ht_free(&r);
	const char *prefix[] = {"Authorization: Bearer s3cret", NULL};
	ht_request(&r, &d, "POST", "/v1/imports", prefix, "");
	cr_expect_eq(r.status, 401);
	ht_free(&r);
	const char *right[] = {"Authorization: Bearer s3cret-token", NULL};
	ht_request(&r, &d, "POST", "/v1/imports", right, "[1]");
	cr_expect_eq(r.status, 400, "status %ld: %s", r.status, r.body);
	ht_free(&r);
	ht_request(&r, &d, "POST", "/v1/imports", right, "{\"source\": \"nope\"}");
	cr_expect_eq(r.status, 404, "status %ld: %s", r.status, r.body);
	ht_free(&r);
	cr_expect_eq(ht_stop(&d), 0);

	/* a real run: the evidence this repository ships */
	char cwd[1024], dir[] = "/tmp/whatworks-http-data-XXXXXX", cmd[1200];
	cr_assert_not_null(getcwd(cwd, sizeof(cwd)));
	cr_assert_not_null(mkdtemp(dir));
	setenv("WHATWORKS_DATA_DIR", dir, 1);
	const char *params[] = {cwd};
	pgtest_exec(&db, "DELETE FROM evaluations", 0, NULL);
	pgtest_exec(&db, "DELETE FROM interventions", 0, NULL);
	pgtest_exec(&db,
	            "INSERT INTO sources (name, kind, location, subpath) VALUES ('shipped', 'git', "
	            "$1, 'evidence')",
	            1, params);
	ht_start(&d, db.conninfo, args);
	ht_request(&r, &d, "POST", "/v1/imports", right, "{\"source\": \"shipped\"}");
	cr_assert_eq(r.status, 202, "status %ld: %s", r.status, r.body);
	char where[128];
	cr_assert_not_null(ht_header(&r, "Location", where, sizeof(where)));
	cr_expect(strncmp(where, "/v1/imports/requests/", 21) == 0, "%s", where);
	json_t *j = ht_json(&r);
	cr_expect_str_eq(json_string_value(json_object_get(json_object_get(j, "data"), "url")),
	                 where);
	json_decref(j);
	ht_free(&r);
	j = ht_wait_request(&d, where);
	json_t *data = json_object_get(j, "data");
	const char *status = json_string_value(json_object_get(data, "status"));
	cr_expect_str_eq(status, "succeeded", "%s",
	                 json_string_value(json_object_get(data, "message")));
	cr_expect_str_eq(json_string_value(json_object_get(data, "trigger")), "api");
	json_decref(j);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	cr_expect_eq(system(cmd), 0);
}

/* A TCP port that accepts connections (the kernel's backlog) and never
 * answers: a git remote whose fetch hangs. */
static int silent_listener(int *port)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	cr_assert(fd >= 0);
	cr_assert_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	cr_assert_eq(listen(fd, 16), 0);
	cr_assert_eq(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	*port = ntohs(a.sin_port);
	return fd;
}

static json_t *post_import(const char *const *auth, const char *body, long want)
{
	struct ht_resp r;
	ht_request(&r, &d, "POST", "/v1/imports", auth, body);
	cr_assert_eq(r.status, want, "POST /v1/imports: %ld %s", r.status, r.body);
	json_t *j = ht_json(&r);
	ht_free(&r);
	return j;
}

/* POST /v1/imports only asks the scheduler: with one HTTP thread and an
 * import that hangs in its fetch, the API and /healthz still answer, the
 * request shows its run, and later requests wait for the next run. */
Test(http_setup, imports_post_never_waits_for_the_import)
{
	const char *args[] = {"--import-token", "s3cret-token", "--threads", "1", NULL};
	const char *auth[] = {"Authorization: Bearer s3cret-token", NULL};
	char location[128], first[64];
	int port, fd = silent_listener(&port);

	snprintf(location, sizeof(location), "http://127.0.0.1:%d/partner/evidence.git", port);
	const char *params[] = {location};
	pgtest_setup(&db, "http");
	pgtest_exec(&db, "INSERT INTO sources (name, kind, location) VALUES ('slow', 'git', $1)", 1,
	            params);
	ht_start(&d, db.conninfo, args);

	json_t *j = post_import(auth, "{\"source\": \"slow\"}", 202);
	json_t *data = json_object_get(j, "data");
	snprintf(first, sizeof(first), "%s", json_string_value(json_object_get(data, "url")));
	cr_expect_str_eq(json_string_value(json_object_get(data, "status")), "queued");
	cr_expect(json_is_false(json_object_get(data, "coalesced")));
	json_decref(j);

	/* the run starts and hangs in its fetch; the one HTTP thread is free */
	const char *status = NULL;
	for (int i = 0; i < 400; i++) {
		j = get_json(first, 200);
		status = json_string_value(json_object_get(json_object_get(j, "data"), "status"));
		if (strcmp(status, "running") == 0)
			break;
		json_decref(j);
		j = NULL;
		usleep(50000);
	}
	cr_assert_not_null(j, "the requested run never started; see %s", d.log);
	data = json_object_get(j, "data");
	cr_expect(json_integer_value(json_object_get(data, "run_id")) > 0);
	cr_expect_str_eq(json_string_value(json_object_get(data, "trigger")), "api");
	char run[64];
	snprintf(run, sizeof(run), "%s", json_string_value(json_object_get(data, "run")));
	json_decref(j);
	j = get_json("/healthz", 200);
	json_decref(j);
	j = get_json(run, 200);
	cr_expect_str_eq(json_string_value(json_object_get(json_object_get(j, "data"), "status")),
	                 "running");
	json_decref(j);

	/* while it runs: one more run is queued, and a third request joins it */
	j = post_import(auth, "{\"source\": \"slow\"}", 202);
	char second[64];
	snprintf(second, sizeof(second), "%s",
	         json_string_value(json_object_get(json_object_get(j, "data"), "url")));
	cr_expect(json_is_false(json_object_get(json_object_get(j, "data"), "coalesced")));
	json_decref(j);
	j = post_import(auth, "{\"source\": \"slow\"}", 202);
	cr_expect(json_is_true(json_object_get(json_object_get(j, "data"), "coalesced")));
	cr_expect_str_neq(json_string_value(json_object_get(json_object_get(j, "data"), "url")),
	                  second);
	json_decref(j);
	j = get_json(second, 200);
	data = json_object_get(j, "data");
	cr_expect_str_eq(json_string_value(json_object_get(data, "status")), "queued");
	cr_expect(json_is_null(json_object_get(data, "run_id")));
	cr_expect(json_is_null(json_object_get(data, "run")));
	json_decref(j);

	/* unknown sources and bad ids say what is wrong */
	j = post_import(auth, "{\"source\": \"nope\"}", 404);
	json_decref(j);
	j = get_json("/v1/imports/requests/999999", 404);
	json_decref(j);
	j = get_json("/v1/imports/requests/x", 400);
	json_decref(j);

	/* SIGTERM with the fetch still hanging: the daemon stops, exit 0 */
	cr_expect_eq(ht_stop(&d), 0, "exit status; see %s", d.log);
	d.pid = 0;
	close(fd);
}

Test(http_setup, readyz_needs_an_import)
{
	pgtest_setup(&db, "http");
	ht_start(&d, db.conninfo, NULL);
	json_t *j = get_json("/readyz", 503);
	json_t *detail = json_object_get(json_object_get(j, "error"), "detail");
	cr_expect_str_eq(json_string_value(json_object_get(detail, "failed")), "import");
	json_decref(j);
	j = get_json("/healthz", 200);
	json_decref(j);
	ht_fixture(&db);
	j = get_json("/readyz", 200);
	cr_expect_str_eq(json_string_value(json_object_get(j, "status")), "ready");
	json_decref(j);
}

Test(http, metrics_in_prometheus_text)
{
	struct ht_resp r;
	char buf[256];

	json_decref(get_json("/v1/themes", 200));
	json_decref(get_json("/v1/interventions/nope", 404));
	/* a request is counted once the server has finished with it, which can
	 * be just after the client has its answer: wait for both (bounded) */
	for (int tries = 0;; tries++) {
		ht_get(&r, &d, "/metrics");
		if (tries == 200 ||
		    (r.status == 200 &&
		     strstr(r.body, "route=\"/v1/themes\",method=\"GET\",status=\"200\"} 1\n") &&
		     strstr(r.body,
		            "route=\"/v1/interventions/{id}\",method=\"GET\",status=\"404\"")))
			break;
		ht_free(&r);
		usleep(10 * 1000);
	}
	cr_assert_eq(r.status, 200);
	cr_expect(strncmp(ht_header(&r, "Content-Type", buf, sizeof(buf)), "text/plain", 10) == 0);
	cr_expect(strstr(r.body,
	                 "whatworks_http_requests_total{route=\"/v1/themes\",method=\"GET\","
	                 "status=\"200\"} 1\n") != NULL,
	          "%s", r.body);
	cr_expect(strstr(r.body,
	                 "route=\"/v1/interventions/{id}\",method=\"GET\",status=\"404\"") != NULL);
	cr_expect(strstr(r.body, "whatworks_http_request_duration_seconds_bucket{route=\"/v1/"
	                         "themes\",le=\"+Inf\"} 1\n") != NULL);
	cr_expect(strstr(r.body, "whatworks_import_runs{result=\"succeeded\"} 1\n") != NULL);
	cr_expect(strstr(r.body, "whatworks_evidence_info{run=\"1\",commit=\"" HT_COMMIT
	                         "\"} 1\n") != NULL);
	ht_free(&r);
}

static int has_method(const char *methods, const char *m)
{
	char up[16];
	size_t n = strlen(m);
	for (size_t i = 0; i <= n && i < sizeof(up); i++)
		up[i] = (char)(m[i] >= 'a' && m[i] <= 'z' ? m[i] - 32 : m[i]);
	for (const char *p = methods; (p = strstr(p, up)) != NULL; p += n)
		if ((p == methods || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
			return 1;
	return 0;
}

Test(http, openapi_matches_the_routes)
{
	size_t n;
	const struct http_route_desc *routes = http_routes(&n);
	json_t *doc = get_json("/openapi.json", 200);
	json_t *paths = json_object_get(doc, "paths");
	const char *path;
	json_t *item;

	cr_assert_str_eq(json_string_value(json_object_get(doc, "openapi")), "3.1.0");
	for (size_t i = 0; i < n; i++) {
		json_t *it = json_object_get(paths, routes[i].path);
		cr_expect_not_null(it, "route %s is not in /openapi.json", routes[i].path);
		if (it == NULL)
			continue;
		for (const char *m = routes[i].methods; *m;) {
			char lower[16];
			size_t k = strcspn(m, " ");
			for (size_t c = 0; c < k && c < 15; c++)
				lower[c] = (char)(m[c] + 32);
			lower[k < 15 ? k : 15] = '\0';
			cr_expect_not_null(json_object_get(it, lower), "%s %s is not documented",
			                   lower, routes[i].path);
			m += k;
			m += strspn(m, " ");
		}
	}
	json_object_foreach(paths, path, item)
	{
		const char *m;
		json_t *op;
		size_t i;
		for (i = 0; i < n; i++)
			if (strcmp(routes[i].path, path) == 0)
				break;
		cr_expect(i < n, "/openapi.json documents %s, which is not routed", path);
		if (i == n)
			continue;
		json_object_foreach(item, m, op)
		{
			if (strcmp(m, "parameters") == 0)
				continue;
			cr_expect(has_method(routes[i].methods, m),
			          "%s %s is documented, not routed", m, path);
			/* every documented path parameter is declared */
			cr_expect_not_null(json_object_get(op, "responses"));
		}
	}
	json_decref(doc);
}

Test(http, head_and_request_ids)
{
	struct ht_resp r;
	char buf[128];
	const char *h[] = {"X-Request-Id: dash-42", NULL};

	ht_request(&r, &d, "HEAD", "/v1/themes", h, NULL);
	cr_expect_eq(r.status, 200);
	cr_expect_eq(r.len, 0);
	cr_expect_str_eq(ht_header(&r, "X-Request-Id", buf, sizeof(buf)), "dash-42");
	ht_free(&r);
	ht_get(&r, &d, "/healthz");
	cr_expect_not_null(ht_header(&r, "X-Request-Id", buf, sizeof(buf)));
	ht_free(&r);
}

Test(http_setup, per_ip_connection_limit)
{
	const char *args[] = {"--max-connections-per-ip", "2", "--threads", "1", NULL};
	int fds[3];
	char c;

	up(args);
	for (int i = 0; i < 3; i++) {
		struct sockaddr_in a = {0};
		a.sin_family = AF_INET;
		a.sin_port = htons((unsigned short)d.port);
		a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		fds[i] = socket(AF_INET, SOCK_STREAM, 0);
		cr_assert_eq(connect(fds[i], (struct sockaddr *)&a, sizeof(a)), 0);
	}
	/* the third is closed by the server without a response */
	struct timeval tv = {5, 0};
	setsockopt(fds[2], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	cr_expect_leq(recv(fds[2], &c, 1, 0), 0, "a third connection from one address was served");
	for (int i = 0; i < 3; i++)
		close(fds[i]);
}

Test(http_setup, sighup_reloads_cors_and_cache_control)
{
	char path[] = "/tmp/whatworks-http-conf-XXXXXX";
	int fd = mkstemp(path);
	const char *args[] = {"--config-file", path, NULL};
	struct ht_resp r;
	char buf[256];
	FILE *f;

	cr_assert(fd >= 0);
	f = fdopen(fd, "w");
	fprintf(f, "# first\ncors_origins = https://a.example.org\ncache_control = no-cache\n");
	fclose(f);
	up(args);
	const char *h[] = {"Origin: https://b.example.org", NULL};
	ht_request(&r, &d, "GET", "/v1/themes", h, NULL);
	cr_expect_null(ht_header(&r, "Access-Control-Allow-Origin", buf, sizeof(buf)));
	cr_expect_str_eq(ht_header(&r, "Cache-Control", buf, sizeof(buf)), "no-cache");
	ht_free(&r);
	f = fopen(path, "w");
	fprintf(f, "cors_origins = https://b.example.org\ncache_control = \"public, max-age=5\"\n");
	fclose(f);
	kill(d.pid, SIGHUP);
	usleep(300000);
	ht_request(&r, &d, "GET", "/v1/themes", h, NULL);
	cr_expect_str_eq(ht_header(&r, "Access-Control-Allow-Origin", buf, sizeof(buf)),
	                 "https://b.example.org");
	cr_expect_str_eq(ht_header(&r, "Cache-Control", buf, sizeof(buf)), "public, max-age=5");
	ht_free(&r);
	/* a bad file keeps the settings and the daemon */
	f = fopen(path, "w");
	fprintf(f, "cors_origins = ftp://nope\n");
	fclose(f);
	kill(d.pid, SIGHUP);
	usleep(300000);
	ht_request(&r, &d, "GET", "/v1/themes", h, NULL);
	cr_expect_eq(r.status, 200);
	cr_expect_str_eq(ht_header(&r, "Access-Control-Allow-Origin", buf, sizeof(buf)),
	                 "https://b.example.org");
	ht_free(&r);
	unlink(path);
}

Test(http, bad_settings_fail_at_start_naming_the_value)
{
	char cmd[1024];
	snprintf(cmd, sizeof(cmd), "%s serve --threads lots 2>&1", getenv("WHATWORKS_BIN"));
	FILE *p = popen(cmd, "r");
	char out[1024] = "";
	size_t n = fread(out, 1, sizeof(out) - 1, p);
	out[n] = '\0';
	int st = pclose(p);
	cr_expect_neq(st, 0);
	cr_expect(strstr(out, "\"lots\"") && strstr(out, "threads"), "%s", out);
	snprintf(cmd, sizeof(cmd), "%s serve --help", getenv("WHATWORKS_BIN"));
	p = popen(cmd, "r");
	n = fread(out, 1, sizeof(out) - 1, p);
	out[n] = '\0';
	while (fgetc(p) != EOF) /* read it all: no SIGPIPE */
		;
	cr_expect_eq(pclose(p), 0);
	cr_expect(strstr(out, "--listen") && strstr(out, "WHATWORKS_LISTEN"), "%s", out);
}

struct slow {
	struct ht_daemon *d;
	long status;
};

static void *slow_request(void *arg)
{
	struct slow *s = arg;
	struct ht_resp r;
	ht_get(&r, s->d, "/v1/themes");
	s->status = r.status;
	ht_free(&r);
	return NULL;
}

Test(http, sigterm_finishes_requests_in_flight)
{
	pthread_t t;
	struct slow s = {&d, 0};
	int status;

	/* hold a lock the request's queries need, so it waits in PostgreSQL */
	pgtest_exec(&db, "BEGIN", 0, NULL);
	pgtest_exec(&db, "LOCK TABLE import_runs IN ACCESS EXCLUSIVE MODE", 0, NULL);
	pthread_create(&t, NULL, slow_request, &s);
	usleep(500000);
	kill(d.pid, SIGTERM);
	usleep(500000);
	pgtest_exec(&db, "COMMIT", 0, NULL);
	pthread_join(t, NULL);
	cr_expect_eq(s.status, 200, "the request in flight got %ld", s.status);
	for (int i = 0; i < 1000; i++) {
		if (waitpid(d.pid, &status, WNOHANG) == d.pid) {
			cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 0);
			d.pid = 0;
			return;
		}
		usleep(10000);
	}
	cr_assert_fail("did not exit within 10 s of SIGTERM");
}
