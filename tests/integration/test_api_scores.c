/*
 * test_api_scores.c - /v1/scores, /v1/scoring/parameters, the figures of
 * /v1/interventions/{id} and the evidence version rule for re-imports,
 * against a real PostgreSQL
 *
 * Suite api_scores inserts a fixture (numbers chosen by hand, so every
 * filter and sort has a known answer); suite api_scores_import imports a
 * small git repository for real and re-derives the results from the API's
 * intermediate figures.
 */
#include "api.h"
#include "db_score.h"
#include "gitrepo.h"
#include "import.h"
#include "apitest.h"
#include "pgtest.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define C1 "1111111aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define C3 "3333333ccccccccccccccccccccccccccccccccc"

static struct pgtest t;

/* "intervention/crime_type,..." of the rows of a score list. */
static void keys(const json_t *rows, char *out, size_t size)
{
	size_t i, len = 0;
	json_t *it;

	out[0] = '\0';
	json_array_foreach(rows, i, it)
	{
		len += (size_t)snprintf(out + len, size - len, "%s%s/%s", i ? "," : "",
		                        json_string_value(json_object_get(it, "intervention")),
		                        json_string_value(json_object_get(it, "crime_type")));
	}
}

static void expect_keys(const struct api_params *p, const char *want)
{
	struct api_result r;
	char got[1024];

	apitest_ok(t.conn, api_scores_list, &r, p);
	keys(apitest_data(&r), got, sizeof(got));
	cr_expect_str_eq(got, want);
	cr_expect_eq(r.total, (long long)json_array_size(apitest_data(&r)));
	api_result_free(&r);
}

static double num(const json_t *obj, const char *key)
{
	const json_t *v = json_object_get(obj, key);
	cr_assert(json_is_number(v), "%s is not a number", key);
	return json_number_value(v);
}

static void sql(const char *s)
{
	pgtest_exec(&t, s, 0, NULL);
}

/* ---- the fixture ---- */

/* Abbreviations for the rows: a = iv-a, ... ; vwi violence-with-injury,
 * rob robbery, so sexual-offences, da domestic-abuse. */
#define ALL                                                                                        \
	"iv-a/robbery,iv-a/violence-with-injury,iv-b/sexual-offences,iv-c/domestic-abuse,iv-c/"    \
	"violence-with-injury"

static void fixture(void)
{
	sql("INSERT INTO sources (id, name, kind, location) VALUES (1, 'evidence', 'git', '/srv')");
	sql("INSERT INTO import_runs (id, source_id, status, commit, mode, finished_at)"
	    " VALUES (1, 1, 'succeeded', '" C1 "', 'full', now())");
	sql("SELECT setval('import_runs_id_seq', 1)");
	sql("INSERT INTO interventions (id, source_id, path, blob, commit, valid_from, valid_to,"
	    " body, name, themes, level)"
	    " SELECT v.id, 1, 'interventions/' || v.id || '.yaml', 'b', '" C1 "', 1, v.vt,"
	    " '{}', v.name, v.themes, v.level FROM (VALUES"
	    " ('iv-a', 'Alpha (old name)', '{knife-crime}'::text[], 'person', 1),"
	    " ('iv-a', 'Alpha', '{knife-crime}', 'person', NULL),"
	    " ('iv-b', 'Beta', '{vawg}', 'place', NULL),"
	    " ('iv-c', 'Gamma', '{knife-crime,vawg}', 'person', NULL)"
	    ") v(id, name, themes, level, vt)");
	/* figures hold what vfm_score_intervention writes; only the keys read here */
	sql("INSERT INTO scores (intervention, crime_type, run_id, params, figures, band, bcr, npv,"
	    " p_bcr_gt1, bcr_p05, bcr_p95, evidence_rating, pct_change, harmful,"
	    " insufficient_reason, headline)"
	    " SELECT v.iv, v.ct, 1, '{\"discount\": 0.035}', jsonb_build_object('k', v.k,"
	    " 'mu', v.mu, 'se', 0.1, 'tau2', 0.0, 'i2', 0.0, 'quality_multiplier', 1.0,"
	    " 'mu_adj', v.mu, 'se_adj', 0.1, 'r', 0.4, 'unit_cost_b', 14050.5, 'cost_b', 1000,"
	    " 'horizon_years', 1, 'discount', 0.035, 'decay', 0, 'pv_benefits', v.pvb,"
	    " 'pv_costs', v.pvc, 'cost_per_crime_prevented', v.cpc, 'base_year', 2024),"
	    " v.band, v.bcr, v.npv, v.p, v.p05, v.p95, v.rating, v.pct, v.harmful, v.why, v.head"
	    " FROM (VALUES"
	    " ('iv-a', 'violence-with-injury', 2, -0.2231, 3000.0, 1000.0, 500.0, 'high', 3.0,"
	    "  2000.0, 0.9, 1.5, 4.5, 4, -20.0, false, NULL, true),"
	    " ('iv-a', 'robbery', 1, -0.05, 1200, 1000, 800, 'low', 1.2, 200, 0.6, 0.5, 2, 2, -5,"
	    "  false, NULL, false),"
	    " ('iv-b', 'sexual-offences', 1, 0.14, -500, 1000, NULL, 'poor', -0.5, -1500, 0.02,"
	    "  -1, 0.1, 3, 15, true, NULL, true),"
	    " ('iv-c', 'domestic-abuse', 0, NULL, NULL, NULL, NULL, 'insufficient', NULL, NULL,"
	    "  NULL, NULL, NULL, 1, NULL, false, 'no-cost', true),"
	    " ('iv-c', 'violence-with-injury', 1, -0.51, 6000, 1000, 100, 'very-high', 6, 5000,"
	    "  0.99, 4, 8, 1, -40, false, NULL, false)"
	    ") v(iv, ct, k, mu, pvb, pvc, cpc, band, bcr, npv, p, p05, p95, rating, pct, harmful,"
	    " why, head)");
}

