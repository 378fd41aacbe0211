/*
 * test_api.c - the read side of the REST API against a real PostgreSQL
 *
 * The fixture is two successful imports (runs 1 and 3, with a rejected run 2
 * between them) so as_of and history have something to tell apart:
 *   run 1: interventions i-alpha, i-beta, i-delta, i-epsilon, i-gamma;
 *          evaluations ev-a1, ev-a2, ev-b1, ev-g1; three reference documents
 *   run 3: i-alpha renamed, i-delta removed, i-zeta added, ev-a1 changed
 * and current headline scores for alpha, beta, epsilon and gamma.
 */
#include "api.h"
#include "apitest.h"
#include "pgtest.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define C1 "1111111aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define C2 "2222222bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define C3 "3333333ccccccccccccccccccccccccccccccccc"

static struct pgtest t;

/* "id1,id2,..." of the items of a list. */
static void ids(struct api_result *r, char *out, size_t size)
{
	size_t i, len = 0;
	json_t *it;

	out[0] = '\0';
	json_array_foreach(apitest_data(r), i, it)
	{
		json_t *id = json_object_get(it, "id");
		if (json_is_integer(id))
			len += (size_t)snprintf(out + len, size - len, "%s%lld", i ? "," : "",
			                        (long long)json_integer_value(id));
		else
			len += (size_t)snprintf(out + len, size - len, "%s%s", i ? "," : "",
			                        json_string_value(id));
	}
}

static void expect_ids(list_fn fn, const struct api_params *p, const char *want)
{
	struct api_result r;
	char got[4096];

	apitest_ok(t.conn, fn, &r, p);
	ids(&r, got, sizeof(got));
	cr_expect_str_eq(got, want);
	api_result_free(&r);
}

static json_t *find(const json_t *arr, const char *key, const char *val)
{
	size_t i;
	json_t *it;

	json_array_foreach(arr, i, it)
	{
		const char *s = json_string_value(json_object_get(it, key));
		if (s != NULL && strcmp(s, val) == 0)
			return it;
	}
	return NULL;
}

/* ---- the fixture ---- */

static void sql(const char *s)
{
	pgtest_exec(&t, s, 0, NULL);
}

static void fixture(void)
{
	sql("INSERT INTO sources (id, name, kind, location) VALUES (1, 'evidence', 'git', "
	    "'/srv/ev')");
	sql("INSERT INTO import_runs (id, source_id, status, commit, added, finished_at)"
	    " VALUES (1, 1, 'succeeded', '" C1 "', 12, now()),"
	    " (2, 1, 'rejected', '" C2 "', 0, now()), (3, 1, 'succeeded', '" C3 "', 3, now())");
	sql("SELECT setval('import_runs_id_seq', 3)");
	sql("INSERT INTO import_errors (run_id, path, line, col, field, message) VALUES"
	    " (2, 'evaluations/x.yaml', 14, 7, 'quality', 'must be an integer from 1 to 5'),"
	    " (2, 'interventions/y.yaml', 3, 1, '', 'duplicate id \"y\"')");
	/* interventions: (id, name, themes, level, sectors, tags, from, to, commit) */
	sql("INSERT INTO interventions (id, source_id, path, blob, commit, author, committed_at,"
	    " valid_from, valid_to, removed_in, body, name, themes, level, sectors, tags)"
	    " SELECT v.id, 1, 'interventions/' || v.id || '.yaml', md5(v.name), v.c, 'A. Author',"
	    " '2026-01-01T00:00:00Z', v.vf, v.vt, v.rm,"
	    " jsonb_build_object('kind', 'intervention', 'id', v.id, 'name', v.name,"
	    " 'summary', v.summary), v.name, v.themes, v.level, v.sectors, v.tags"
	    " FROM (VALUES"
	    " ('i-alpha', 'Alpha mentoring', 'One-to-one mentoring', '{knife-crime}'::text[],"
	    "  'person', '{charity,police}'::text[], '{mentoring}'::text[], 1, 3, '" C3 "', '" C1
	    "'),"
	    " ('i-alpha', 'Alpha mentoring two', 'One-to-one mentoring, 100% local', "
	    "  '{knife-crime}', 'person', '{charity,police}', '{mentoring}', 3, NULL, NULL, '" C3
	    "'),"
	    " ('i-beta', 'Beta hot spots', 'Patrols at hot spots', '{knife-crime}', 'place',"
	    "  '{police}', '{}', 1, NULL, NULL, '" C1 "'),"
	    " ('i-delta', 'Delta treatment', 'Drug treatment', '{substance-misuse}', 'person',"
	    "  '{health}', '{}', 1, 3, '" C3 "', '" C1 "'),"
	    " ('i-epsilon', 'Epsilon bystander', 'Bystander programme', '{knife-crime,vawg}',"
	    "  'person', '{education}', '{schools}', 1, NULL, NULL, '" C1 "'),"
	    " ('i-gamma', 'Gamma advocacy', 'Independent advocates', '{vawg}', 'person',"
	    "  '{charity}', '{}', 1, NULL, NULL, '" C1 "'),"
	    " ('i-zeta', 'Zeta lighting', 'Street lighting', '{knife-crime}', 'place',"
	    "  '{local-government}', '{}', 3, NULL, NULL, '" C3 "')"
	    ") v(id, name, summary, themes, level, sectors, tags, vf, vt, rm, c)");
	sql("INSERT INTO evaluations (id, source_id, path, blob, commit, author, committed_at,"
	    " valid_from, valid_to, removed_in, body, intervention, title, design, quality,"
	    " country, areas, published)"
	    " SELECT v.id, 1, 'evaluations/' || v.id || '.yaml', md5(v.title), v.c, 'B. Author',"
	    " '2026-01-02T00:00:00Z', v.vf, v.vt, v.rm,"
	    " jsonb_build_object('kind', 'evaluation', 'id', v.id, 'title', v.title,"
	    " 'source', jsonb_build_object('citation', 'Cite ' || v.id), 'submitted_by', 'Org'),"
	    " v.iv, v.title, v.design, v.q, v.country, v.areas, v.pub"
	    " FROM (VALUES"
	    " ('ev-a1', 'i-alpha', 'Alpha trial', 'rct', 5, 'GB', '{durham}'::text[], '2021',"
	    "  1, 3, '" C3 "', '" C1 "'),"
	    " ('ev-a1', 'i-alpha', 'Alpha trial (corrected)', 'rct', 4, 'GB', '{durham}', '2021',"
	    "  3, NULL, NULL, '" C3 "'),"
	    " ('ev-a2', 'i-alpha', 'Alpha replication', 'quasi-experimental', 3, 'US', '{}',"
	    "  '2019-06', 1, NULL, NULL, '" C1 "'),"
	    " ('ev-b1', 'i-beta', 'Beta review', 'meta-analysis', 4, 'GB', '{metropolitan}',"
	    "  '2018-03-15', 1, NULL, NULL, '" C1 "'),"
	    " ('ev-g1', 'i-gamma', 'Gamma study', 'before-after', 2, NULL, '{}', NULL,"
	    "  1, NULL, NULL, '" C1 "')"
	    ") v(id, iv, title, design, q, country, areas, pub, vf, vt, rm, c)");
	sql("INSERT INTO reference_data (kind, id, source_id, path, blob, commit, valid_from, body)"
	    " VALUES ('unit-costs', 'home-office-2018', 1, 'reference/unit-costs.yaml', 'b1', '" C1
	    "', 1, '{\"kind\": \"unit-costs\", \"id\": \"home-office-2018\", \"title\": \"Costs\","
	    " \"source\": {\"citation\": \"Heeks et al. (2018)\"}, \"entries\": ["
	    " {\"crime_type\": \"violence-with-injury\", \"amount\": 14050, \"unit\": \"offence\","
	    "  \"price_year\": 2016, \"flag\": \"official\"},"
	    " {\"crime_type\": \"robbery\", \"amount\": 11320, \"unit\": \"offence\","
	    "  \"price_year\": 2016, \"flag\": \"official\", \"note\": \"personal\"}]}'),"
	    " ('deflators', 'gdp-deflators', 1, 'reference/deflators.yaml', 'b2', '" C1 "', 1,"
	    " '{\"kind\": \"deflators\", \"id\": \"gdp-deflators\", \"base\": 2023,"
	    " \"source\": {\"citation\": \"HM Treasury\"}, \"entries\": ["
	    " {\"year\": 2016, \"index\": 82.1, \"flag\": \"outturn\"},"
	    " {\"year\": 2023, \"index\": 100, \"flag\": \"outturn\"}]}'),"
	    " ('areas', 'police-force-areas', 1, 'reference/areas.yaml', 'b3', '" C1 "', 1,"
	    " '{\"kind\": \"areas\", \"id\": \"police-force-areas\", \"entries\": ["
	    " {\"id\": \"metropolitan\", \"name\": \"Metropolitan Police\", \"country\": "
	    "\"england\"},"
	    " {\"id\": \"durham\", \"name\": \"Durham\", \"country\": \"england\"}]}')");
	sql("INSERT INTO scores (intervention, crime_type, run_id, params, figures, band, bcr, npv,"
	    " p_bcr_gt1, evidence_rating, pct_change, harmful, insufficient_reason, headline)"
	    " VALUES"
	    " ('i-alpha', 'violence-with-injury', 3, '{\"draws\": 10000}', '{\"k\": 2, \"mu\": "
	    "-0.22}',"
	    "  'high', 3.2, 5000, 0.9, 4, -20, false, NULL, true),"
	    " ('i-alpha', 'robbery', 3, '{\"draws\": 10000}', '{\"k\": 1}', 'low', 1.1, 100, 0.55,"
	    "  2, -5, false, NULL, false),"
	    " ('i-beta', 'violence-with-injury', 3, '{}', '{}', 'poor', -0.4, -900, 0.01, 2, 12,"
	    "  true, NULL, true),"
	    " ('i-epsilon', 'sexual-offences', 3, '{}', '{}', 'very-high', 8, 90000, 0.99, 5, -35,"
	    "  false, NULL, true),"
	    " ('i-gamma', 'domestic-abuse', 3, '{}', '{}', 'insufficient', NULL, NULL, NULL, 1, "
	    "NULL,"
	    "  false, 'no-uncertainty', true)");
}

