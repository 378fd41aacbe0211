/*
 * test_api_list.c - the list rows behind /v1/interventions (schema 016)
 *
 * The current list is read from intervention_list, which triggers keep; a
 * list as of a run joins the versions and scores as before. As of the latest
 * run both must give the same page, item for item, after every kind of
 * write: a new version, a removal, a score changed, added or deleted, an
 * evaluation added or retracted, a table truncated.
 */
#include "api.h"
#include "apitest.h"
#include "pgtest.h"

#include <criterion/criterion.h>
#include <string.h>

static struct pgtest t;

static void sql(const char *s)
{
	pgtest_exec(&t, s, 0, NULL);
}

static void setup(void)
{
	pgtest_setup(&t, "apilist");
	sql("INSERT INTO sources (id, name, kind, location) VALUES (1, 'ev', 'git', '/srv/ev')");
	sql("INSERT INTO import_runs (id, source_id, status, commit, finished_at) VALUES"
	    " (1, 1, 'succeeded', '1111111', now()), (2, 1, 'succeeded', '2222222', now())");
	sql("SELECT setval('import_runs_id_seq', 2)");
	sql("INSERT INTO interventions (id, source_id, path, blob, commit, valid_from, valid_to,"
	    " body, name, themes, level, sectors, tags)"
	    " SELECT v.id, 1, 'interventions/' || v.id || '.yaml', 'b', 'c1', 1, NULL,"
	    " jsonb_build_object('summary', v.summary), v.name, v.themes, 'person', '{police}',"
	    " '{}' FROM (VALUES ('i-a', 'Alpha', 'A \"quoted\" summary', '{knife-crime}'::text[]),"
	    " ('i-b', 'Beta', 'B', '{knife-crime,vawg}'), ('i-c', 'Gamma', NULL, '{vawg}'))"
	    " v(id, name, summary, themes)");
	sql("INSERT INTO evaluations (id, source_id, path, blob, commit, valid_from, body,"
	    " intervention, title, design, quality) VALUES"
	    " ('e-1', 1, 'e/1', 'b', 'c1', 1, '{}', 'i-a', 'One', 'rct', 4),"
	    " ('e-2', 1, 'e/2', 'b', 'c1', 1, '{}', 'i-a', 'Two', 'rct', 3)");
	sql("INSERT INTO scores (intervention, crime_type, run_id, params, figures, band, bcr,"
	    " npv, p_bcr_gt1, evidence_rating, pct_change, harmful, insufficient_reason, headline)"
	    " VALUES ('i-a', 'violence-with-injury', 1, '{}', '{}', 'high', 3.25, 10, 0.9, 4, -20,"
	    " false, NULL, true),"
	    " ('i-b', 'robbery', 1, '{}', '{}', 'insufficient', NULL, NULL, NULL, 1, NULL, false,"
	    " 'no-uncertainty', true)");
}

static void teardown(void)
{
	pgtest_teardown(&t);
}

TestSuite(api_list, .init = setup, .fini = teardown);

/* The page of the current list equals the page as of the latest run. */
static void expect_same(const char *sort, const char *theme)
{
	struct api_result now, then;
	char *run =
	    pgtest_value(&t, "SELECT commit FROM import_runs ORDER BY id DESC LIMIT 1", 0, NULL);
	if (theme != NULL) {
		apitest_ok(t.conn, api_interventions_list, &now,
		           PARAMS("sort", sort, "theme", theme));
		apitest_ok(t.conn, api_interventions_list, &then,
		           PARAMS("sort", sort, "theme", theme, "as_of", run));
	} else {
		apitest_ok(t.conn, api_interventions_list, &now, PARAMS("sort", sort));
		apitest_ok(t.conn, api_interventions_list, &then,
		           PARAMS("sort", sort, "as_of", run));
	}
	char *a = json_dumps(apitest_data(&now), JSON_COMPACT);
	char *b = json_dumps(apitest_data(&then), JSON_COMPACT);
	cr_expect_str_eq(a, b, "sort=%s theme=%s", sort, theme ? theme : "");
	cr_expect_eq(now.total, then.total);
	free(a);
	free(b);
	free(run);
	api_result_free(&now);
	api_result_free(&then);
}