static void setup(void)
{
	pgtest_setup(&t, "apiscores");
	fixture();
}

static void teardown(void)
{
	pgtest_teardown(&t);
	unsetenv("WHATWORKS_VFM_DISCOUNT");
}

TestSuite(api_scores, .init = setup, .fini = teardown);

Test(api_scores, default_list_has_every_column)
{
	struct api_result r;
	json_t *row;

	apitest_ok(t.conn, api_scores_list, &r, NOPARAMS);
	cr_expect_eq(r.total, 5);
	cr_expect_eq(r.limit, 100);
	cr_expect_str_eq(r.next_cursor, "");
	cr_expect_eq(r.version.run_id, 1);
	cr_expect_str_eq(r.version.etag, "\"ev-1-1111111aaaaa\"");
	char got[1024];
	keys(apitest_data(&r), got, sizeof(got));
	cr_expect_str_eq(got, ALL);
	row = json_array_get(apitest_data(&r), 1);
	cr_expect_str_eq(json_string_value(json_object_get(row, "intervention_name")), "Alpha");
	cr_expect_str_eq(json_string_value(json_object_get(row, "level")), "person");
	cr_expect_str_eq(json_string_value(json_array_get(json_object_get(row, "themes"), 0)),
	                 "knife-crime");
	cr_expect(json_is_true(json_object_get(row, "headline")));
	cr_expect_str_eq(json_string_value(json_object_get(row, "band")), "high");
	cr_expect_float_eq(num(row, "bcr"), 3.0, 1e-12);
	cr_expect_float_eq(num(row, "npv"), 2000, 1e-12);
	cr_expect_float_eq(num(row, "bcr_p05"), 1.5, 1e-12);
	cr_expect_float_eq(num(row, "bcr_p95"), 4.5, 1e-12);
	cr_expect_float_eq(num(row, "p_bcr_gt1"), 0.9, 1e-12);
	cr_expect_eq(json_integer_value(json_object_get(row, "evidence_rating")), 4);
	cr_expect_float_eq(num(row, "pct_change"), -20, 1e-12);
	/* figures */
	cr_expect_eq(json_integer_value(json_object_get(row, "k")), 2);
	cr_expect_float_eq(num(row, "mu"), -0.2231, 1e-12);
	cr_expect_float_eq(num(row, "unit_cost_b"), 14050.5, 1e-12);
	cr_expect_float_eq(num(row, "pv_benefits"), 3000, 1e-12);
	cr_expect_float_eq(num(row, "pv_costs"), 1000, 1e-12);
	cr_expect_float_eq(num(row, "cost_per_crime_prevented"), 500, 1e-12);
	cr_expect_eq(json_integer_value(json_object_get(row, "base_year")), 2024);
	cr_expect_eq(json_integer_value(json_object_get(row, "run_id")), 1);
	cr_expect_not_null(json_object_get(row, "computed_at"));
	/* every documented column is a key of every row */
	for (size_t i = 0; i < json_array_size(apitest_data(&r)); i++)
		for (size_t c = 0; r.columns[c] != NULL; c++)
			cr_expect_not_null(
			    json_object_get(json_array_get(apitest_data(&r), i), r.columns[c]),
			    "row %zu lacks %s", i, r.columns[c]);
	/* the insufficient one: nulls and its reason */
	row = json_array_get(apitest_data(&r), 3);
	cr_expect(json_is_null(json_object_get(row, "bcr")));
	cr_expect(json_is_null(json_object_get(row, "pv_benefits")));
	cr_expect_str_eq(json_string_value(json_object_get(row, "insufficient_reason")), "no-cost");
	api_result_free(&r);
}

