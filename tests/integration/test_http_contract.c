/*
 * test_http_contract.c - the HTTP contract as clients meet it: CSV that a
 * spreadsheet opens safely (checked with LibreOffice itself), conditional
 * requests after validation, repeated parameters, whole tables as CSV
 */
#include "test_http_support.h"

#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static struct pgtest db;
static struct ht_daemon d;

/* Partner text that a spreadsheet would run, and scores with negative figures. */
static void hostile_fixture(void)
{
	pgtest_exec(&db,
	            "UPDATE interventions SET name = '=HYPERLINK(\"http://example.org\",\"click\")'"
	            " WHERE id = 'hot-spots'",
	            0, NULL);
	pgtest_exec(&db,
	            "UPDATE interventions SET name = '@SUM(1+1)', tags = '{-2+3,+4}'"
	            " WHERE id = 'drug-courts'",
	            0, NULL);
	pgtest_exec(&db, "UPDATE interventions SET name = E'\\t=1+1' WHERE id = 'street-triage'", 0,
	            NULL);
	pgtest_exec(
	    &db,
	    "INSERT INTO scores (intervention, crime_type, run_id, params, figures, band, bcr,"
	    " npv, p_bcr_gt1, evidence_rating, pct_change, harmful, insufficient_reason, headline)"
	    " VALUES ('hot-spots', 'violence-with-injury', 1, '{}', '{\"mu\": -0.1}', 'poor',"
	    " -0.25, -1500.5, 0.1, 5, 9.5, true, NULL, true),"
	    " ('street-triage', 'violence-with-injury', 1, '{}', '{\"mu\": 0.2}', 'poor', 0.4,"
	    " -600, 0.1, 3, 22.1, true, NULL, true),"
	    " ('drug-courts', 'violence-with-injury', 1, '{}', '{}', 'insufficient', NULL,"
	    " NULL, NULL, 1, NULL, false, 'no-cost', true)",
	    0, NULL);
	pgtest_exec(&db,
	            "INSERT INTO reference_data (kind, id, source_id, path, blob, commit,"
	            " valid_from, body) VALUES ('areas', 'areas', 1, 'reference/areas.yaml', 'a1',"
	            " '" HT_COMMIT "', 1, '{\"entries\": [{\"id\": \"west-midlands\","
	            " \"name\": \"West Midlands\", \"country\": \"GB\"}]}')",
	            0, NULL);
}

static void up(void)
{
	pgtest_setup(&db, "contract");
	ht_fixture(&db);
	hostile_fixture();
	ht_start(&d, db.conninfo, NULL);
}

static void down(void)
{
	if (d.pid > 0)
		cr_expect_eq(ht_stop(&d), 0, "exit status; see %s", d.log);
	pgtest_teardown(&db);
}

TestSuite(contract, .init = up, .fini = down, .timeout = 120);

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *s;
	long n;

	cr_assert_not_null(f, "could not open %s", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	s = malloc((size_t)n + 1);
	cr_assert_eq(fread(s, 1, (size_t)n, f), (size_t)n);
	s[n] = '\0';
	fclose(f);
	return s;
}

/*
 * Opens body as a CSV file in LibreOffice (headless, UTF-8, comma-separated,
 * formulas evaluated as its import does by default) and returns the sheet as
 * flat OpenDocument XML (owned).
 */
static char *libreoffice_open(const char *body, size_t len)
{
	char dir[] = "/tmp/whatworks-lo.XXXXXX", csv[128], out[160], cmd[1024];
	FILE *f;

	cr_assert_not_null(mkdtemp(dir));
	snprintf(csv, sizeof(csv), "%s/table.csv", dir);
	snprintf(out, sizeof(out), "%s/table.fods", dir);
	f = fopen(csv, "wb");
	cr_assert_not_null(f);
	cr_assert_eq(fwrite(body, 1, len, f), len);
	fclose(f);
	snprintf(cmd, sizeof(cmd),
	         "HOME=%s soffice --headless --norestore '--infilter=CSV:44,34,76,1'"
	         " --convert-to fods --outdir %s %s >%s/soffice.log 2>&1",
	         dir, dir, csv, dir);
	int rc = system(cmd);
	cr_assert(rc == 0 && access(out, R_OK) == 0,
	          "LibreOffice (soffice, Debian package libreoffice-calc-nogui) could not "
	          "convert the CSV; see %s/soffice.log",
	          dir);
	char *xml = read_file(out);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	cr_expect_eq(system(cmd), 0);
	return xml;
}