static void setup(void)
{
	pgtest_setup(&t, "api");
	fixture();
}

static void setup_empty(void)
{
	pgtest_setup(&t, "api");
}

static void teardown(void)
{
	pgtest_teardown(&t);
}

TestSuite(api, .init = setup, .fini = teardown);
TestSuite(api_empty, .init = setup_empty, .fini = teardown);

/* ---- the evidence version ---- */

Test(api_empty, version_without_imports)
{
	struct api_version v;
	struct err e = {0};

	cr_assert_eq(api_version_current(&v, t.conn, &e), 0, "%s", e.msg);
	cr_expect_eq(v.run_id, 0);
	cr_expect_str_eq(v.commit, "");
	cr_expect_str_eq(v.etag, "\"ev-0\"");
}

Test(api_empty, lists_are_empty_without_imports)
{
	struct api_result r;

	apitest_ok(t.conn, api_interventions_list, &r, NOPARAMS);
	cr_expect_eq(r.total, 0);
	cr_expect_eq(json_array_size(apitest_data(&r)), 0);
	cr_expect_str_eq(r.next_cursor, "");
	cr_expect_str_eq(r.version.etag, "\"ev-0\"");
	cr_expect(json_is_null(json_object_get(
	    json_object_get(json_object_get(r.body, "meta"), "evidence_version"), "commit")));
	api_result_free(&r);
}

Test(api, version_is_latest_succeeded_run)
{
	struct api_version v;
	struct err e = {0};

	cr_assert_eq(api_version_current(&v, t.conn, &e), 0, "%s", e.msg);
	cr_expect_eq(v.run_id, 3);
	cr_expect_str_eq(v.commit, C3);
	cr_expect_str_eq(v.etag, "\"ev-3-3333333ccccc\"");
}

/* ---- /v1/interventions ---- */

Test(api, interventions_default_list)
{
	struct api_result r;
	json_t *alpha, *zeta, *meta;

	apitest_ok(t.conn, api_interventions_list, &r, NOPARAMS);
	cr_expect_eq(r.total, 5);
	cr_expect_eq(r.limit, 50);
	cr_expect_eq(r.offset, 0);
	cr_expect_str_eq(r.next_cursor, "");
	cr_expect_eq(r.version.run_id, 3);
	alpha = find(apitest_data(&r), "id", "i-alpha");
	cr_assert_not_null(alpha);
	cr_expect_str_eq(json_string_value(json_object_get(alpha, "name")), "Alpha mentoring two");
	cr_expect_eq(json_integer_value(json_object_get(alpha, "evaluations")), 2);
	cr_expect_str_eq(json_string_value(json_object_get(alpha, "band")), "high");
	cr_expect_str_eq(json_string_value(json_object_get(alpha, "crime_type")),
	                 "violence-with-injury");
	cr_expect_float_eq(json_real_value(json_object_get(alpha, "bcr")), 3.2, 1e-9);
	cr_expect_eq(json_integer_value(json_object_get(alpha, "evidence_rating")), 4);
	cr_expect(json_is_false(json_object_get(alpha, "harmful")));
	cr_expect_str_eq(json_string_value(json_object_get(alpha, "summary")),
	                 "One-to-one mentoring, 100% local");
	cr_expect_str_eq(
	    json_string_value(json_object_get(json_object_get(alpha, "provenance"), "commit")), C3);
	cr_expect_str_eq(
	    json_string_value(json_object_get(json_object_get(alpha, "provenance"), "path")),
	    "interventions/i-alpha.yaml");
	cr_expect_eq(json_array_size(json_object_get(alpha, "sectors")), 2);
	zeta = find(apitest_data(&r), "id", "i-zeta");
	cr_assert_not_null(zeta);
	cr_expect(json_is_null(json_object_get(zeta, "band")), "no score: null band");
	cr_expect(json_is_null(json_object_get(zeta, "bcr")));
	cr_expect_eq(json_integer_value(json_object_get(zeta, "evaluations")), 0);
	meta = json_object_get(r.body, "meta");
	cr_expect_eq(json_integer_value(json_object_get(meta, "total")), 5);
	cr_expect(json_is_null(json_object_get(meta, "next_cursor")));
	cr_expect_eq(json_integer_value(
	                 json_object_get(json_object_get(meta, "evidence_version"), "run_id")),
	             3);
	/* sorted by name by default */
	char got[256];
	ids(&r, got, sizeof(got));
	cr_expect_str_eq(got, "i-alpha,i-beta,i-epsilon,i-gamma,i-zeta");
	api_result_free(&r);
}

Test(api, interventions_csv_rows_are_flat)
{
	struct api_result r;
	json_t *row;

	apitest_ok(t.conn, api_interventions_list, &r, PARAMS("theme", "vawg"));
	cr_assert_not_null(r.rows);
	cr_assert_not_null(r.columns);
	cr_expect_str_eq(r.columns[0], "id");
	cr_assert_eq(json_array_size(r.rows), 2);
	row = find(r.rows, "id", "i-epsilon");
	cr_assert_not_null(row);
	cr_expect_str_eq(json_string_value(json_object_get(row, "themes")), "knife-crime;vawg");
	cr_expect_str_eq(json_string_value(json_object_get(row, "provenance.commit")), C1);
	for (size_t c = 0; r.columns[c] != NULL; c++)
		cr_expect_not_null(json_object_get(row, r.columns[c]), "column %s", r.columns[c]);
	api_result_free(&r);
}