Test(api_scores, filters)
{
	expect_keys(PARAMS("intervention", "iv-a"), "iv-a/robbery,iv-a/violence-with-injury");
	expect_keys(PARAMS("intervention", "iv-b,iv-c"),
	            "iv-b/sexual-offences,iv-c/domestic-abuse,iv-c/violence-with-injury");
	expect_keys(PARAMS("intervention", "nobody"), "");
	expect_keys(PARAMS("theme", "vawg"),
	            "iv-b/sexual-offences,iv-c/domestic-abuse,iv-c/violence-with-injury");
	expect_keys(PARAMS("level", "place"), "iv-b/sexual-offences");
	expect_keys(PARAMS("crime_type", "violence-with-injury"),
	            "iv-a/violence-with-injury,iv-c/violence-with-injury");
	expect_keys(PARAMS("crime_type", "robbery,domestic-abuse"),
	            "iv-a/robbery,iv-c/domestic-abuse");
	expect_keys(PARAMS("band", "high,very-high"),
	            "iv-a/violence-with-injury,iv-c/violence-with-injury");
	expect_keys(PARAMS("band", "insufficient"), "iv-c/domestic-abuse");
	expect_keys(PARAMS("min_evidence", "3"), "iv-a/violence-with-injury,iv-b/sexual-offences");
	expect_keys(PARAMS("min_evidence", "0"), ALL);
	expect_keys(PARAMS("harmful", "true"), "iv-b/sexual-offences");
	expect_keys(PARAMS("harmful", "false"), "iv-a/robbery,iv-a/violence-with-injury,"
	                                        "iv-c/domestic-abuse,iv-c/violence-with-injury");
	expect_keys(PARAMS("min_bcr", "1.2"),
	            "iv-a/robbery,iv-a/violence-with-injury,iv-c/violence-with-injury");
	expect_keys(PARAMS("min_bcr", "-1"), "iv-a/robbery,iv-a/violence-with-injury,"
	                                     "iv-b/sexual-offences,iv-c/violence-with-injury");
	expect_keys(PARAMS("headline", "true"),
	            "iv-a/violence-with-injury,iv-b/sexual-offences,iv-c/domestic-abuse");
	expect_keys(PARAMS("headline", "false"), "iv-a/robbery,iv-c/violence-with-injury");
	expect_keys(PARAMS("theme", "knife-crime", "headline", "false", "min_bcr", "2"),
	            "iv-c/violence-with-injury");
	/* an empty value counts as absent */
	expect_keys(PARAMS("headline", "", "band", ""), ALL);
}

