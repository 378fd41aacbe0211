/*
 * test_http_scores.c - /v1/scores and /v1/scoring/parameters over real HTTP,
 * and the ETag of a re-imported commit
 */
#include "gitrepo.h"
#include "test_http_support.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct pgtest db;
static struct ht_daemon d;

/* Scores for the interventions of ht_fixture. */
static void scores_fixture(void)
{
	pgtest_exec(
	    &db,
	    "INSERT INTO scores (intervention, crime_type, run_id, params, figures, band, bcr,"
	    " npv, p_bcr_gt1, evidence_rating, pct_change, harmful, insufficient_reason, headline)"
	    " VALUES ('hot-spots', 'violence-with-injury', 1, '{}', '{\"mu\": -0.1,"
	    " \"pv_benefits\": 2500.5, \"pv_costs\": 1000}', 'high', 2.5005, 1500.5, 0.8, 5, -9.5,"
	    " false, NULL, true),"
	    " ('street-triage', 'violence-with-injury', 1, '{}', '{\"mu\": 0.2}', 'poor', 0.4,"
	    " -600, 0.1, 3, 22.1, true, NULL, true),"
	    " ('street-triage', 'robbery', 1, '{}', '{}', 'insufficient', NULL, NULL, NULL, 2,"
	    " NULL, false, 'no-cost', false)",
	    0, NULL);
}

static void up(void)
{
	pgtest_setup(&db, "httpscores");
	ht_fixture(&db);
	scores_fixture();
	ht_start(&d, db.conninfo, NULL);
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

/* "intervention/crime_type,..." of a response's data. */
static void keys(const json_t *doc, char *out, size_t size)
{
	size_t i, len = 0;
	json_t *it;

	out[0] = '\0';
	json_array_foreach(json_object_get(doc, "data"), i, it)
	{
		len += (size_t)snprintf(out + len, size - len, "%s%s/%s", i ? "," : "",
		                        json_string_value(json_object_get(it, "intervention")),
		                        json_string_value(json_object_get(it, "crime_type")));
	}
}

static void expect_keys(const char *target, const char *want)
{
	char got[1024];
	json_t *j = get_json(target, 200);
	keys(j, got, sizeof(got));
	cr_expect_str_eq(got, want, "%s", target);
	json_decref(j);
}

TestSuite(http_scores, .init = up, .fini = down, .timeout = 60);

Test(http_scores, filters_sort_and_errors)
{
	expect_keys("/v1/scores", "hot-spots/violence-with-injury,street-triage/robbery,"
	                          "street-triage/violence-with-injury");
	expect_keys("/v1/scores?sort=-bcr",
	            "hot-spots/violence-with-injury,"
	            "street-triage/violence-with-injury,street-triage/robbery");
	expect_keys("/v1/scores?headline=true&harmful=false", "hot-spots/violence-with-injury");
	expect_keys("/v1/scores?crime_type=violence-with-injury&theme=vawg",
	            "hot-spots/violence-with-injury");
	expect_keys("/v1/scores?band=insufficient,poor&sort=band",
	            "street-triage/robbery,street-triage/violence-with-injury");
	expect_keys("/v1/scores?min_evidence=3&min_bcr=0.5", "hot-spots/violence-with-injury");
	expect_keys("/v1/scores?intervention=street-triage&headline=false",
	            "street-triage/robbery");

	json_t *j = get_json("/v1/scores?headline=maybe", 400);
	cr_expect_str_eq(json_string_value(json_object_get(
	                     json_object_get(json_object_get(j, "error"), "detail"), "parameter")),
	                 "headline");
	json_decref(j);
	json_decref(get_json("/v1/scores?as_of=" HT_COMMIT, 400));
	json_decref(get_json("/v1/scores?sort=nope", 400));
	json_decref(get_json("/v1/scoring/parameters?x=1", 400));
}

Test(http_scores, paging_headers_and_a_stale_cursor)
{
	struct ht_resp r;
	char buf[1024], target[512], cursor_copy[160];

	ht_get(&r, &d, "/v1/scores?limit=2");
	cr_assert_eq(r.status, 200, "%s", r.body);
	cr_expect_str_eq(ht_header(&r, "X-Total-Count", buf, sizeof(buf)), "3");
	cr_expect_not_null(ht_header(&r, "Link", buf, sizeof(buf)));
	cr_expect(strstr(buf, "rel=\"next\"") != NULL, "Link: %s", buf);
	json_t *j = ht_json(&r);
	const char *cursor =
	    json_string_value(json_object_get(json_object_get(j, "meta"), "next_cursor"));
	cr_assert_not_null(cursor);
	snprintf(target, sizeof(target), "/v1/scores?limit=2&cursor=%s", cursor);
	snprintf(cursor_copy, sizeof(cursor_copy), "%s", cursor);
	json_decref(j);
	ht_free(&r);
	expect_keys(target, "street-triage/violence-with-injury");

	/* a new evidence version: the cursor cannot continue the walk */
	pgtest_exec(&db,
	            "INSERT INTO import_runs (id, source_id, status, commit, mode) VALUES (2, 1,"
	            " 'succeeded', 'fedcba9876543210fedcba9876543210fedcba98', 'incremental')",
	            0, NULL);
	/* (the same parameters in another order: not the cached page from before) */
	snprintf(target, sizeof(target), "/v1/scores?cursor=%s&limit=2", cursor_copy);
	j = get_json(target, 409);
	cr_expect_str_eq(json_string_value(json_object_get(json_object_get(j, "error"), "code")),
	                 "conflict");
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
			for (p++; !(p[0] == '"' && p[1] != '"'); p++) {
				cr_assert(*p != '\0', "unterminated quoted field");
				if (p[0] == '"')
					p++;
				f[k++] = *p;
			}
			p++;
		} else {
			while (*p && *p != ',' && *p != '\r')
				f[k++] = *p++;
		}
		f[k] = '\0';
		if (*p != ',')
			break;
		p++;
	}
	cr_assert(p[0] == '\r' && p[1] == '\n', "record does not end in CRLF");
	return p + 2;
}