Test(api, interventions_filters)
{
	expect_ids(api_interventions_list, PARAMS("theme", "knife-crime"),
	           "i-alpha,i-beta,i-epsilon,i-zeta");
	expect_ids(api_interventions_list, PARAMS("theme", "vawg,substance-misuse"),
	           "i-epsilon,i-gamma");
	expect_ids(api_interventions_list, PARAMS("level", "place"), "i-beta,i-zeta");
	expect_ids(api_interventions_list, PARAMS("sector", "police"), "i-alpha,i-beta");
	expect_ids(api_interventions_list, PARAMS("tag", "mentoring"), "i-alpha");
	expect_ids(api_interventions_list, PARAMS("q", "HOT SPOT"), "i-beta");
	expect_ids(api_interventions_list, PARAMS("q", "programme"), "i-epsilon");
	/* wildcards are literal: "100%" matches, "%" alone only where a % is written */
	expect_ids(api_interventions_list, PARAMS("q", "100%"), "i-alpha");
	expect_ids(api_interventions_list, PARAMS("q", "%"), "i-alpha");
	expect_ids(api_interventions_list, PARAMS("q", "_"), "");
	expect_ids(api_interventions_list, PARAMS("band", "high,very-high"), "i-alpha,i-epsilon");
	expect_ids(api_interventions_list, PARAMS("band", "insufficient"), "i-gamma");
	expect_ids(api_interventions_list, PARAMS("min_evidence", "4"), "i-alpha,i-epsilon");
	expect_ids(api_interventions_list, PARAMS("min_evidence", "0"),
	           "i-alpha,i-beta,i-epsilon,i-gamma,i-zeta");
	expect_ids(api_interventions_list, PARAMS("harmful", "true"), "i-beta");
	expect_ids(api_interventions_list, PARAMS("harmful", "false"),
	           "i-alpha,i-epsilon,i-gamma,i-zeta");
	expect_ids(api_interventions_list, PARAMS("min_bcr", "1"), "i-alpha,i-epsilon");
	expect_ids(api_interventions_list, PARAMS("min_bcr", "-1.5"), "i-alpha,i-beta,i-epsilon");
	expect_ids(api_interventions_list,
	           PARAMS("theme", "knife-crime", "level", "person", "min_bcr", "5"), "i-epsilon");
	/* an empty value counts as absent */
	expect_ids(api_interventions_list, PARAMS("theme", ""),
	           "i-alpha,i-beta,i-epsilon,i-gamma,i-zeta");
}

Test(api, interventions_sorting)
{
	expect_ids(api_interventions_list, PARAMS("sort", "-bcr"),
	           "i-epsilon,i-alpha,i-beta,i-gamma,i-zeta");
	expect_ids(api_interventions_list, PARAMS("sort", "bcr"),
	           "i-beta,i-alpha,i-epsilon,i-gamma,i-zeta");
	expect_ids(api_interventions_list, PARAMS("sort", "-band"),
	           "i-epsilon,i-alpha,i-beta,i-gamma,i-zeta");
	expect_ids(api_interventions_list, PARAMS("sort", "-name"),
	           "i-zeta,i-gamma,i-epsilon,i-beta,i-alpha");
	expect_ids(api_interventions_list, PARAMS("sort", "-id"),
	           "i-zeta,i-gamma,i-epsilon,i-beta,i-alpha");
	expect_ids(api_interventions_list, PARAMS("sort", "-evaluations,id"),
	           "i-alpha,i-beta,i-gamma,i-epsilon,i-zeta");
	expect_ids(api_interventions_list, PARAMS("sort", "level,-p_bcr_gt1"),
	           "i-epsilon,i-alpha,i-gamma,i-beta,i-zeta");
	expect_ids(api_interventions_list, PARAMS("sort", "pct_change"),
	           "i-epsilon,i-alpha,i-beta,i-gamma,i-zeta");
	expect_ids(api_interventions_list, PARAMS("sort", "-evidence_rating"),
	           "i-epsilon,i-alpha,i-beta,i-gamma,i-zeta");
}

Test(api, interventions_paging_edges)
{
	struct api_result r;

	apitest_ok(t.conn, api_interventions_list, &r, PARAMS("limit", "2"));
	cr_expect_eq(json_array_size(apitest_data(&r)), 2);
	cr_expect_eq(r.total, 5);
	cr_expect_neq(r.next_cursor[0], '\0');
	api_result_free(&r);
	apitest_ok(t.conn, api_interventions_list, &r, PARAMS("limit", "2", "offset", "4"));
	cr_expect_eq(json_array_size(apitest_data(&r)), 1);
	cr_expect_str_eq(r.next_cursor, "");
	api_result_free(&r);
	apitest_ok(t.conn, api_interventions_list, &r, PARAMS("offset", "1000"));
	cr_expect_eq(json_array_size(apitest_data(&r)), 0);
	cr_expect_eq(r.total, 5);
	cr_expect_eq(r.offset, 1000);
	cr_expect_str_eq(r.next_cursor, "");
	api_result_free(&r);
	apitest_ok(t.conn, api_interventions_list, &r, PARAMS("limit", "500"));
	cr_expect_eq(r.limit, 500);
	cr_expect_eq(json_array_size(apitest_data(&r)), 5);
	api_result_free(&r);
	apitest_fails(t.conn, api_interventions_list, PARAMS("limit", "501"), WW_EINVALID,
	              "parameter \"limit\" must be an integer from 1 to 500");
	apitest_fails(t.conn, api_interventions_list, PARAMS("limit", "0"), WW_EINVALID,
	              "\"limit\"");
	apitest_fails(t.conn, api_interventions_list, PARAMS("limit", "ten"), WW_EINVALID,
	              "\"limit\"");
	apitest_fails(t.conn, api_interventions_list, PARAMS("offset", "-1"), WW_EINVALID,
	              "parameter \"offset\" must be an integer");
}

/* Walks a list with the cursor and with offsets; both must give the same ids. */
static void walk_both(list_fn fn, const char *sort, const char *limit, size_t want_total)
{
	char by_cursor[65536] = "", by_offset[65536] = "", page[16384];
	char cursor[128] = "", off[24];
	struct api_result r;
	size_t seen = 0;
	long long offset = 0;

	for (int pages = 0;; pages++) {
		cr_assert(pages < 1000);
		if (cursor[0])
			apitest_ok(t.conn, fn, &r,
			           PARAMS("sort", sort, "limit", limit, "cursor", cursor));
		else
			apitest_ok(t.conn, fn, &r, PARAMS("sort", sort, "limit", limit));
		ids(&r, page, sizeof(page));
		seen += json_array_size(apitest_data(&r));
		if (page[0])
			strcat(strcat(by_cursor, by_cursor[0] ? "," : ""), page);
		snprintf(cursor, sizeof(cursor), "%s", r.next_cursor);
		api_result_free(&r);
		if (!cursor[0])
			break;
	}
	cr_expect_eq(seen, want_total);
	for (;;) {
		snprintf(off, sizeof(off), "%lld", offset);
		apitest_ok(t.conn, fn, &r, PARAMS("sort", sort, "limit", limit, "offset", off));
		ids(&r, page, sizeof(page));
		if (json_array_size(apitest_data(&r)) == 0) {
			api_result_free(&r);
			break;
		}
		offset += (long long)json_array_size(apitest_data(&r));
		strcat(strcat(by_offset, by_offset[0] ? "," : ""), page);
		api_result_free(&r);
	}
	cr_expect_str_eq(by_cursor, by_offset);
}