Test(api_scores, sorting)
{
	expect_keys(PARAMS("sort", "-bcr"),
	            "iv-c/violence-with-injury,iv-a/violence-with-injury,iv-a/robbery,"
	            "iv-b/sexual-offences,iv-c/domestic-abuse");
	expect_keys(PARAMS("sort", "band"), "iv-c/domestic-abuse,iv-b/sexual-offences,iv-a/robbery,"
	                                    "iv-a/violence-with-injury,iv-c/violence-with-injury");
	expect_keys(PARAMS("sort", "-band"),
	            "iv-c/violence-with-injury,iv-a/violence-with-injury,iv-a/robbery,"
	            "iv-b/sexual-offences,iv-c/domestic-abuse");
	/* nulls last in both directions, ties by intervention then crime type */
	expect_keys(PARAMS("sort", "cost_per_crime_prevented"),
	            "iv-c/violence-with-injury,iv-a/violence-with-injury,iv-a/robbery,"
	            "iv-b/sexual-offences,iv-c/domestic-abuse");
	expect_keys(PARAMS("sort", "-evidence_rating,crime_type"),
	            "iv-a/violence-with-injury,iv-b/sexual-offences,iv-a/robbery,"
	            "iv-c/domestic-abuse,iv-c/violence-with-injury");
	expect_keys(PARAMS("sort", "-intervention_name"),
	            "iv-c/domestic-abuse,iv-c/violence-with-injury,iv-b/sexual-offences,"
	            "iv-a/robbery,iv-a/violence-with-injury");
	expect_keys(PARAMS("sort", "crime_type"),
	            "iv-c/domestic-abuse,iv-a/robbery,iv-b/sexual-offences,"
	            "iv-a/violence-with-injury,iv-c/violence-with-injury");
	expect_keys(PARAMS("sort", "-intervention"),
	            "iv-c/domestic-abuse,iv-c/violence-with-injury,iv-b/sexual-offences,"
	            "iv-a/robbery,iv-a/violence-with-injury");
	expect_keys(PARAMS("sort", "-headline,pct_change"),
	            "iv-a/violence-with-injury,iv-b/sexual-offences,iv-c/domestic-abuse,"
	            "iv-c/violence-with-injury,iv-a/robbery");
	expect_keys(PARAMS("sort", "pv_benefits"),
	            "iv-b/sexual-offences,iv-a/robbery,iv-a/violence-with-injury,"
	            "iv-c/violence-with-injury,iv-c/domestic-abuse");
}

Test(api_scores, bad_parameters)
{
	apitest_fails(t.conn, api_scores_list, PARAMS("sort", "name"), WW_EINVALID,
	              "parameter \"sort\"");
	apitest_fails(t.conn, api_scores_list, PARAMS("sort", "bcr,-bcr"), WW_EINVALID,
	              "each column once");
	apitest_fails(t.conn, api_scores_list, PARAMS("headline", "yes"), WW_EINVALID,
	              "parameter \"headline\" must be true or false");
	apitest_fails(t.conn, api_scores_list, PARAMS("min_evidence", "6"), WW_EINVALID,
	              "parameter \"min_evidence\" must be an integer from 0 to 5");
	apitest_fails(t.conn, api_scores_list, PARAMS("band", "great"), WW_EINVALID,
	              "parameter \"band\"");
	apitest_fails(t.conn, api_scores_list, PARAMS("crime_type", "Robbery"), WW_EINVALID,
	              "parameter \"crime_type\" must be an id");
	apitest_fails(t.conn, api_scores_list, PARAMS("intervention", "a b"), WW_EINVALID,
	              "parameter \"intervention\"");
	apitest_fails(t.conn, api_scores_list, PARAMS("min_bcr", "inf"), WW_EINVALID,
	              "parameter \"min_bcr\"");
	apitest_fails(t.conn, api_scores_list, PARAMS("limit", "1001"), WW_EINVALID,
	              "parameter \"limit\" must be an integer from 1 to 1000");
	/* scores exist only for the current evidence */
	apitest_fails(t.conn, api_scores_list, PARAMS("as_of", C1), WW_EINVALID,
	              "unknown parameter \"as_of\"");
	apitest_fails(t.conn, api_scoring_parameters, PARAMS("limit", "1"), WW_EINVALID,
	              "unknown parameter \"limit\": this endpoint takes none");
}

Test(api_scores, csv_rows_are_flat)
{
	struct api_result r;

	apitest_ok(t.conn, api_scores_list, &r, PARAMS("intervention", "iv-c", "sort", "-bcr"));
	cr_assert_not_null(r.rows);
	cr_expect_str_eq(r.columns[0], "intervention");
	cr_assert_eq(json_array_size(r.rows), 2);
	json_t *row = json_array_get(r.rows, 0);
	cr_expect_str_eq(json_string_value(json_object_get(row, "themes")), "knife-crime;vawg");
	cr_expect_str_eq(json_string_value(json_object_get(row, "crime_type")),
	                 "violence-with-injury");
	cr_expect_float_eq(num(row, "pv_benefits"), 6000, 1e-12);
	cr_expect(json_is_null(json_object_get(json_array_get(r.rows, 1), "bcr")));
	for (size_t c = 0; r.columns[c] != NULL; c++) {
		const json_t *v = json_object_get(row, r.columns[c]);
		cr_expect_not_null(v, "column %s", r.columns[c]);
		cr_expect(!json_is_object(v) && !json_is_array(v), "column %s is not flat",
		          r.columns[c]);
	}
	api_result_free(&r);
}