static int column(char header[][256], int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (strcmp(header[i], name) == 0)
			return i;
	cr_assert_fail("no column %s", name);
	return -1;
}

Test(http_scores, csv_parses_back)
{
	static char header[64][256], fields[64][256];
	struct ht_resp r;
	char buf[256];
	int n, hn, rows = 0;

	ht_get(&r, &d, "/v1/scores?format=csv&sort=-bcr");
	cr_assert_eq(r.status, 200, "%s", r.body);
	cr_expect_str_eq(ht_header(&r, "Content-Type", buf, sizeof(buf)),
	                 "text/csv; charset=utf-8");
	cr_expect(strstr(ht_header(&r, "Content-Disposition", buf, sizeof(buf)),
	                 "filename=\"scores.csv\"") != NULL);
	cr_assert(memcmp(r.body, "\xEF\xBB\xBF", 3) == 0, "no UTF-8 BOM");
	const char *p = csv_record(r.body + 3, header, &hn);
	cr_expect_str_eq(header[0], "intervention");
	int iv = column(header, hn, "intervention"), th = column(header, hn, "themes");
	int bcr = column(header, hn, "bcr"), pvb = column(header, hn, "pv_benefits");
	int mu = column(header, hn, "mu"), why = column(header, hn, "insufficient_reason");
	column(header, hn, "cost_per_crime_prevented");
	while (*p) {
		p = csv_record(p, fields, &n);
		cr_expect_eq(n, hn, "row %d has %d fields, the header %d", rows, n, hn);
		if (rows == 0) {
			cr_expect_str_eq(fields[iv], "hot-spots");
			cr_expect_str_eq(fields[th], "knife-crime;vawg");
			cr_expect_float_eq(strtod(fields[bcr], NULL), 2.5005, 1e-12);
			cr_expect_float_eq(strtod(fields[pvb], NULL), 2500.5, 1e-12);
			cr_expect_float_eq(strtod(fields[mu], NULL), -0.1, 1e-12);
		}
		if (rows == 2) {
			cr_expect_str_eq(fields[bcr], "");
			cr_expect_str_eq(fields[why], "no-cost");
		}
		rows++;
	}
	cr_expect_eq(rows, 3);
	ht_free(&r);
}

Test(http_scores, parameters_endpoint)
{
	struct ht_resp r;
	char etag[256], line[300];

	ht_get(&r, &d, "/v1/scoring/parameters");
	cr_assert_eq(r.status, 200, "%s", r.body);
	cr_assert_not_null(ht_header(&r, "ETag", etag, sizeof(etag)));
	json_t *j = ht_json(&r), *data = json_object_get(j, "data");
	cr_expect_float_eq(
	    json_number_value(json_object_get(json_object_get(data, "in_force"), "discount")),
	    0.035, 1e-15);
	/* the fixture's scores record other parameters ({}): all stale */
	cr_expect_eq(json_integer_value(json_object_get(data, "stale_scores")), 3);
	cr_expect_eq(json_array_size(json_object_get(data, "stored")), 1);
	json_decref(j);
	ht_free(&r);
	snprintf(line, sizeof(line), "If-None-Match: %s", etag);
	const char *h[] = {line, NULL};
	ht_request(&r, &d, "GET", "/v1/scoring/parameters", h, NULL);
	cr_expect_eq(r.status, 304);
	ht_free(&r);
	ht_get(&r, &d, "/v1/scoring/parameters?format=csv");
	cr_expect_eq(r.status, 200);
	cr_expect(strstr(r.body, "params.discount") != NULL, "%.300s", r.body);
	ht_free(&r);
}