Test(api, cursor_walk_equals_offset_walk)
{
	/* 600 more interventions, half with a score, for pages of every kind */
	sql("INSERT INTO interventions (id, source_id, path, blob, commit, valid_from, body, name,"
	    " themes, level) SELECT 'gen-' || lpad(g::text, 4, '0'), 1, 'g/' || g, 'b', '" C3
	    "', 3,"
	    " '{}', 'Generated ' || (g % 37), '{knife-crime}', CASE WHEN g % 2 = 0 THEN 'person'"
	    " ELSE 'place' END FROM generate_series(1, 600) g");
	sql("INSERT INTO scores (intervention, crime_type, run_id, params, figures, band, bcr,"
	    " headline) SELECT 'gen-' || lpad(g::text, 4, '0'), 'robbery', 3, '{}', '{}', 'low',"
	    " (g % 13) / 4.0, true FROM generate_series(1, 600, 2) g");
	walk_both(api_interventions_list, "name", "7", 605);
	walk_both(api_interventions_list, "-bcr,level", "50", 605);

	struct api_result r;
	apitest_ok(t.conn, api_interventions_list, &r, PARAMS("limit", "500"));
	cr_expect_eq(json_array_size(apitest_data(&r)), 500);
	cr_expect_eq(r.total, 605);
	char cursor[128];
	snprintf(cursor, sizeof(cursor), "%s", r.next_cursor);
	api_result_free(&r);
	apitest_ok(t.conn, api_interventions_list, &r, PARAMS("limit", "500", "cursor", cursor));
	cr_expect_eq(json_array_size(apitest_data(&r)), 105);
	cr_expect_eq(r.offset, 500);
	api_result_free(&r);
}

Test(api, cursor_misuse)
{
	struct api_result r;
	char cursor[128], bad[160];

	apitest_ok(t.conn, api_interventions_list, &r, PARAMS("limit", "2", "sort", "name"));
	snprintf(cursor, sizeof(cursor), "%s", r.next_cursor);
	api_result_free(&r);
	cr_assert_neq(cursor[0], '\0');
	apitest_fails(t.conn, api_interventions_list,
	              PARAMS("limit", "2", "sort", "name", "cursor", cursor, "offset", "2"),
	              WW_EINVALID, "parameters \"cursor\" and \"offset\" cannot be used together");
	apitest_fails(t.conn, api_interventions_list,
	              PARAMS("limit", "2", "sort", "-name", "cursor", cursor), WW_EINVALID,
	              "parameter \"cursor\"");
	apitest_fails(t.conn, api_interventions_list, PARAMS("cursor", "not-a-cursor!"),
	              WW_EINVALID, "parameter \"cursor\"");
	snprintf(bad, sizeof(bad), "%sA", cursor);
	apitest_fails(t.conn, api_interventions_list,
	              PARAMS("limit", "2", "sort", "name", "cursor", bad), WW_EINVALID,
	              "parameter \"cursor\"");
	/* another endpoint's cursor */
	apitest_fails(t.conn, api_evaluations_list,
	              PARAMS("limit", "2", "sort", "name", "cursor", cursor), WW_EINVALID,
	              "parameter \"sort\"");
	apitest_fails(t.conn, api_evaluations_list, PARAMS("limit", "2", "cursor", cursor),
	              WW_EINVALID, "parameter \"cursor\"");
	/* the limit may change between pages */
	apitest_ok(t.conn, api_interventions_list, &r,
	           PARAMS("limit", "10", "sort", "name", "cursor", cursor));
	cr_expect_eq(json_array_size(apitest_data(&r)), 3);
	cr_expect_eq(r.offset, 2);
	api_result_free(&r);
}

Test(api, cursor_pins_the_version)
{
	struct api_result r;
	char cursor[128];

	apitest_ok(t.conn, api_interventions_list, &r, PARAMS("limit", "2"));
	snprintf(cursor, sizeof(cursor), "%s", r.next_cursor);
	api_result_free(&r);
	/* an import lands: run 4 removes i-epsilon */
	sql("INSERT INTO import_runs (id, source_id, status, commit) VALUES (4, 1, 'succeeded',"
	    " '4444444ddddddddddddddddddddddddddddddddd')");
	sql("UPDATE interventions SET valid_to = 4 WHERE id = 'i-epsilon'");
	expect_ids(api_interventions_list, PARAMS("offset", "2"), "i-gamma,i-zeta");
	apitest_ok(t.conn, api_interventions_list, &r, PARAMS("limit", "2", "cursor", cursor));
	char got[256];
	ids(&r, got, sizeof(got));
	cr_expect_str_eq(got, "i-epsilon,i-gamma");
	cr_expect_eq(r.version.run_id, 3);
	api_result_free(&r);
}

Test(api, interventions_as_of)
{
	struct api_result r;
	struct err e = {0};
	json_t *alpha;

	apitest_ok(t.conn, api_interventions_list, &r, PARAMS("as_of", "1111111"));
	cr_expect_eq(r.version.run_id, 1);
	cr_expect_str_eq(r.version.commit, C1);
	cr_expect_str_eq(r.version.etag, "\"ev-1-1111111aaaaa\"");
	char got[256];
	ids(&r, got, sizeof(got));
	cr_expect_str_eq(got, "i-alpha,i-beta,i-delta,i-epsilon,i-gamma");
	alpha = find(apitest_data(&r), "id", "i-alpha");
	cr_expect_str_eq(json_string_value(json_object_get(alpha, "name")), "Alpha mentoring");
	cr_expect_eq(json_integer_value(json_object_get(alpha, "evaluations")), 2);
	api_result_free(&r);
	/* full id, upper case */
	apitest_ok(t.conn, api_interventions_list, &r,
	           PARAMS("as_of", "3333333CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC"));
	cr_expect_eq(r.version.run_id, 3);
	cr_expect_eq(r.total, 5);
	api_result_free(&r);
	/* a rejected run's commit was never imported */
	apitest_fails(t.conn, api_interventions_list, PARAMS("as_of", "2222222"), WW_ENOTFOUND,
	              "commit \"2222222\" has not been imported");
	apitest_fails(t.conn, api_interventions_list, PARAMS("as_of", "deadbeef"), WW_ENOTFOUND,
	              "\"deadbeef\"");
	apitest_fails(t.conn, api_interventions_list, PARAMS("as_of", "main"), WW_EINVALID,
	              "parameter \"as_of\"");
	apitest_fails(t.conn, api_interventions_list, PARAMS("as_of", "abc12"), WW_EINVALID,
	              "parameter \"as_of\"");
	/* the as_of run of the item endpoint */
	cr_assert_eq(api_intervention_get(&r, t.conn, "i-delta", PARAMS("as_of", C1), &e), 0, "%s",
	             e.msg);
	cr_expect_str_eq(json_string_value(json_object_get(apitest_data(&r), "name")),
	                 "Delta treatment");
	api_result_free(&r);
}

Test(api, as_of_ambiguous_prefix)
{
	sql("INSERT INTO import_runs (id, source_id, status, commit) VALUES (4, 1, 'succeeded',"
	    " '3333333ddddddddddddddddddddddddddddddddd')");
	apitest_fails(t.conn, api_interventions_list, PARAMS("as_of", "3333333"), WW_EINVALID,
	              "ambiguous");
	expect_ids(api_interventions_list, PARAMS("as_of", "3333333c"),
	           "i-alpha,i-beta,i-epsilon,i-gamma,i-zeta");
}