/* True when the sheet has a float cell with this value. */
static int has_float(const char *xml, const char *value)
{
	char want[128];
	snprintf(want, sizeof(want), "office:value-type=\"float\" office:value=\"%s\"", value);
	return strstr(xml, want) != NULL;
}

Test(contract, csv_opens_in_libreoffice_without_formulas)
{
	struct ht_resp r;
	const char *targets[] = {"/v1/interventions?format=csv", "/v1/scores?format=csv"};

	for (size_t i = 0; i < 2; i++) {
		ht_get(&r, &d, targets[i]);
		cr_assert_eq(r.status, 200, "%s: %s", targets[i], r.body);
		char *xml = libreoffice_open(r.body, r.len);
		cr_expect(strstr(xml, "table:formula") == NULL,
		          "%s: LibreOffice made a formula of a text cell", targets[i]);
		/* the text is still there, shown as text */
		cr_expect(strstr(xml, "HYPERLINK(&quot;http://example.org&quot;") != NULL,
		          "%s: the name is gone", targets[i]);
		if (i == 1) {
			cr_expect(has_float(xml, "-0.25"), "a negative BCR is not a number");
			cr_expect(has_float(xml, "-1500.5"), "a negative NPV is not a number");
			cr_expect(has_float(xml, "-600"), "a negative NPV is not a number");
		} else {
			cr_expect(strstr(xml, "SUM(1+1)") != NULL);
		}
		free(xml);
		ht_free(&r);
	}
}

/* The exact bytes: text cells are quoted and defused, numbers are bare. */
Test(contract, csv_text_cells_are_defused_numbers_are_not)
{
	struct ht_resp r;

	ht_get(&r, &d, "/v1/scores?format=csv&sort=intervention");
	cr_assert_eq(r.status, 200, "%s", r.body);
	cr_expect(strstr(r.body, "\"'=HYPERLINK(\"\"http://example.org\"\",\"\"click\"\")\"") !=
	              NULL,
	          "%s", r.body);
	cr_expect(strstr(r.body, "\"'\t=1+1\"") != NULL, "%s", r.body);
	cr_expect(strstr(r.body, ",-0.25,") != NULL, "%s", r.body);
	cr_expect(strstr(r.body, ",-600,") != NULL, "%s", r.body);
	ht_free(&r);

	ht_get(&r, &d, "/v1/interventions?format=csv&sort=name");
	cr_assert_eq(r.status, 200, "%s", r.body);
	cr_expect(strstr(r.body, "\"'@SUM(1+1)\"") != NULL, "%s", r.body);
	cr_expect(strstr(r.body, "\"'-2+3;+4\"") != NULL, "%s", r.body);
	ht_free(&r);
}

/* A request with If-None-Match (line) must answer want; a 304's
 * Content-Length, if any, is the length of the 200 (len), never 0. */
static void expect_conditional(const char *target, const char *line, long want, size_t len)
{
	const char *h[] = {line, NULL};
	struct ht_resp r;
	char buf[64];

	ht_request(&r, &d, "GET", target, h, NULL);
	cr_expect_eq(r.status, want, "%s with %s: %ld %.200s", target, line, r.status, r.body);
	if (r.status == 304) {
		cr_expect_eq(r.len, 0);
		if (ht_header(&r, "Content-Length", buf, sizeof(buf)) != NULL)
			cr_expect_eq(strtoull(buf, NULL, 10), len,
			             "a 304 carries Content-Length: %s, the 200 has %zu", buf, len);
		cr_expect_null(ht_header(&r, "Transfer-Encoding", buf, sizeof(buf)),
		               "a 304 carries Transfer-Encoding: %s", buf);
	}
	ht_free(&r);
}