Test(api_scores, paging_and_cursors)
{
	struct api_result r;
	char got[1024], cursor[128], all[1024] = "";
	size_t len = 0;

	apitest_ok(t.conn, api_scores_list, &r, PARAMS("limit", "2", "offset", "4"));
	cr_expect_eq(json_array_size(apitest_data(&r)), 1);
	cr_expect_eq(r.total, 5);
	cr_expect_str_eq(r.next_cursor, "");
	api_result_free(&r);
	/* a cursor walk sees every row once, in order */
	apitest_ok(t.conn, api_scores_list, &r, PARAMS("limit", "2", "sort", "-bcr"));
	for (;;) {
		keys(apitest_data(&r), got, sizeof(got));
		len += (size_t)snprintf(all + len, sizeof(all) - len, "%s%s", len ? "," : "", got);
		snprintf(cursor, sizeof(cursor), "%s", r.next_cursor);
		api_result_free(&r);
		if (cursor[0] == '\0')
			break;
		apitest_ok(t.conn, api_scores_list, &r,
		           PARAMS("limit", "2", "sort", "-bcr", "cursor", cursor));
	}
	cr_expect_str_eq(all, "iv-c/violence-with-injury,iv-a/violence-with-injury,iv-a/robbery,"
	                      "iv-b/sexual-offences,iv-c/domestic-abuse");
	/* a cursor is for the same sort and filters */
	apitest_ok(t.conn, api_scores_list, &r, PARAMS("limit", "2"));
	snprintf(cursor, sizeof(cursor), "%s", r.next_cursor);
	api_result_free(&r);
	apitest_fails(t.conn, api_scores_list,
	              PARAMS("limit", "2", "sort", "-bcr", "cursor", cursor), WW_EINVALID,
	              "parameter \"cursor\"");
	/* a re-import of the same commit is no new version: the walk goes on */
	sql("INSERT INTO import_runs (source_id, status, commit, mode) VALUES (1, 'succeeded', "
	    "'" C1 "', 'unchanged')");
	apitest_ok(t.conn, api_scores_list, &r, PARAMS("limit", "2", "cursor", cursor));
	keys(apitest_data(&r), got, sizeof(got));
	cr_expect_str_eq(got, "iv-b/sexual-offences,iv-c/domestic-abuse");
	api_result_free(&r);
	/* a new version: scores are not versioned, so the walk must start again */
	sql("INSERT INTO import_runs (source_id, status, commit, mode) VALUES (1, 'succeeded', "
	    "'" C3 "', 'incremental')");
	apitest_fails(t.conn, api_scores_list, PARAMS("limit", "2", "cursor", cursor), WW_ECONFLICT,
	              "start again without \"cursor\"");
}

/* ---- the evidence version ---- */

Test(api_scores, unchanged_run_is_no_new_version)
{
	struct api_version v1, v2;
	struct api_result r;
	struct err e = {0};

	cr_assert_eq(api_version_current(&v1, t.conn, &e), 0, "%s", e.msg);
	sql("INSERT INTO import_runs (source_id, status, commit, mode, message) VALUES"
	    " (1, 'succeeded', '" C1 "', 'unchanged', 'commit already imported')");
	cr_assert_eq(api_version_current(&v2, t.conn, &e), 0, "%s", e.msg);
	cr_expect_eq(v2.run_id, 1);
	cr_expect_str_eq(v2.etag, v1.etag);
	/* as_of the commit is the run that imported it */
	apitest_ok(t.conn, api_interventions_list, &r, PARAMS("as_of", "1111111"));
	cr_expect_eq(r.version.run_id, 1);
	cr_expect_str_eq(r.version.etag, v1.etag);
	api_result_free(&r);
	apitest_ok(t.conn, api_scores_list, &r, NOPARAMS);
	cr_expect_str_eq(r.version.etag, v1.etag);
	api_result_free(&r);
	/* a run that changed something is a new version */
	sql("INSERT INTO import_runs (source_id, status, commit, mode) VALUES"
	    " (1, 'succeeded', '" C3 "', 'incremental')");
	cr_assert_eq(api_version_current(&v2, t.conn, &e), 0, "%s", e.msg);
	cr_expect_eq(v2.run_id, 3);
	cr_expect_str_neq(v2.etag, v1.etag);
}

/* ---- /v1/scoring/parameters ---- */