Test(api, intervention_get)
{
	struct api_result r;
	struct err e = {0};
	json_t *d, *evs, *scores, *first;

	cr_assert_eq(api_intervention_get(&r, t.conn, "i-alpha", NOPARAMS, &e), 0, "%s", e.msg);
	d = apitest_data(&r);
	cr_expect_str_eq(json_string_value(json_object_get(d, "name")), "Alpha mentoring two");
	cr_expect_str_eq(json_string_value(json_object_get(json_object_get(d, "body"), "kind")),
	                 "intervention");
	cr_expect_str_eq(
	    json_string_value(json_object_get(json_object_get(d, "provenance"), "source")),
	    "evidence");
	cr_expect_eq(
	    json_integer_value(json_object_get(json_object_get(d, "provenance"), "valid_from")), 3);
	evs = json_object_get(d, "evaluations");
	cr_assert_eq(json_array_size(evs), 2);
	cr_expect_str_eq(json_string_value(json_object_get(json_array_get(evs, 0), "title")),
	                 "Alpha trial (corrected)");
	cr_expect_str_eq(json_string_value(json_object_get(
	                     json_object_get(json_array_get(evs, 0), "provenance"), "author")),
	                 "B. Author");
	scores = json_object_get(d, "scores");
	cr_assert_eq(json_array_size(scores), 2);
	first = json_array_get(scores, 0);
	cr_expect(json_is_true(json_object_get(first, "headline")));
	cr_expect_float_eq(
	    json_real_value(json_object_get(json_object_get(first, "figures"), "mu")), -0.22,
	    1e-12);
	cr_expect_eq(json_integer_value(json_object_get(json_object_get(first, "params"), "draws")),
	             10000);
	cr_expect_eq(json_array_size(r.rows), 2);
	cr_expect_str_eq(
	    json_string_value(json_object_get(json_array_get(r.rows, 1), "crime_type")), "robbery");
	cr_expect_eq(r.version.run_id, 3);
	cr_expect_not_null(json_object_get(json_object_get(r.body, "meta"), "evidence_version"));
	api_result_free(&r);

	/* as of run 1: the old name, the old evaluation */
	cr_assert_eq(api_intervention_get(&r, t.conn, "i-alpha", PARAMS("as_of", "1111111"), &e), 0,
	             "%s", e.msg);
	cr_expect_str_eq(json_string_value(json_object_get(apitest_data(&r), "name")),
	                 "Alpha mentoring");
	cr_expect_str_eq(
	    json_string_value(json_object_get(
	        json_array_get(json_object_get(apitest_data(&r), "evaluations"), 0), "title")),
	    "Alpha trial");
	api_result_free(&r);
}

Test(api, intervention_not_found)
{
	struct api_result r;
	struct err e = {0};

	cr_expect_eq(api_intervention_get(&r, t.conn, "i-nope", NOPARAMS, &e), WW_ENOTFOUND);
	cr_expect_str_eq(e.msg, "intervention \"i-nope\" does not exist");
	cr_expect_null(r.body);
	err_clear(&e);
	/* removed in run 3 */
	cr_expect_eq(api_intervention_get(&r, t.conn, "i-delta", NOPARAMS, &e), WW_ENOTFOUND);
	err_clear(&e);
	cr_expect_eq(api_intervention_get(&r, t.conn, "Bad Id'", NOPARAMS, &e), WW_ENOTFOUND);
	err_clear(&e);
	cr_expect_eq(api_intervention_get(&r, t.conn, "i-alpha", PARAMS("sort", "id"), &e),
	             WW_EINVALID);
	cr_expect_str_eq(e.msg, "unknown parameter \"sort\": allowed are as_of");
}

/* ---- /v1/evaluations ---- */

Test(api, evaluations_filters_and_sort)
{
	struct api_result r;
	json_t *a1;

	apitest_ok(t.conn, api_evaluations_list, &r, NOPARAMS);
	cr_expect_eq(r.total, 4);
	a1 = find(apitest_data(&r), "id", "ev-a1");
	cr_assert_not_null(a1);
	cr_expect_str_eq(json_string_value(json_object_get(a1, "title")),
	                 "Alpha trial (corrected)");
	cr_expect_str_eq(json_string_value(json_object_get(a1, "citation")), "Cite ev-a1");
	cr_expect_eq(json_integer_value(json_object_get(a1, "quality")), 4);
	api_result_free(&r);
	expect_ids(api_evaluations_list, NOPARAMS, "ev-a1,ev-a2,ev-b1,ev-g1");
	expect_ids(api_evaluations_list, PARAMS("intervention", "i-alpha"), "ev-a1,ev-a2");
	expect_ids(api_evaluations_list, PARAMS("theme", "vawg"), "ev-g1");
	expect_ids(api_evaluations_list, PARAMS("design", "rct,meta-analysis"), "ev-a1,ev-b1");
	expect_ids(api_evaluations_list, PARAMS("min_quality", "4"), "ev-a1,ev-b1");
	expect_ids(api_evaluations_list, PARAMS("country", "gb"), "ev-a1,ev-b1");
	expect_ids(api_evaluations_list, PARAMS("area", "durham"), "ev-a1");
	expect_ids(api_evaluations_list, PARAMS("published_from", "2019-06"), "ev-a1,ev-a2");
	expect_ids(api_evaluations_list, PARAMS("published_from", "2019-06-30"), "ev-a1,ev-a2");
	expect_ids(api_evaluations_list, PARAMS("published_from", "2019-07"), "ev-a1");
	expect_ids(api_evaluations_list, PARAMS("published_to", "2019"), "ev-a2,ev-b1");
	expect_ids(api_evaluations_list, PARAMS("published_to", "2018-03-14"), "");
	expect_ids(api_evaluations_list,
	           PARAMS("published_from", "2018", "published_to", "2021-01-01"),
	           "ev-a1,ev-a2,ev-b1");
	expect_ids(api_evaluations_list, PARAMS("sort", "-quality"), "ev-a1,ev-b1,ev-a2,ev-g1");
	expect_ids(api_evaluations_list, PARAMS("sort", "published"), "ev-b1,ev-a2,ev-a1,ev-g1");
	expect_ids(api_evaluations_list, PARAMS("sort", "-published"), "ev-a1,ev-a2,ev-b1,ev-g1");
	expect_ids(api_evaluations_list, PARAMS("sort", "-intervention,-id"),
	           "ev-g1,ev-b1,ev-a2,ev-a1");
	expect_ids(api_evaluations_list, PARAMS("sort", "title"), "ev-a2,ev-a1,ev-b1,ev-g1");
	expect_ids(api_evaluations_list, PARAMS("sort", "design"), "ev-g1,ev-b1,ev-a2,ev-a1");
	expect_ids(api_evaluations_list, PARAMS("as_of", "1111111", "min_quality", "5"), "ev-a1");
	walk_both(api_evaluations_list, "-quality", "1", 4);
}

Test(api, evaluation_get_and_history)
{
	struct api_result r;
	struct err e = {0};
	json_t *v0, *v1;

	cr_assert_eq(api_evaluation_get(&r, t.conn, "ev-a1", NOPARAMS, &e), 0, "%s", e.msg);
	cr_expect_str_eq(json_string_value(json_object_get(apitest_data(&r), "title")),
	                 "Alpha trial (corrected)");
	cr_expect_str_eq(json_string_value(json_object_get(
	                     json_object_get(apitest_data(&r), "provenance"), "commit")),
	                 C3);
	api_result_free(&r);
	cr_assert_eq(api_evaluation_get(&r, t.conn, "ev-a1", PARAMS("as_of", C1), &e), 0, "%s",
	             e.msg);
	cr_expect_str_eq(json_string_value(json_object_get(apitest_data(&r), "title")),
	                 "Alpha trial");
	api_result_free(&r);

	cr_assert_eq(api_evaluation_history(&r, t.conn, "ev-a1", NOPARAMS, &e), 0, "%s", e.msg);
	cr_assert_eq(json_array_size(apitest_data(&r)), 2);
	cr_expect_eq(r.total, 2);
	v0 = json_array_get(apitest_data(&r), 0);
	v1 = json_array_get(apitest_data(&r), 1);
	cr_expect_str_eq(json_string_value(json_object_get(v0, "commit")), C1);
	cr_expect_eq(json_integer_value(json_object_get(v0, "valid_from")), 1);
	cr_expect_eq(json_integer_value(json_object_get(v0, "valid_to")), 3);
	cr_expect_str_eq(json_string_value(json_object_get(v0, "removed_in")), C3);
	cr_expect_str_eq(json_string_value(json_object_get(v0, "author")), "B. Author");
	cr_expect_not_null(json_string_value(json_object_get(v0, "committed_at")));
	cr_expect_str_eq(json_string_value(json_object_get(v0, "path")), "evaluations/ev-a1.yaml");
	cr_expect_not_null(json_string_value(json_object_get(v0, "blob")));
	cr_expect_str_eq(json_string_value(json_object_get(json_object_get(v0, "body"), "title")),
	                 "Alpha trial");
	cr_expect_str_eq(json_string_value(json_object_get(v1, "commit")), C3);
	cr_expect(json_is_null(json_object_get(v1, "valid_to")));
	cr_expect_eq(json_array_size(r.rows), 2);
	api_result_free(&r);
	cr_assert_eq(api_evaluation_history(&r, t.conn, "ev-a1", PARAMS("as_of", C1), &e), 0, "%s",
	             e.msg);
	cr_expect_eq(json_array_size(apitest_data(&r)), 1);
	api_result_free(&r);

	cr_expect_eq(api_evaluation_get(&r, t.conn, "ev-zz", NOPARAMS, &e), WW_ENOTFOUND);
	cr_expect_str_eq(e.msg, "evaluation \"ev-zz\" does not exist");
	err_clear(&e);
	cr_expect_eq(api_evaluation_history(&r, t.conn, "ev-zz", NOPARAMS, &e), WW_ENOTFOUND);
}