/* POST /v1/imports, then its request's URL until the run finished: the run
 * succeeded in this mode. */
static void import_over_http(const char *const *auth, const char *mode)
{
	struct ht_resp r;
	char where[128], run[128];

	ht_request(&r, &d, "POST", "/v1/imports", auth, "");
	cr_assert_eq(r.status, 202, "%s", r.body);
	cr_assert_not_null(ht_header(&r, "Location", where, sizeof(where)));
	ht_free(&r);
	json_t *j = ht_wait_request(&d, where), *data = json_object_get(j, "data");
	cr_expect_str_eq(json_string_value(json_object_get(data, "status")), "succeeded");
	snprintf(run, sizeof(run), "%s", json_string_value(json_object_get(data, "run")));
	json_decref(j);
	ht_get(&r, &d, run);
	cr_assert_eq(r.status, 200, "GET %s: %s", run, r.body);
	j = ht_json(&r);
	cr_expect_str_eq(json_string_value(json_object_get(json_object_get(j, "data"), "mode")),
	                 mode, "%s", r.body);
	json_decref(j);
	ht_free(&r);
}

/* A real import over POST /v1/imports, twice: the second changes nothing. */
TestSuite(http_scores_import, .timeout = 90);

Test(http_scores_import, reimport_keeps_the_etag)
{
	struct gitrepo repo;
	char c1[41], dir[] = "/tmp/ww-http-scores-XXXXXX", cmd[400], etag[256], etag2[256],
	             buf[256], line[300];
	struct ht_resp r;
	const char *auth[] = {"Authorization: Bearer t0ken-for-tests", NULL};
	const char *args[] = {"--import-token", "t0ken-for-tests", "--import-source", "partner",
	                      NULL};

	gitrepo_init(&repo);
	char *iv = gitrepo_intervention("iv-a", "A"), *ev = gitrepo_evaluation("ev-a", "iv-a", 0.8);
	gitrepo_write(&repo, "interventions/a.yaml", iv);
	gitrepo_write(&repo, "evaluations/a.yaml", ev);
	free(iv);
	free(ev);
	gitrepo_commit(&repo, "seed", c1);
	cr_assert_not_null(mkdtemp(dir));
	setenv("WHATWORKS_DATA_DIR", dir, 1);
	pgtest_setup(&db, "httpscores");
	const char *p[] = {repo.dir};
	pgtest_exec(&db, "INSERT INTO sources (name, kind, location) VALUES ('partner', 'git', $1)",
	            1, p);
	ht_start(&d, db.conninfo, args);

	import_over_http(auth, "full");
	ht_get(&r, &d, "/v1/scores");
	cr_assert_eq(r.status, 200, "%s", r.body);
	cr_assert_not_null(ht_header(&r, "ETag", etag, sizeof(etag)));
	cr_expect(strstr(r.body, "\"intervention\":\"iv-a\"") != NULL, "%s", r.body);
	ht_free(&r);

	import_over_http(auth, "unchanged");
	ht_get(&r, &d, "/v1/scores");
	cr_assert_eq(r.status, 200);
	cr_expect_str_eq(ht_header(&r, "ETag", etag2, sizeof(etag2)), etag,
	                 "a re-import changed the ETag");
	cr_expect(strstr(ht_header(&r, "X-Evidence-Version", buf, sizeof(buf)), "run=1 ") != NULL,
	          "%s", buf);
	ht_free(&r);
	snprintf(line, sizeof(line), "If-None-Match: %s", etag);
	const char *inm[] = {line, NULL};
	ht_request(&r, &d, "GET", "/v1/scores", inm, NULL);
	cr_expect_eq(r.status, 304);
	ht_free(&r);
	ht_request(&r, &d, "GET", "/v1/interventions", inm, NULL);
	cr_expect_eq(r.status, 304, "the ETag is the evidence version's, for every list");
	ht_free(&r);

	cr_expect_eq(ht_stop(&d), 0, "exit status; see %s", d.log);
	pgtest_teardown(&db);
	gitrepo_remove(&repo);
	unsetenv("WHATWORKS_DATA_DIR");
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	cr_expect_eq(system(cmd), 0);
}