static char *in_force_text(void)
{
	struct vfm_params p;
	struct err e = {0};
	cr_assert_eq(score_params_load(&p, &e), 0, "%s", e.msg);
	json_t *j = vfm_params_to_json(&p);
	char *s = json_dumps(j, JSON_COMPACT | JSON_REAL_PRECISION(15));
	json_decref(j);
	return s;
}

Test(api_scores, scoring_parameters_in_force_and_stored)
{
	struct api_result r;
	char *now = in_force_text();
	const char *p[1] = {now};

	/* four scores with the parameters in force, one with others */
	pgtest_exec(&t, "UPDATE scores SET params = $1::jsonb WHERE crime_type <> 'robbery'", 1, p);
	apitest_ok(t.conn, api_scoring_parameters, &r, NOPARAMS);
	json_t *d = apitest_data(&r), *stored = json_object_get(d, "stored");
	json_t *want = json_loads(now, 0, NULL);
	cr_expect(json_equal(json_object_get(d, "in_force"), want), "in_force differs");
	cr_expect(json_is_null(json_object_get(d, "in_force_error")));
	cr_expect_float_eq(num(json_object_get(d, "in_force"), "discount"), 0.035, 1e-15);
	cr_expect_eq(json_integer_value(json_object_get(json_object_get(d, "in_force"), "draws")),
	             10000);
	cr_expect_eq(json_integer_value(json_object_get(d, "scores")), 5);
	cr_expect_eq(json_integer_value(json_object_get(d, "stale_scores")), 1);
	cr_assert_eq(json_array_size(stored), 2);
	json_t *cur = json_array_get(stored, 0), *old = json_array_get(stored, 1);
	cr_expect(json_is_true(json_object_get(cur, "current")));
	cr_expect_eq(json_integer_value(json_object_get(cur, "scores")), 4);
	cr_expect_eq(json_integer_value(json_object_get(cur, "interventions")), 3);
	cr_expect(json_equal(json_object_get(cur, "params"), want));
	cr_expect(json_is_false(json_object_get(old, "current")));
	cr_expect_eq(json_integer_value(json_object_get(old, "scores")), 1);
	cr_expect_float_eq(num(json_object_get(old, "params"), "discount"), 0.035, 1e-15);
	cr_expect_not_null(json_object_get(old, "last_computed_at"));
	cr_expect_eq(r.version.run_id, 1);
	/* CSV: one row per stored set */
	cr_assert_eq(json_array_size(r.rows), 2);
	cr_expect_float_eq(num(json_array_get(r.rows, 0), "params.discount"), 0.035, 1e-15);
	cr_expect(json_is_string(
	    json_object_get(json_array_get(r.rows, 0), "params.quality_multipliers")));
	api_result_free(&r);
	json_decref(want);
	free(now);

	/* other parameters in force: every stored score is stale */
	setenv("WHATWORKS_VFM_DISCOUNT", "0.05", 1);
	apitest_ok(t.conn, api_scoring_parameters, &r, NOPARAMS);
	d = apitest_data(&r);
	cr_expect_float_eq(num(json_object_get(d, "in_force"), "discount"), 0.05, 1e-15);
	cr_expect_eq(json_integer_value(json_object_get(d, "stale_scores")), 5);
	api_result_free(&r);
	/* a bad environment is reported, not a failure of the request */
	setenv("WHATWORKS_VFM_DISCOUNT", "lots", 1);
	apitest_ok(t.conn, api_scoring_parameters, &r, NOPARAMS);
	d = apitest_data(&r);
	cr_expect(json_is_null(json_object_get(d, "in_force")));
	cr_expect(strstr(json_string_value(json_object_get(d, "in_force_error")),
	                 "WHATWORKS_VFM_DISCOUNT") != NULL);
	cr_expect_eq(json_integer_value(json_object_get(d, "stale_scores")), 5);
	api_result_free(&r);
}

Test(api_scores, scoring_parameters_without_scores)
{
	struct api_result r;

	sql("DELETE FROM scores");
	apitest_ok(t.conn, api_scoring_parameters, &r, NOPARAMS);
	cr_expect_eq(json_array_size(json_object_get(apitest_data(&r), "stored")), 0);
	cr_expect_eq(json_integer_value(json_object_get(apitest_data(&r), "scores")), 0);
	cr_expect_eq(json_integer_value(json_object_get(apitest_data(&r), "stale_scores")), 0);
	cr_expect(json_is_object(json_object_get(apitest_data(&r), "in_force")));
	api_result_free(&r);
}