/* ---- themes, reference data, areas ---- */

Test(api, themes_with_counts)
{
	struct api_result r;
	json_t *kc, *sm, *vawg;

	apitest_ok(t.conn, api_themes, &r, NOPARAMS);
	cr_assert_eq(json_array_size(apitest_data(&r)), 3);
	kc = json_array_get(apitest_data(&r), 0);
	sm = json_array_get(apitest_data(&r), 1);
	vawg = json_array_get(apitest_data(&r), 2);
	cr_expect_str_eq(json_string_value(json_object_get(kc, "id")), "knife-crime");
	cr_expect_eq(json_integer_value(json_object_get(kc, "interventions")), 4);
	cr_expect_eq(json_integer_value(json_object_get(kc, "evaluations")), 3);
	cr_expect_eq(json_integer_value(json_object_get(sm, "interventions")), 0);
	cr_expect_eq(json_integer_value(json_object_get(vawg, "interventions")), 2);
	cr_expect_eq(json_integer_value(json_object_get(vawg, "evaluations")), 1);
	api_result_free(&r);
	apitest_ok(t.conn, api_themes, &r, PARAMS("as_of", "1111111"));
	cr_expect_eq(json_integer_value(
	                 json_object_get(json_array_get(apitest_data(&r), 1), "interventions")),
	             1);
	api_result_free(&r);
}

Test(api, reference_data)
{
	struct api_result r;
	json_t *it;

	apitest_ok(t.conn, api_unit_costs, &r, NOPARAMS);
	cr_assert_eq(json_array_size(apitest_data(&r)), 2);
	cr_expect_eq(r.total, 2);
	it = json_array_get(apitest_data(&r), 1);
	cr_expect_str_eq(json_string_value(json_object_get(it, "document")), "home-office-2018");
	cr_expect_str_eq(json_string_value(json_object_get(it, "crime_type")), "robbery");
	cr_expect_eq(json_integer_value(json_object_get(it, "amount")), 11320);
	cr_expect_eq(json_integer_value(json_object_get(it, "price_year")), 2016);
	cr_expect_str_eq(json_string_value(json_object_get(it, "flag")), "official");
	cr_expect_str_eq(json_string_value(json_object_get(it, "note")), "personal");
	cr_expect_str_eq(json_string_value(json_object_get(it, "source")), "Heeks et al. (2018)");
	cr_expect_eq(json_array_size(r.rows), 2);
	api_result_free(&r);

	apitest_ok(t.conn, api_deflators, &r, NOPARAMS);
	cr_assert_eq(json_array_size(apitest_data(&r)), 2);
	it = json_array_get(apitest_data(&r), 0);
	cr_expect_eq(json_integer_value(json_object_get(it, "year")), 2016);
	cr_expect_float_eq(json_real_value(json_object_get(it, "index")), 82.1, 1e-9);
	cr_expect_eq(json_integer_value(json_object_get(it, "base")), 2023);
	cr_expect_str_eq(json_string_value(json_object_get(it, "flag")), "outturn");
	cr_expect_str_eq(json_string_value(json_object_get(it, "source")), "HM Treasury");
	api_result_free(&r);

	apitest_ok(t.conn, api_areas, &r, NOPARAMS);
	cr_assert_eq(json_array_size(apitest_data(&r)), 2);
	it = json_array_get(apitest_data(&r), 0);
	cr_expect_str_eq(json_string_value(json_object_get(it, "id")), "durham");
	cr_expect_str_eq(json_string_value(json_object_get(it, "name")), "Durham");
	cr_expect_str_eq(json_string_value(json_object_get(it, "country")), "england");
	cr_expect_str_eq(json_string_value(json_object_get(it, "document")), "police-force-areas");
	api_result_free(&r);

	apitest_fails(t.conn, api_areas, PARAMS("limit", "5"), WW_EINVALID,
	              "unknown parameter \"limit\": allowed are as_of");
}

/* ---- imports ---- */

Test(api, imports_list_and_get)
{
	struct api_result r;
	struct err e = {0};
	json_t *first, *errs;

	expect_ids(api_imports_list, NOPARAMS, "3,2,1");
	apitest_ok(t.conn, api_imports_list, &r, NOPARAMS);
	first = json_array_get(apitest_data(&r), 1);
	cr_expect_str_eq(json_string_value(json_object_get(first, "status")), "rejected");
	cr_expect_str_eq(json_string_value(json_object_get(first, "source")), "evidence");
	cr_expect_eq(json_integer_value(json_object_get(first, "error_count")), 2);
	cr_expect_eq(
	    json_integer_value(json_object_get(json_array_get(apitest_data(&r), 2), "added")), 12);
	api_result_free(&r);
	expect_ids(api_imports_list, PARAMS("status", "succeeded"), "3,1");
	expect_ids(api_imports_list, PARAMS("source", "nope"), "");
	apitest_fails(t.conn, api_imports_list, PARAMS("status", "done"), WW_EINVALID,
	              "parameter \"status\" must be one of running, succeeded, rejected, failed");

	/* keyset paging: a run started mid-walk does not shift the pages */
	char cursor[128];
	apitest_ok(t.conn, api_imports_list, &r, PARAMS("limit", "2"));
	snprintf(cursor, sizeof(cursor), "%s", r.next_cursor);
	api_result_free(&r);
	sql("INSERT INTO import_runs (source_id, status) VALUES (1, 'running')");
	expect_ids(api_imports_list, PARAMS("limit", "2", "cursor", cursor), "1");

	cr_assert_eq(api_import_get(&r, t.conn, "2", NOPARAMS, &e), 0, "%s", e.msg);
	errs = json_object_get(apitest_data(&r), "errors");
	cr_assert_eq(json_array_size(errs), 2);
	cr_expect_str_eq(json_string_value(json_object_get(json_array_get(errs, 0), "path")),
	                 "evaluations/x.yaml");
	cr_expect_eq(json_integer_value(json_object_get(json_array_get(errs, 0), "line")), 14);
	cr_expect_eq(json_integer_value(json_object_get(json_array_get(errs, 0), "col")), 7);
	cr_expect_str_eq(json_string_value(json_object_get(json_array_get(errs, 0), "field")),
	                 "quality");
	cr_expect_eq(json_array_size(r.rows), 2);
	api_result_free(&r);
	cr_expect_eq(api_import_get(&r, t.conn, "99", NOPARAMS, &e), WW_ENOTFOUND);
	cr_expect_str_eq(e.msg, "import run \"99\" does not exist");
	err_clear(&e);
	cr_expect_eq(api_import_get(&r, t.conn, "x1", NOPARAMS, &e), WW_EINVALID);
	err_clear(&e);
	cr_expect_eq(api_import_get(&r, t.conn, "1", PARAMS("as_of", C1), &e), WW_EINVALID);
	cr_expect_str_eq(e.msg, "unknown parameter \"as_of\": this endpoint takes none");
}

/* ---- export ---- */