static void expect_all_same(void)
{
	expect_same("name", NULL);
	expect_same("-evaluations,id", NULL);
	expect_same("-bcr,id", "knife-crime");
	expect_same("band,id", "vawg");
}

static long long list_rows(void)
{
	return pgtest_int(&t, "SELECT count(*) FROM intervention_list", 0, NULL);
}

Test(api_list, rows_follow_every_write)
{
	expect_all_same();
	cr_expect_eq(list_rows(), 3);

	/* a new version of i-a, and i-c removed, in run 3 */
	sql("INSERT INTO import_runs (id, source_id, status, commit, finished_at)"
	    " VALUES (3, 1, 'succeeded', '3333333', now())");
	sql("UPDATE interventions SET valid_to = 3 WHERE id IN ('i-a', 'i-c') AND valid_to IS "
	    "NULL");
	sql("INSERT INTO interventions (id, source_id, path, blob, commit, valid_from, body, name,"
	    " themes, level, sectors, tags) VALUES ('i-a', 1, 'interventions/i-a.yaml', 'b2', 'c3',"
	    " 3, '{\"summary\": \"new\"}', 'Alpha renamed', '{knife-crime,vawg}', 'place', '{}',"
	    " '{t}')");
	expect_all_same();
	cr_expect_eq(list_rows(), 2);

	/* scores: changed, added, deleted */
	sql("UPDATE scores SET bcr = 0.5, band = 'poor' WHERE intervention = 'i-a'");
	expect_all_same();
	sql("INSERT INTO scores (intervention, crime_type, run_id, params, figures, band, bcr,"
	    " evidence_rating, headline) VALUES ('i-b', 'arrest', 3, '{}', '{}', 'low', 1.5, 2,"
	    " false)");
	sql("UPDATE scores SET headline = false WHERE intervention = 'i-b'");
	sql("UPDATE scores SET headline = true WHERE intervention = 'i-b' AND crime_type = "
	    "'arrest'");
	expect_all_same();
	sql("DELETE FROM scores WHERE intervention = 'i-a'");
	expect_all_same();

	/* evaluations: one retracted, one added */
	sql("UPDATE evaluations SET valid_to = 3 WHERE id = 'e-1'");
	sql("INSERT INTO evaluations (id, source_id, path, blob, commit, valid_from, body,"
	    " intervention, title, design, quality) VALUES ('e-3', 1, 'e/3', 'b', 'c3', 3, '{}',"
	    " 'i-b', 'Three', 'rct', 5)");
	expect_all_same();

	/* truncated scores: every row loses its figures */
	sql("TRUNCATE scores");
	expect_all_same();
	cr_expect_eq(pgtest_int(&t, "SELECT count(*) FROM intervention_list WHERE band IS NOT NULL",
	                        0, NULL),
	             0);
}

Test(api_list, filters_and_sorts_read_the_list_columns)
{
	struct api_result r;

	/* q searches the summary; band, min_bcr, harmful and min_evidence the headline score */
	apitest_ok(t.conn, api_interventions_list, &r, PARAMS("q", "quoted"));
	cr_expect_eq(r.total, 1);
	api_result_free(&r);
	apitest_ok(t.conn, api_interventions_list, &r, PARAMS("min_bcr", "3"));
	cr_expect_eq(r.total, 1);
	api_result_free(&r);
	apitest_ok(t.conn, api_interventions_list, &r, PARAMS("band", "insufficient"));
	cr_expect_eq(r.total, 1);
	api_result_free(&r);
	apitest_ok(t.conn, api_interventions_list, &r, PARAMS("min_evidence", "2"));
	cr_expect_eq(r.total, 1);
	api_result_free(&r);
	apitest_ok(t.conn, api_interventions_list, &r, PARAMS("harmful", "false"));
	cr_expect_eq(r.total, 3); /* no score counts as not harmful */
	api_result_free(&r);
	/* the same statement run again (prepared on the connection) gives the same page */
	for (int i = 0; i < 8; i++) {
		apitest_ok(
		    t.conn, api_interventions_list, &r,
		    PARAMS("theme", i % 2 ? "vawg" : "knife-crime", "sort", "-evaluations,id"));
		cr_expect_eq(r.total, 2);
		api_result_free(&r);
	}
}