/* ---- a real import ---- */

static struct gitrepo repo;
static char data_dir[256];

static void import_setup(void)
{
	pgtest_setup(&t, "apiscores");
	gitrepo_init(&repo);
	tmpdir_make(data_dir, sizeof(data_dir));
}

static void import_teardown(void)
{
	pgtest_teardown(&t);
	gitrepo_remove(&repo);
	tmpdir_remove(data_dir);
}

static void put(const char *path, char *doc)
{
	gitrepo_write(&repo, path, doc);
	free(doc);
}

static void import_ok(char *mode, size_t size)
{
	struct import_git_opts o = {.name = "partner", .location = repo.dir, .data_dir = data_dir};
	struct import_result res;
	struct err e = {0};
	int rc = import_git(t.conn, &o, &res, &e);
	cr_assert_eq(rc, 0, "import failed: %s", e.msg);
	cr_assert_str_eq(res.status, "succeeded");
	snprintf(mode, size, "%s", res.mode);
	import_result_free(&res);
}

static void seed(char *commit)
{
	char mode[32];
	put("reference/unit-costs.yaml", gitrepo_unit_costs(14050));
	gitrepo_write(&repo, "reference/deflators.yaml", gitrepo_deflators);
	put("interventions/a.yaml", gitrepo_intervention("iv-a", "A"));
	put("interventions/b.yaml", gitrepo_intervention("iv-b", "B"));
	put("evaluations/a1.yaml", gitrepo_evaluation("ev-a1", "iv-a", 0.8));
	put("evaluations/a2.yaml", gitrepo_evaluation("ev-a2", "iv-a", 0.6));
	put("evaluations/b.yaml", gitrepo_evaluation("ev-b", "iv-b", 0.9));
	gitrepo_commit(&repo, "seed", commit);
	import_ok(mode, sizeof(mode));
	cr_assert_str_eq(mode, "full");
}

TestSuite(api_scores_import, .init = import_setup, .fini = import_teardown, .timeout = 60);

Test(api_scores_import, importing_a_commit_twice_keeps_the_version)
{
	char c1[41], c2[41], mode[32];
	struct api_version v1, v2;
	struct api_result r;
	struct err e = {0};

	seed(c1);
	cr_assert_eq(api_version_current(&v1, t.conn, &e), 0, "%s", e.msg);
	apitest_ok(t.conn, api_scores_list, &r, NOPARAMS);
	char *before = json_dumps(apitest_data(&r), JSON_COMPACT);
	api_result_free(&r);

	import_ok(mode, sizeof(mode));
	cr_expect_str_eq(mode, "unchanged");
	cr_expect_eq(pgtest_int(&t,
	                        "SELECT count(*) FROM import_runs WHERE status = 'succeeded'"
	                        " AND mode = 'unchanged'",
	                        0, NULL),
	             1);
	cr_assert_eq(api_version_current(&v2, t.conn, &e), 0, "%s", e.msg);
	cr_expect_eq(v2.run_id, v1.run_id);
	cr_expect_str_eq(v2.etag, v1.etag);
	apitest_ok(t.conn, api_scores_list, &r, NOPARAMS);
	cr_expect_str_eq(r.version.etag, v1.etag);
	char *after = json_dumps(apitest_data(&r), JSON_COMPACT);
	cr_expect_str_eq(after, before, "the scores changed on a re-import");
	api_result_free(&r);
	free(before);
	free(after);

	/* a new commit is a new version */
	put("evaluations/b.yaml", gitrepo_evaluation("ev-b", "iv-b", 0.7));
	gitrepo_commit(&repo, "better b", c2);
	import_ok(mode, sizeof(mode));
	cr_assert_eq(api_version_current(&v2, t.conn, &e), 0, "%s", e.msg);
	cr_expect_gt(v2.run_id, v1.run_id);
	cr_expect_str_neq(v2.etag, v1.etag);
	cr_expect_str_eq(v2.commit, c2);
}

/* Σ_{t<T} (1 − δ)^t / (1 + ρ)^t */
static double annuity(int years, double decay, double discount)
{
	double s = 0;
	for (int y = 0; y < years; y++)
		s += pow(1 - decay, y) / pow(1 + discount, y);
	return s;
}