Test(api, export_pages_cover_everything_once)
{
	char cursor[128] = "", prev[200] = "";
	struct api_result r;
	size_t n = 0, i;
	json_t *it;
	int interventions = 0, evaluations = 0, reference = 0;

	for (int pages = 0;; pages++) {
		cr_assert(pages < 100);
		if (cursor[0])
			apitest_ok(t.conn, api_export, &r, PARAMS("limit", "3", "cursor", cursor));
		else
			apitest_ok(t.conn, api_export, &r, PARAMS("limit", "3"));
		cr_expect_eq(r.total, 12);
		json_array_foreach(apitest_data(&r), i, it)
		{
			char key[200];
			const char *kind = json_string_value(json_object_get(it, "kind"));
			snprintf(key, sizeof(key), "%s/%s", kind,
			         json_string_value(json_object_get(it, "id")));
			cr_expect(strcmp(prev, key) < 0, "%s after %s", key, prev);
			snprintf(prev, sizeof(prev), "%s", key);
			cr_expect_not_null(json_object_get(it, "body"));
			json_t *prov = json_object_get(it, "provenance");
			cr_expect_str_eq(json_string_value(json_object_get(prov, "source")),
			                 "evidence");
			cr_expect_not_null(json_string_value(json_object_get(prov, "commit")));
			cr_expect_not_null(json_string_value(json_object_get(prov, "blob")));
			interventions += strcmp(kind, "intervention") == 0;
			evaluations += strcmp(kind, "evaluation") == 0;
			reference += strcmp(kind, "unit-costs") == 0 ||
			             strcmp(kind, "areas") == 0 || strcmp(kind, "deflators") == 0;
			n++;
		}
		snprintf(cursor, sizeof(cursor), "%s", r.next_cursor);
		api_result_free(&r);
		if (!cursor[0])
			break;
	}
	cr_expect_eq(n, 12);
	cr_expect_eq(interventions, 5);
	cr_expect_eq(evaluations, 4);
	cr_expect_eq(reference, 3);

	apitest_ok(t.conn, api_export, &r, NOPARAMS);
	cr_expect_eq(r.limit, 500);
	cr_expect_eq(json_array_size(apitest_data(&r)), 12);
	api_result_free(&r);
	apitest_ok(t.conn, api_export, &r, PARAMS("as_of", "1111111"));
	cr_expect_eq(r.total, 12); /* delta instead of zeta, old alpha and ev-a1 */
	cr_expect_not_null(find(apitest_data(&r), "id", "i-delta"));
	api_result_free(&r);
	apitest_ok(t.conn, api_export, &r, PARAMS("limit", "1000"));
	api_result_free(&r);
	apitest_fails(t.conn, api_export, PARAMS("limit", "1001"), WW_EINVALID,
	              "parameter \"limit\" must be an integer from 1 to 1000");
}

/* "kind/id,..." of the documents of an export page. */
static void export_keys(struct api_result *r, char *out, size_t size)
{
	size_t i, len = 0;
	json_t *it;

	out[0] = '\0';
	json_array_foreach(apitest_data(r), i, it)
	{
		len += (size_t)snprintf(out + len, size - len, "%s%s/%s", i ? "," : "",
		                        json_string_value(json_object_get(it, "kind")),
		                        json_string_value(json_object_get(it, "id")));
	}
}

/* Walks the export on from a cursor of a walk with limit 4, appending
 * ",kind/id" of each document to out; every page must read run 3. */
static void export_walk(const char *first_cursor, char *out, size_t size)
{
	char cursor[128], page[1024];
	struct api_result r;
	json_t *beta;

	snprintf(cursor, sizeof(cursor), "%s", first_cursor);
	while (cursor[0]) {
		apitest_ok(t.conn, api_export, &r, PARAMS("limit", "4", "cursor", cursor));
		cr_expect_eq(r.version.run_id, 3, "a cursor page read the version of run %lld",
		             r.version.run_id);
		cr_expect_eq(r.total, 12);
		export_keys(&r, page, sizeof(page));
		snprintf(out + strlen(out), size - strlen(out), ",%s", page);
		if ((beta = find(apitest_data(&r), "id", "i-beta")) != NULL)
			cr_expect_str_eq(json_string_value(json_object_get(
			                     json_object_get(beta, "body"), "name")),
			                 "Beta hot spots");
		snprintf(cursor, sizeof(cursor), "%s", r.next_cursor);
		api_result_free(&r);
	}
}

Test(api, export_cursor_pins_the_version)
{
	static const char run3[] =
	    "areas/police-force-areas,deflators/gdp-deflators,evaluation/ev-a1,evaluation/ev-a2,"
	    "evaluation/ev-b1,evaluation/ev-g1,intervention/i-alpha,intervention/i-beta,"
	    "intervention/i-epsilon,intervention/i-gamma,intervention/i-zeta,"
	    "unit-costs/home-office-2018";
	struct api_result r;
	char cursor[128], all[2048];

	apitest_ok(t.conn, api_export, &r, PARAMS("limit", "4"));
	export_keys(&r, all, sizeof(all));
	snprintf(cursor, sizeof(cursor), "%s", r.next_cursor);
	cr_expect_eq(r.version.run_id, 3);
	api_result_free(&r);
	/* an import lands: run 4 removes ev-b1 and i-epsilon, changes i-beta, adds ev-z1 */
	sql("INSERT INTO import_runs (id, source_id, status, commit) VALUES (4, 1, 'succeeded',"
	    " '4444444ddddddddddddddddddddddddddddddddd')");
	sql("UPDATE evaluations SET valid_to = 4 WHERE id = 'ev-b1'");
	sql("UPDATE interventions SET valid_to = 4 WHERE id IN ('i-epsilon', 'i-beta')"
	    " AND valid_to IS NULL");
	sql("INSERT INTO interventions (id, source_id, path, blob, commit, valid_from, body, name,"
	    " themes, level) SELECT id, source_id, path, 'new', '4444444', 4, body || '{\"name\":"
	    " \"Beta two\"}', 'Beta two', themes, level FROM interventions WHERE id = 'i-beta'");
	sql("INSERT INTO evaluations (id, source_id, path, blob, commit, valid_from, body,"
	    " intervention, title, design, quality) VALUES ('ev-z1', 1, 'evaluations/ev-z1.yaml',"
	    " 'z', '4444444', 4, '{\"kind\": \"evaluation\", \"id\": \"ev-z1\"}', 'i-zeta',"
	    " 'Zeta trial', 'rct', 3)");
	/* the rest of the walk still reads run 3: each of its documents once, in order */
	export_walk(cursor, all, sizeof(all));
	cr_expect_str_eq(all, run3);
	/* a new walk reads run 4 */
	apitest_ok(t.conn, api_export, &r, PARAMS("limit", "2", "offset", "7"));
	cr_expect_str_eq(json_string_value(json_object_get(
	                     json_object_get(json_array_get(apitest_data(&r), 0), "body"), "name")),
	                 "Beta two");
	cr_expect_eq(r.total, 11);
	cr_expect_eq(r.version.run_id, 4);
	api_result_free(&r);
}

/* ---- parameter messages ---- */