/* Sends text on one connection and returns what came back (owned). */
static char *raw_exchange(const char *text)
{
	struct sockaddr_in a = {0};
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	char *out = calloc(1, 65536);
	size_t n = 0;
	ssize_t got;
	struct timeval tv = {5, 0};

	a.sin_family = AF_INET;
	a.sin_port = htons((unsigned short)d.port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert(connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	while (n < 65535 && (got = read(fd, out + n, 65535 - n)) > 0)
		n += (size_t)got;
	close(fd);
	return out;
}

Test(contract, conditional_requests_come_after_validation)
{
	char etag[256], line[300], ietag[256], iline[300], req[1200];
	struct ht_resp r;
	size_t len, ilen;

	ht_get(&r, &d, "/v1/interventions/hot-spots");
	cr_assert_eq(r.status, 200);
	cr_assert_not_null(ht_header(&r, "ETag", etag, sizeof(etag)));
	len = r.len;
	ht_free(&r);
	snprintf(line, sizeof(line), "If-None-Match: %s", etag);
	ht_get(&r, &d, "/v1/imports/1");
	cr_assert_eq(r.status, 200);
	cr_assert_not_null(ht_header(&r, "ETag", ietag, sizeof(ietag)));
	ilen = r.len;
	ht_free(&r);
	snprintf(iline, sizeof(iline), "If-None-Match: %s", ietag);

	/* twice each: the second may come from the response cache */
	for (int i = 0; i < 2; i++) {
		expect_conditional("/v1/interventions/hot-spots", line, 304, len);
		expect_conditional("/v1/interventions/hot-spots", "If-None-Match: *", 304, len);
		/* the same version's ETag, but nothing to match */
		expect_conditional("/v1/interventions/no-such-thing", line, 404, 0);
		expect_conditional("/v1/interventions/no-such-thing", "If-None-Match: *", 404, 0);
		expect_conditional("/v1/interventions?limit=abc", line, 400, 0);
		expect_conditional("/v1/interventions?limit=abc", "If-None-Match: *", 400, 0);
		expect_conditional("/v1/interventions?as_of=abcdef0", "If-None-Match: *", 404, 0);
		expect_conditional("/v1/imports/999", "If-None-Match: *", 404, 0);
		expect_conditional("/v1/imports/1", "If-None-Match: *", 304, ilen);
		expect_conditional("/v1/imports/1", iline, 304, ilen);
	}

	/* a 304 sends no body: the next response on the connection is intact */
	snprintf(req, sizeof(req),
	         "GET /v1/interventions/hot-spots HTTP/1.1\r\nHost: x\r\n%s\r\n\r\n"
	         "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
	         line);
	char *got = raw_exchange(req);
	cr_expect(strncmp(got, "HTTP/1.1 304", 12) == 0, "%.300s", got);
	char *second = strstr(got + 1, "HTTP/1.1 ");
	cr_expect(second != NULL && strncmp(second, "HTTP/1.1 200", 12) == 0, "%.600s", got);
	cr_expect(second != NULL && strstr(second, "\r\n\r\n{\"status\":\"ok\"}") != NULL, "%.600s",
	          got);
	free(got);
}

/* The ids of a list response, comma-separated. */
static void ids_of(const char *target, char *out, size_t size)
{
	struct ht_resp r;
	size_t i, len = 0;
	json_t *it;

	ht_get(&r, &d, target);
	cr_assert_eq(r.status, 200, "%s: %ld %.300s", target, r.status, r.body);
	json_t *doc = ht_json(&r);
	out[0] = '\0';
	json_array_foreach(json_object_get(doc, "data"), i, it)
	{
		len += (size_t)snprintf(out + len, size - len, "%s%s", i ? "," : "",
		                        json_string_value(json_object_get(it, "id")));
	}
	json_decref(doc);
	ht_free(&r);
}

static void expect_400_naming(const char *target, const char *param)
{
	struct ht_resp r;

	ht_get(&r, &d, target);
	cr_expect_eq(r.status, 400, "%s: %ld %.300s", target, r.status, r.body);
	if (r.status == 400) {
		json_t *doc = ht_json(&r);
		const char *named = json_string_value(json_object_get(
		    json_object_get(json_object_get(doc, "error"), "detail"), "parameter"));
		cr_expect(named != NULL && strcmp(named, param) == 0, "%s: %s", target, r.body);
		json_decref(doc);
	}
	ht_free(&r);
}

Test(contract, repeated_parameters_combine_or_are_refused)
{
	char comma[512], repeated[512], one[512];

	ids_of("/v1/interventions?theme=knife-crime,substance-misuse&sort=id", comma,
	       sizeof(comma));
	ids_of("/v1/interventions?theme=knife-crime&theme=substance-misuse&sort=id", repeated,
	       sizeof(repeated));
	ids_of("/v1/interventions?theme=knife-crime&sort=id", one, sizeof(one));
	cr_expect_str_eq(repeated, comma);
	cr_expect_str_neq(repeated, one, "the second value was dropped");
	cr_expect_str_eq(comma, "drug-courts,hot-spots,street-triage");
	ids_of("/v1/evaluations?intervention=hot-spots&intervention=street-triage", repeated,
	       sizeof(repeated));
	cr_expect_str_eq(repeated, "braga-2014,triage-2020");
	ids_of("/v1/interventions?sort=-level&sort=id", repeated, sizeof(repeated));
	ids_of("/v1/interventions?sort=-level,id", comma, sizeof(comma));
	cr_expect_str_eq(repeated, comma);

	expect_400_naming("/v1/interventions?limit=1&limit=2", "limit");
	expect_400_naming("/v1/interventions?q=triage&q=drug", "q");
	expect_400_naming("/v1/interventions?format=json&format=csv", "format");
	expect_400_naming("/v1/interventions/hot-spots/projection?area=a&area=b", "area");
}

/* ---- whole tables as CSV ---- */

static struct pgtest wdb;
static struct ht_daemon wd;

/* 1203 interventions (more than two pages of the maximum 500) and 600
 * failed import runs after the fixture's succeeded one (imports page by
 * keyset, at most 500). */
static void whole_up(void)
{
	pgtest_setup(&wdb, "whole");
	ht_fixture(&wdb);
	pgtest_exec(
	    &wdb,
	    "INSERT INTO interventions (id, source_id, path, blob, commit, valid_from, body,"
	    " name, themes, level, sectors, tags) SELECT 'gen-' || lpad(g::text, 4, '0'),"
	    " 1, 'interventions/gen.yaml', 'g', '" HT_COMMIT "', 1, '{}', 'Gen ' || g,"
	    " '{vawg}', 'person', '{}', '{}' FROM generate_series(1, 1200) g",
	    0, NULL);
	pgtest_exec(&wdb,
	            "INSERT INTO import_runs (source_id, status, mode) SELECT 1, 'failed', 'full'"
	            " FROM generate_series(1, 600)",
	            0, NULL);
	ht_start(&wd, wdb.conninfo, NULL);
}

static void whole_down(void)
{
	if (wd.pid > 0)
		cr_expect_eq(ht_stop(&wd), 0, "exit status; see %s", wd.log);
	pgtest_teardown(&wdb);
}

TestSuite(whole, .init = whole_up, .fini = whole_down, .timeout = 120);

/* Data rows of a CSV body (CRLF-terminated records, none with a line break
 * inside here), checking the header comes once. */
static int csv_rows(const struct ht_resp *r, const char *header_start)
{
	int lines = 0;
	for (const char *p = r->body; (p = strstr(p, "\r\n")) != NULL; p += 2)
		lines++;
	cr_expect(memcmp(r->body, "\xEF\xBB\xBF", 3) == 0, "no BOM");
	cr_expect(strncmp(r->body + 3, header_start, strlen(header_start)) == 0, "%.80s", r->body);
	const char *again = strstr(r->body + 3, header_start);
	cr_expect(again == r->body + 3, "the header row comes again mid-table");
	return lines - 1;
}

Test(whole, csv_without_paging_is_every_row)
{
	struct ht_resp r;
	char buf[64];

	ht_get(&r, &wd, "/v1/interventions?format=csv");
	cr_assert_eq(r.status, 200, "%s", r.body);
	cr_expect_eq(csv_rows(&r, "id,"), 1203);
	cr_expect_str_eq(ht_header(&r, "X-Total-Count", buf, sizeof(buf)), "1203");
	cr_expect_null(ht_header(&r, "Link", buf, sizeof(buf)));
	cr_expect(strstr(r.body, "\r\ngen-0001,") != NULL && strstr(r.body, "\r\ngen-1200,"),
	          "rows missing");
	ht_free(&r);

	ht_get(&r, &wd, "/v1/imports?format=csv");
	cr_assert_eq(r.status, 200, "%s", r.body);
	cr_expect_eq(csv_rows(&r, "id,"), 601);
	ht_free(&r);

	/* filters still apply */
	ht_get(&r, &wd, "/v1/interventions?format=csv&theme=knife-crime");
	cr_assert_eq(r.status, 200, "%s", r.body);
	cr_expect_eq(csv_rows(&r, "id,"), 2);
	ht_free(&r);

	/* a client that pages gets the page */
	ht_get(&r, &wd, "/v1/interventions?format=csv&limit=10");
	cr_assert_eq(r.status, 200, "%s", r.body);
	cr_expect_eq(csv_rows(&r, "id,"), 10);
	cr_expect_not_null(ht_header(&r, "Link", buf, sizeof(buf)));
	ht_free(&r);
	ht_get(&r, &wd, "/v1/interventions?format=csv&offset=1200");
	cr_assert_eq(r.status, 200, "%s", r.body);
	cr_expect_eq(csv_rows(&r, "id,"), 3);
	ht_free(&r);

	/* JSON keeps its default page */
	ht_get(&r, &wd, "/v1/interventions");
	cr_assert_eq(r.status, 200);
	json_t *doc = ht_json(&r);
	cr_expect_eq(json_array_size(json_object_get(doc, "data")), 50);
	json_decref(doc);
	ht_free(&r);

	/* a bad parameter is still a 400, not a broken download */
	ht_get(&r, &wd, "/v1/interventions?format=csv&theme=nope");
	cr_expect_eq(r.status, 400);
	ht_free(&r);
}

Test(whole, csv_whole_table_etag_and_304)
{
	struct ht_resp r;
	char etag[256], line[300];

	ht_get(&r, &wd, "/v1/interventions?format=csv");
	cr_assert_eq(r.status, 200);
	cr_assert_not_null(ht_header(&r, "ETag", etag, sizeof(etag)));
	ht_free(&r);
	snprintf(line, sizeof(line), "If-None-Match: %s", etag);
	const char *h[] = {line, NULL};
	ht_request(&r, &wd, "GET", "/v1/interventions?format=csv", h, NULL);
	cr_expect_eq(r.status, 304);
	cr_expect_eq(r.len, 0);
	ht_free(&r);
}

/* Every Link a response sends leads to a 200; unpaged lists send none. */
Test(contract, link_targets_are_accepted_by_their_route)
{
	const char *paged[] = {"/v1/interventions?limit=1", "/v1/evaluations?limit=1&sort=id",
	                       "/v1/imports?limit=1", "/v1/export?limit=1", "/v1/scores?limit=1"};
	const char *unpaged[] = {"/v1/themes", "/v1/reference/unit-costs",
	                         "/v1/reference/deflators", "/v1/areas",
	                         "/v1/evaluations/braga-2014/history"};
	char link[4096];
	struct ht_resp r;

	for (size_t i = 0; i < sizeof(unpaged) / sizeof(unpaged[0]); i++) {
		ht_get(&r, &d, unpaged[i]);
		cr_expect_eq(r.status, 200, "%s: %s", unpaged[i], r.body);
		cr_expect_null(ht_header(&r, "Link", link, sizeof(link)), "%s: Link %s", unpaged[i],
		               link);
		ht_free(&r);
	}
	for (size_t i = 0; i < sizeof(paged) / sizeof(paged[0]); i++) {
		int n = 0;
		ht_get(&r, &d, paged[i]);
		cr_assert_eq(r.status, 200, "%s: %s", paged[i], r.body);
		cr_assert_not_null(ht_header(&r, "Link", link, sizeof(link)), "%s", paged[i]);
		ht_free(&r);
		for (char *p = link; (p = strchr(p, '<')) != NULL; n++) {
			char *end = strchr(p, '>');
			cr_assert_not_null(end);
			*end = '\0';
			ht_get(&r, &d, p + 1);
			cr_expect_eq(r.status, 200, "%s: Link <%s> answers %ld %s", paged[i], p + 1,
			             r.status, r.body);
			ht_free(&r);
			p = end + 1;
		}
		cr_expect(n >= 1, "%s", paged[i]);
	}
}

/* Every gzip the spec promises is served: /openapi.json and /metrics too. */
Test(contract, gzip_where_the_spec_says)
{
	const char *targets[] = {"/openapi.json", "/metrics", "/v1/interventions"};
	const char *h[] = {"Accept-Encoding: gzip", NULL};
	char buf[128];
	struct ht_resp r, plain;

	for (size_t i = 0; i < 3; i++) {
		ht_request(&r, &d, "GET", targets[i], h, NULL);
		cr_assert_eq(r.status, 200);
		cr_expect_str_eq(ht_header(&r, "Content-Encoding", buf, sizeof(buf)), "gzip", "%s",
		                 targets[i]);
		cr_expect(r.len > 2 && (unsigned char)r.body[0] == 0x1f &&
		              (unsigned char)r.body[1] == 0x8b,
		          "%s: not gzip", targets[i]);
		ht_get(&plain, &d, targets[i]);
		cr_expect_null(ht_header(&plain, "Content-Encoding", buf, sizeof(buf)));
		if (i == 0)
			cr_expect_lt(r.len, plain.len);
		ht_free(&plain);
		ht_free(&r);
	}
}

/* An as_of commit that was never imported is a 404 on every route that takes it. */
Test(contract, unknown_as_of_is_404_everywhere)
{
	const char *targets[] = {"/v1/interventions",
	                         "/v1/evaluations",
	                         "/v1/themes",
	                         "/v1/reference/unit-costs",
	                         "/v1/reference/deflators",
	                         "/v1/areas",
	                         "/v1/export",
	                         "/v1/interventions/hot-spots",
	                         "/v1/evaluations/braga-2014",
	                         "/v1/evaluations/braga-2014/history"};
	char t[256];
	struct ht_resp r;

	for (size_t i = 0; i < sizeof(targets) / sizeof(targets[0]); i++) {
		snprintf(t, sizeof(t), "%s?as_of=abcdef0", targets[i]);
		ht_get(&r, &d, t);
		cr_expect_eq(r.status, 404, "%s: %ld %s", t, r.status, r.body);
		ht_free(&r);
		snprintf(t, sizeof(t), "%s?as_of=abcdef0&format=csv", targets[i]);
		ht_get(&r, &d, t);
		cr_expect_eq(r.status, 404, "%s: %ld %s", t, r.status, r.body);
		ht_free(&r);
	}
}

static json_t *error_of(const char *method, const char *target, long want)
{
	struct ht_resp r;
	ht_request(&r, &d, method, target, NULL, NULL);
	cr_expect_eq(r.status, want, "%s %s: %ld %s", method, target, r.status, r.body);
	json_t *doc = ht_json(&r);
	ht_free(&r);
	return json_object_get(doc, "error") ? doc : (json_decref(doc), json_object());
}

static const char *message_of(json_t *doc)
{
	const char *m =
	    json_string_value(json_object_get(json_object_get(doc, "error"), "message"));
	return m ? m : "";
}

Test(contract, smaller_statuses_and_messages)
{
	json_t *doc;
	struct ht_resp r;
	char allow[128];

	/* a known area without counts is not an unknown one */
	doc = error_of("GET", "/v1/areas/west-midlands/crime", 404);
	cr_expect(strstr(message_of(doc), "no recorded crime imported yet") != NULL, "%s",
	          message_of(doc));
	json_decref(doc);
	doc = error_of("GET", "/v1/areas/atlantis/crime", 404);
	cr_expect(strstr(message_of(doc), "does not exist") != NULL, "%s", message_of(doc));
	json_decref(doc);

	/* a projection of a score that cannot be projected is a 409 saying why */
	doc = error_of("GET", "/v1/interventions/drug-courts/projection?area=west-midlands", 409);
	cr_expect(strstr(message_of(doc), "cannot be projected") != NULL &&
	              strstr(message_of(doc), "no-cost") != NULL,
	          "%s", message_of(doc));
	cr_expect_str_eq(json_string_value(json_object_get(json_object_get(doc, "error"), "code")),
	                 "conflict");
	json_decref(doc);

	/* the 405's detail.allow is the Allow header */
	const char *targets[] = {"/v1/themes", "/v1/imports", "/v1/hooks/git"};
	const char *methods[] = {"POST", "DELETE", "GET"};
	for (size_t i = 0; i < 3; i++) {
		ht_request(&r, &d, methods[i], targets[i], NULL, NULL);
		cr_expect_eq(r.status, 405, "%s %s", methods[i], targets[i]);
		doc = ht_json(&r);
		cr_assert_not_null(ht_header(&r, "Allow", allow, sizeof(allow)));
		cr_expect_str_eq(
		    json_string_value(json_object_get(
		        json_object_get(json_object_get(doc, "error"), "detail"), "allow")),
		    allow, "%s", targets[i]);
		json_decref(doc);
		ht_free(&r);
	}

	/* every 400 names its parameter, path parameters included */
	expect_400_naming("/v1/imports/abc", "id");
	expect_400_naming("/v1/areas/Not_An_Id/crime", "id");
	expect_400_naming("/v1/interventions?cursor=x&offset=1", "cursor");
	expect_400_naming("/v1/interventions?nope=1", "nope");
	expect_400_naming("/v1/interventions?format=xml", "format");
	expect_400_naming("/v1/scores?limit=0", "limit");
	expect_400_naming("/v1/interventions/hot-spots/projection", "area");
}

/* ---- /readyz keeps the database's words to itself ---- */

static struct ht_daemon bad;

static void bad_down(void)
{
	if (bad.pid > 0)
		ht_stop(&bad);
}

TestSuite(readyz, .fini = bad_down, .timeout = 60);

Test(readyz, hides_database_details_from_strangers)
{
	const char *args[] = {"--import-token", "s3cret-token-for-tests", NULL};
	const char *auth[] = {"Authorization: Bearer s3cret-token-for-tests", NULL};
	struct ht_resp r;

	ht_start(&bad, "host=/nonexistent/socket-dir dbname=hidden_db user=hidden_user", args);
	ht_get(&r, &bad, "/readyz");
	cr_expect_eq(r.status, 503);
	cr_expect(strstr(r.body, "nonexistent") == NULL && strstr(r.body, "hidden_") == NULL, "%s",
	          r.body);
	cr_expect(strstr(r.body, "the database is unavailable") != NULL, "%s", r.body);
	ht_free(&r);
	/* (the operator with the token would see PostgreSQL's words, but the pool
	 * is backing off now and says only that) */
	ht_request(&r, &bad, "GET", "/readyz", auth, NULL);
	cr_expect_eq(r.status, 503);
	ht_free(&r);
}

/* ---- /metrics for operators ---- */

static long long metric(const char *text, const char *series)
{
	const char *p = strstr(text, series);
	char want[256];

	snprintf(want, sizeof(want), "\n%s ", series);
	p = strstr(text, want);
	return p ? atoll(p + strlen(want)) : -1;
}

Test(contract, metrics_by_method_process_and_sources_survive_the_database)
{
	struct ht_resp r;
	char sql[256];

	ht_request(&r, &d, "HEAD", "/v1/themes", NULL, NULL);
	ht_free(&r);
	ht_get(&r, &d, "/v1/themes");
	ht_free(&r);
	/* a request is counted once the server has finished with it, which can be
	 * just after the client has its answer: wait for both (bounded) */
	for (int tries = 0;; tries++) {
		ht_get(&r, &d, "/metrics");
		if (tries == 200 ||
		    (metric(r.body, "whatworks_http_requests_total{route=\"/v1/themes\","
		                    "method=\"HEAD\",status=\"200\"}") >= 1 &&
		     metric(r.body, "whatworks_http_requests_total{route=\"/v1/themes\","
		                    "method=\"GET\",status=\"200\"}") >= 1))
			break;
		ht_free(&r);
		usleep(10 * 1000);
	}
	cr_assert_eq(r.status, 200);
	cr_expect_geq(metric(r.body, "whatworks_http_requests_total{route=\"/v1/themes\","
	                             "method=\"HEAD\",status=\"200\"}"),
	              1, "%s", r.body);
	cr_expect_geq(metric(r.body, "whatworks_http_requests_total{route=\"/v1/themes\","
	                             "method=\"GET\",status=\"200\"}"),
	              1);
	cr_expect_gt(metric(r.body, "process_resident_memory_bytes"), 0);
	cr_expect_gt(metric(r.body, "process_open_fds"), 0);
	cr_expect_gt(metric(r.body, "process_start_time_seconds"), 1600000000);
	cr_expect(strstr(r.body, "\nprocess_cpu_seconds_total ") != NULL);
	cr_expect_gt(metric(r.body, "whatworks_source_last_success_timestamp_seconds{source="
	                            "\"evidence\",kind=\"git\"}"),
	             1600000000, "%s", r.body);
	cr_expect_eq(metric(r.body, "whatworks_database_up"), 1);
	ht_free(&r);

	/* PostgreSQL refuses the daemon: the series stay, database_up says why */
	PGconn *admin = NULL;
	cr_assert_eq(db_connect(&admin, getenv("WHATWORKS_TEST_PG"), &(struct err){0}), 0);
	snprintf(sql, sizeof(sql), "ALTER DATABASE %s ALLOW_CONNECTIONS false", db.dbname);
	PQclear(PQexec(admin, sql));
	snprintf(sql, sizeof(sql),
	         "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '%s'",
	         db.dbname);
	PGresult *res = PQexec(admin, sql);
	cr_assert_eq(PQresultStatus(res), PGRES_TUPLES_OK, "%s", PQerrorMessage(admin));
	PQclear(res);
	db_close(admin);
	ht_get(&r, &d, "/metrics");
	cr_assert_eq(r.status, 200);
	cr_expect_eq(metric(r.body, "whatworks_database_up"), 0, "%s", r.body);
	cr_expect_eq(metric(r.body, "whatworks_import_runs{result=\"succeeded\"}"), 1, "%s",
	             r.body);
	cr_expect_eq(metric(r.body, "whatworks_evidence_run_id"), 1);
	cr_expect_gt(metric(r.body, "whatworks_source_last_success_timestamp_seconds{source="
	                            "\"evidence\",kind=\"git\"}"),
	             1600000000);
	cr_expect_gt(metric(r.body, "process_resident_memory_bytes"), 0);
	ht_free(&r);
}