Test(api_scores_import, an_analyst_can_rederive_the_result)
{
	char c1[41];
	struct api_result item, flat;
	struct err e = {0};

	seed(c1);
	cr_assert_eq(api_intervention_get(&item, t.conn, "iv-a", NOPARAMS, &e), 0, "%s", e.msg);
	json_t *scores = json_object_get(apitest_data(&item), "scores");
	cr_assert_eq(json_array_size(scores), 1);
	json_t *s = json_array_get(scores, 0), *f = json_object_get(s, "figures");
	cr_assert(json_is_object(f), "no figures");
	cr_expect_str_eq(json_string_value(json_object_get(s, "crime_type")),
	                 "violence-with-injury");
	cr_expect_str_neq(json_string_value(json_object_get(s, "band")), "insufficient");

	/* the ratio and the percent change from the figures */
	double bcr = num(s, "bcr");
	cr_expect_float_eq(bcr, num(f, "pv_benefits") / num(f, "pv_costs"), 1e-9 * fabs(bcr));
	cr_expect_float_eq(num(s, "pct_change"), (exp(num(f, "mu")) - 1) * 100, 1e-9);
	cr_expect_float_eq(num(s, "npv"), num(f, "pv_benefits") - num(f, "pv_costs"), 1e-6);
	/* two primary studies pooled (DL), quality 5: m = 1 */
	cr_expect_eq(json_integer_value(json_object_get(f, "k")), 2);
	cr_expect_float_eq(num(f, "mu_adj"), num(f, "quality_multiplier") * num(f, "mu"), 1e-12);
	/* and the benefits from r, the effect, U_B, T, decay and discount (model §6) */
	double a = annuity((int)json_integer_value(json_object_get(f, "horizon_years")),
	                   num(f, "decay"), num(f, "discount"));
	double pvb = num(f, "r") * (1 - exp(num(f, "mu_adj"))) * num(f, "unit_cost_b") * a;
	cr_expect_float_eq(num(f, "pv_benefits"), pvb, 1e-9 * pvb);
	cr_expect_float_eq(num(f, "pv_costs"), num(f, "cost_b"), 1e-9);
	/* unit cost 14050 in 2015 prices and cost 1000 in 2019 prices, rebased to 2024 */
	cr_expect_float_eq(num(f, "unit_cost_b"), 14050 * 100 / 74.5804, 1e-6);
	cr_expect_float_eq(num(f, "cost_b"), 1000 * 100 / 80.8738, 1e-6);
	cr_expect_eq(json_integer_value(json_object_get(f, "base_year")), 2024);

	/* the flat table carries the same figures */
	apitest_ok(t.conn, api_scores_list, &flat, PARAMS("intervention", "iv-a"));
	cr_assert_eq(json_array_size(apitest_data(&flat)), 1);
	json_t *row = json_array_get(apitest_data(&flat), 0);
	static const char *const same[] = {
	    "bcr",    "pct_change", "pv_benefits", "pv_costs",    "mu",      "se",
	    "mu_adj", "se_adj",     "r",           "unit_cost_b", "cost_b",  "discount",
	    "tau2",   "i2",         "p_bcr_gt1",   "bcr_p05",     "bcr_p95", NULL};
	for (size_t i = 0; same[i] != NULL; i++) {
		const json_t *x = json_object_get(row, same[i]);
		const json_t *y = json_object_get(f, same[i]);
		cr_expect(json_is_number(x) && json_is_number(y) &&
		              json_number_value(x) == json_number_value(y),
		          "%s differs between /v1/scores and the figures", same[i]);
	}
	cr_expect_eq(json_integer_value(json_object_get(row, "horizon_years")),
	             json_integer_value(json_object_get(f, "horizon_years")));
	api_result_free(&flat);
	api_result_free(&item);
}

Test(api_scores_import, parameters_after_an_import)
{
	char c1[41];
	struct api_result r;

	seed(c1);
	apitest_ok(t.conn, api_scoring_parameters, &r, NOPARAMS);
	json_t *d = apitest_data(&r);
	cr_expect_eq(json_integer_value(json_object_get(d, "scores")), 2);
	cr_expect_eq(json_integer_value(json_object_get(d, "stale_scores")), 0);
	cr_assert_eq(json_array_size(json_object_get(d, "stored")), 1);
	json_t *set = json_array_get(json_object_get(d, "stored"), 0);
	cr_expect(json_is_true(json_object_get(set, "current")));
	cr_expect(json_equal(json_object_get(set, "params"), json_object_get(d, "in_force")));
	api_result_free(&r);
}