Test(api, bad_parameters)
{
	apitest_fails(
	    t.conn, api_interventions_list, PARAMS("colour", "red"), WW_EINVALID,
	    "unknown parameter \"colour\": allowed are theme, level, sector, tag, q, band, "
	    "min_evidence, harmful, min_bcr, sort, limit, offset, cursor, as_of");
	apitest_fails(t.conn, api_interventions_list, PARAMS("theme", "burglary"), WW_EINVALID,
	              "parameter \"theme\" must be one of knife-crime, substance-misuse, vawg");
	apitest_fails(t.conn, api_interventions_list, PARAMS("theme", "vawg,"), WW_EINVALID,
	              "parameter \"theme\"");
	apitest_fails(t.conn, api_interventions_list, PARAMS("level", "street"), WW_EINVALID,
	              "parameter \"level\" must be one of person, place");
	apitest_fails(t.conn, api_interventions_list, PARAMS("sector", "army"), WW_EINVALID,
	              "parameter \"sector\" must be one of police, health");
	apitest_fails(t.conn, api_interventions_list, PARAMS("tag", "Bad Tag"), WW_EINVALID,
	              "parameter \"tag\" must be an id");
	apitest_fails(
	    t.conn, api_interventions_list, PARAMS("band", "great"), WW_EINVALID,
	    "parameter \"band\" must be one of poor, low, medium, high, very-high, insufficient, "
	    "implausible");
	apitest_fails(t.conn, api_interventions_list, PARAMS("min_evidence", "6"), WW_EINVALID,
	              "parameter \"min_evidence\" must be an integer from 0 to 5");
	apitest_fails(t.conn, api_interventions_list, PARAMS("harmful", "yes"), WW_EINVALID,
	              "parameter \"harmful\" must be true or false");
	apitest_fails(t.conn, api_interventions_list, PARAMS("min_bcr", "lots"), WW_EINVALID,
	              "parameter \"min_bcr\" must be a number");
	apitest_fails(t.conn, api_interventions_list, PARAMS("min_bcr", "nan"), WW_EINVALID,
	              "\"min_bcr\"");
	apitest_fails(
	    t.conn, api_interventions_list, PARAMS("sort", "colour"), WW_EINVALID,
	    "parameter \"sort\" must be a comma-separated list of columns, each optionally "
	    "prefixed with \"-\" for descending order: id, name, level, band, bcr, p_bcr_gt1, "
	    "evidence_rating, pct_change, evaluations");
	apitest_fails(t.conn, api_interventions_list, PARAMS("sort", "name,-name"), WW_EINVALID,
	              "each column once");
	apitest_fails(t.conn, api_interventions_list, PARAMS("sort", "name,"), WW_EINVALID,
	              "parameter \"sort\"");
	char longq[260];
	memset(longq, 'x', 250);
	longq[250] = '\0';
	apitest_fails(t.conn, api_interventions_list, PARAMS("q", longq), WW_EINVALID,
	              "parameter \"q\" must be at most 200 characters");
	apitest_fails(t.conn, api_evaluations_list, PARAMS("design", "anecdote"), WW_EINVALID,
	              "parameter \"design\" must be one of meta-analysis, systematic-review, rct");
	apitest_fails(t.conn, api_evaluations_list, PARAMS("min_quality", "0"), WW_EINVALID,
	              "parameter \"min_quality\" must be an integer from 1 to 5");
	apitest_fails(t.conn, api_evaluations_list, PARAMS("country", "GBR"), WW_EINVALID,
	              "parameter \"country\" must be a two-letter ISO 3166-1 country code");
	apitest_fails(t.conn, api_evaluations_list, PARAMS("area", "Durham!"), WW_EINVALID,
	              "parameter \"area\"");
	apitest_fails(t.conn, api_evaluations_list, PARAMS("published_from", "2019-13"),
	              WW_EINVALID,
	              "parameter \"published_from\" must be a date as YYYY, YYYY-MM or YYYY-MM-DD");
	apitest_fails(t.conn, api_evaluations_list, PARAMS("published_to", "2019-02-30"),
	              WW_EINVALID, "parameter \"published_to\"");
	apitest_fails(t.conn, api_evaluations_list, PARAMS("sort", "quality,bcr"), WW_EINVALID,
	              "id, title, design, quality, published, intervention");
	/* format is the HTTP layer's and always allowed */
	struct api_result r;
	apitest_ok(t.conn, api_interventions_list, &r, PARAMS("format", "csv"));
	api_result_free(&r);
	apitest_ok(t.conn, api_themes, &r, PARAMS("format", "csv"));
	api_result_free(&r);
}

Test(api, messages_are_postgresql_style)
{
	/* lower-case start, no final period */
	const char *const *cases[] = {
	    (const char *const[]){"limit", "x", NULL},
	    (const char *const[]){"nope", "1", NULL},
	    (const char *const[]){"sort", "x", NULL},
	    (const char *const[]){"as_of", "zz", NULL},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct api_params p = {apitest_kv_get, apitest_kv_name_at, &(struct kv){cases[i]}};
		struct api_result r;
		struct err e = {0};
		cr_assert_eq(api_interventions_list(&r, t.conn, &p, &e), WW_EINVALID);
		size_t n = strlen(e.msg);
		cr_expect(n > 0 && e.msg[n - 1] != '.', "%s", e.msg);
		cr_expect(e.msg[0] >= 'a' && e.msg[0] <= 'z', "%s", e.msg);
	}
}

Test(api, evaluation_counts_follow_retractions)
{
	struct api_result r;

	sql("UPDATE evaluations SET valid_to = 3, removed_in = '" C3 "'"
	    " WHERE id = 'ev-a2' AND valid_to IS NULL");
	sql("INSERT INTO evaluations (id, source_id, path, blob, commit, valid_from, body,"
	    " intervention, title, design, quality) VALUES ('ev-z1', 1, 'e/z', 'b', '" C3 "', 3,"
	    " '{}', 'i-zeta', 'Zeta', 'other', 1)");
	apitest_ok(t.conn, api_interventions_list, &r, PARAMS("sort", "-evaluations,id"));
	cr_expect_eq(json_integer_value(
	                 json_object_get(find(apitest_data(&r), "id", "i-alpha"), "evaluations")),
	             1);
	cr_expect_eq(json_integer_value(
	                 json_object_get(find(apitest_data(&r), "id", "i-zeta"), "evaluations")),
	             1);
	api_result_free(&r);
	sql("DELETE FROM evaluations WHERE id = 'ev-z1'");
	expect_ids(api_interventions_list, PARAMS("sort", "-evaluations,id", "limit", "3"),
	           "i-alpha,i-beta,i-gamma");
}

static void b64url(char *out, const char *in)
{
	static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	unsigned acc = 0;
	int bits = 0;
	size_t o = 0;
	for (; *in; in++) {
		acc = (acc << 8) | (unsigned char)*in;
		bits += 8;
		while (bits >= 6) {
			bits -= 6;
			out[o++] = a[(acc >> bits) & 63];
		}
	}
	if (bits > 0)
		out[o++] = a[(acc << (6 - bits)) & 63];
	out[o] = '\0';
}

/* A cursor is accepted only as this server writes it: "+2", "02" or " 2"
 * for an offset of 2 decoded to the same page before. */
Test(api, cursors_are_canonical_only)
{
	struct api_result r;
	char raw[256], edited[256], enc[400];
	long long run;
	unsigned long long hash;
	static const char *const forms[] = {"1.%lld.+2.0.%016llx", "1.%lld.02.0.%016llx",
	                                    "1.%lld. 2.0.%016llx", "1.%lld.2.0.%016llX",
	                                    "1.%lld.2.00.%016llx"};

	apitest_ok(t.conn, api_interventions_list, &r, PARAMS("limit", "2"));
	cr_assert_neq(r.next_cursor[0], '\0');
	/* the canonical text, rebuilt from what the server wrote */
	static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	unsigned acc = 0;
	int bits = 0;
	size_t o = 0;
	for (const char *p = r.next_cursor; *p; p++) {
		acc = (acc << 6) | (unsigned)(strchr(a, *p) - a);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			raw[o++] = (char)((acc >> bits) & 0xff);
		}
	}
	raw[o] = '\0';
	api_result_free(&r);
	cr_assert_eq(sscanf(raw, "1.%lld.2.0.%llx", &run, &hash), 2, "%s", raw);
	for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		snprintf(edited, sizeof(edited), forms[i], run, hash);
		b64url(enc, edited);
		apitest_fails(t.conn, api_interventions_list, PARAMS("limit", "2", "cursor", enc),
		              WW_EINVALID, "parameter \"cursor\"");
	}
	/* the canonical one still works */
	snprintf(edited, sizeof(edited), "1.%lld.2.0.%016llx", run, hash);
	b64url(enc, edited);
	apitest_ok(t.conn, api_interventions_list, &r, PARAMS("limit", "2", "cursor", enc));
	api_result_free(&r);
}
