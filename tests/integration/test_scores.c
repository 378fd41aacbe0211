/*
 * test_scores.c - scores follow the evidence: an import rescores what it
 * touched and nothing else; a reference-data change rescores what uses it
 */
#include "db_score.h"
#include "gitrepo.h"
#include "import.h"
#include "pgtest.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct pgtest pg;
static struct gitrepo repo;
static char data_dir[256];

static void setup(void)
{
	pgtest_setup(&pg, "scores");
	gitrepo_init(&repo);
	tmpdir_make(data_dir, sizeof(data_dir));
}

static void teardown(void)
{
	pgtest_teardown(&pg);
	gitrepo_remove(&repo);
	tmpdir_remove(data_dir);
}

static void put(const char *path, char *doc)
{
	gitrepo_write(&repo, path, doc);
	free(doc);
}

static void put_unit_cost(int amount)
{
	put("reference/unit-costs.yaml", gitrepo_unit_costs(amount));
}

static void import_ok(void)
{
	struct import_git_opts o = {.name = "partner", .location = repo.dir, .data_dir = data_dir};
	struct import_result res;
	struct err e = {0};
	int rc = import_git(pg.conn, &o, &res, &e);
	for (size_t i = 0; i < res.errs.n; i++) {
		char line[1024];
		ev_error_format(&res.errs.v[i], line, sizeof(line));
		cr_log_error("%s", line);
	}
	cr_assert_eq(rc, 0, "import failed: %s", e.msg);
	import_result_free(&res);
}

/* The score row of an intervention as text: run, bcr, p. */
static char *score_of(const char *iv)
{
	const char *p[1] = {iv};
	return pgtest_value(
	    &pg,
	    "SELECT run_id || ' ' || coalesce(bcr::text, '-') || ' ' || band"
	    " FROM scores WHERE intervention = $1 AND crime_type = 'violence-with-injury'",
	    1, p);
}

static void seed(void)
{
	char c[41];
	put_unit_cost(14050);
	gitrepo_write(&repo, "reference/deflators.yaml", gitrepo_deflators);
	put("interventions/a.yaml", gitrepo_intervention("iv-a", "A"));
	put("interventions/b.yaml", gitrepo_intervention("iv-b", "B"));
	put("evaluations/a.yaml", gitrepo_evaluation("ev-a", "iv-a", 0.8));
	put("evaluations/b.yaml", gitrepo_evaluation("ev-b", "iv-b", 0.8));
	gitrepo_commit(&repo, "seed", c);
	import_ok();
}

TestSuite(scores, .init = setup, .fini = teardown, .timeout = 60);

Test(scores, every_imported_intervention_is_scored)
{
	seed();
	cr_expect_eq(pgtest_int(&pg, "SELECT count(*) FROM scores", 0, NULL), 2);
	cr_expect_eq(pgtest_int(&pg, "SELECT count(*) FROM scores WHERE headline", 0, NULL), 2);
	/* the stored figures let an analyst re-derive the ratio */
	cr_expect_eq(
	    pgtest_int(&pg,
	               "SELECT count(*) FROM scores WHERE abs(bcr -"
	               " (figures->>'pv_benefits')::float8 / (figures->>'pv_costs')::float8)"
	               " < 1e-9 AND band <> 'insufficient' AND params ? 'discount'",
	               0, NULL),
	    2);
	/* RR 0.8, r 0.4, U 14050 (2015) rebased to 2024 prices, cost 1000 (2019): a
	 * one-year horizon gives BCR = 0.4 * 0.2 * 14050 * 100/74.5804 /
	 * (1000 * 100/80.8738) */
	double expect = 0.4 * 0.2 * 14050 * (100 / 74.5804) / (1000 * (100 / 80.8738));
	char *bcr =
	    pgtest_value(&pg, "SELECT bcr FROM scores WHERE intervention = 'iv-a'", 0, NULL);
	cr_expect_float_eq(strtod(bcr, NULL), expect, 1e-6, "bcr %s, expected %f", bcr, expect);
	free(bcr);
}

Test(scores, a_change_to_one_evaluation_rescores_that_intervention_only)
{
	char c[41];
	seed();
	char *a0 = score_of("iv-a"), *b0 = score_of("iv-b");
	put("evaluations/a.yaml", gitrepo_evaluation("ev-a", "iv-a", 0.6));
	gitrepo_commit(&repo, "better a", c);
	import_ok();
	char *a1 = score_of("iv-a"), *b1 = score_of("iv-b");
	cr_expect_str_neq(a1, a0, "iv-a was not rescored");
	cr_expect_str_eq(b1, b0, "iv-b was rescored");
	free(a0);
	free(b0);
	free(a1);
	free(b1);
}

Test(scores, changing_a_unit_cost_rescores_what_uses_it)
{
	char c[41];
	seed();
	char *a0 = score_of("iv-a"), *b0 = score_of("iv-b");
	put_unit_cost(28100);
	gitrepo_commit(&repo, "double the unit cost", c);
	import_ok();
	char *a1 = score_of("iv-a"), *b1 = score_of("iv-b");
	cr_expect_str_neq(a1, a0);
	cr_expect_str_neq(b1, b0);
	free(a0);
	free(b0);
	free(a1);
	free(b1);
	/* doubling U doubles benefits and so the ratio */
	cr_expect_eq(
	    pgtest_int(&pg,
	               "SELECT count(*) FROM scores WHERE abs((figures->>'unit_cost')::float8"
	               " - 28100) < 1e-9",
	               0, NULL),
	    2);
}

Test(scores, removed_intervention_loses_its_scores)
{
	char c[41];
	seed();
	gitrepo_write(&repo, "evaluations/b.yaml", NULL);
	gitrepo_write(&repo, "interventions/b.yaml", NULL);
	gitrepo_commit(&repo, "withdraw b", c);
	import_ok();
	cr_expect_eq(
	    pgtest_int(&pg, "SELECT count(*) FROM scores WHERE intervention = 'iv-b'", 0, NULL), 0);
	cr_expect_eq(
	    pgtest_int(&pg, "SELECT count(*) FROM scores WHERE intervention = 'iv-a'", 0, NULL), 1);
}

Test(scores, missing_unit_cost_is_insufficient_with_the_reason)
{
	char c[41];
	put("interventions/a.yaml", gitrepo_intervention("iv-a", "A"));
	put("evaluations/a.yaml", gitrepo_evaluation("ev-a", "iv-a", 0.8));
	gitrepo_commit(&repo, "no reference data", c);
	import_ok();
	char *s =
	    pgtest_value(&pg, "SELECT band || ' ' || insufficient_reason FROM scores", 0, NULL);
	cr_expect_str_eq(s, "insufficient no-unit-cost");
	free(s);
	/* and a message a partner can act on */
	s = pgtest_value(&pg, "SELECT figures->'insufficient_reasons'->0->>'message' FROM scores",
	                 0, NULL);
	cr_expect(strstr(s, "violence-with-injury") != NULL, "got: %s", s);
	free(s);
}

Test(scores, changed_parameters_rescore_everything)
{
	char c[41];
	seed();
	char *b0 = score_of("iv-b");
	setenv("WHATWORKS_VFM_DISCOUNT", "0.05", 1);
	put("evaluations/a.yaml", gitrepo_evaluation("ev-a", "iv-a", 0.7));
	gitrepo_commit(&repo, "touch a only", c);
	import_ok();
	unsetenv("WHATWORKS_VFM_DISCOUNT");
	char *b1 = score_of("iv-b");
	/* b's evidence did not change, but its score was recomputed under the new rate */
	cr_expect_str_neq(b1, b0);
	cr_expect_eq(
	    pgtest_int(&pg,
	               "SELECT count(*) FROM scores WHERE (params->>'discount')::float8 = 0.05", 0,
	               NULL),
	    2);
	free(b0);
	free(b1);
}

/* ---- scoring on several threads, and rows that need escaping ----------- */

#define MANY 40 /* enough interventions to be scored on several threads */

/* An evaluation with two outcomes, one costed and one not (no unit cost), its
 * quality, estimate and uncertainty varying with k. */
static char *evaluation_k(const char *id, const char *iv, int k)
{
	char *s = NULL;
	double rr = 0.55 + 0.01 * (k % 40);
	cr_assert(asprintf(&s,
	                   "kind: evaluation\n"
	                   "id: %s\n"
	                   "intervention: %s\n"
	                   "title: Evaluation %d\n"
	                   "source: {citation: Test (2020), published: 2020}\n"
	                   "design: rct\n"
	                   "quality: %d\n"
	                   "outcomes:\n"
	                   "  - crime_type: violence-with-injury\n"
	                   "    effect: {measure: risk-ratio, estimate: %.2f%s}\n"
	                   "    baseline: {rate: 0.%d, per: participant, years: 1}\n"
	                   "    follow_up_months: %d\n"
	                   "  - crime_type: reoffending\n"
	                   "    effect: {measure: risk-ratio, estimate: 0.9, ci95: [0.8, 1.0]}\n"
	                   "cost: {amount: %d, per: participant, price_year: 2019}\n"
	                   "submitted_by: Test Partner\n",
	                   id, iv, k, 2 + k % 4, rr, k % 3 ? ", ci95: [0.4, 1.1]" : "", 1 + k % 9,
	                   6 + 6 * (k % 5), 500 + 10 * k) > 0);
	return s;
}

static void seed_many(void)
{
	char c[41], path[64], id[32], ev[32];
	put_unit_cost(14050);
	gitrepo_write(&repo, "reference/deflators.yaml", gitrepo_deflators);
	for (int i = 0; i < MANY; i++) {
		snprintf(id, sizeof(id), "iv-%02d", i);
		snprintf(path, sizeof(path), "interventions/%s.yaml", id);
		put(path, gitrepo_intervention(id, id));
		for (int k = 0; k <= i % 3; k++) {
			snprintf(ev, sizeof(ev), "ev-%02d-%d", i, k);
			snprintf(path, sizeof(path), "evaluations/%s.yaml", ev);
			put(path, evaluation_k(ev, id, i * 3 + k));
		}
	}
	gitrepo_commit(&repo, "many", c);
	import_ok();
}

/* Rescores everything into an emptied table with the given thread count
 * ("" for the default); returns the rows in the order they were written,
 * every float to the bit, or NULL with the error in e. */
static char *rescore_rows(const char *threads, int *rescored, struct err *e)
{
	int rc;
	setenv("WHATWORKS_SCORE_THREADS", threads, 1);
	pgtest_exec(&pg, "TRUNCATE scores", 0, NULL);
	cr_assert_eq(db_begin(pg.conn, e), 0, "%s", e->msg);
	rc = db_score_refresh(pg.conn, 0, NULL, 1, rescored, e);
	unsetenv("WHATWORKS_SCORE_THREADS");
	if (rc < 0) {
		db_rollback(pg.conn);
		return NULL;
	}
	cr_assert_eq(db_commit(pg.conn, e), 0, "%s", e->msg);
	return pgtest_value(
	    &pg,
	    "SELECT string_agg(ROW(intervention, crime_type, run_id, params, figures, band,"
	    " float8send(bcr), float8send(npv), float8send(p_bcr_gt1), float8send(bcr_p05),"
	    " float8send(bcr_p95), evidence_rating, float8send(pct_change), harmful,"
	    " insufficient_reason, headline)::text, E'\\n' ORDER BY ctid) FROM scores",
	    0, NULL);
}

Test(scores, several_threads_write_the_rows_one_thread_writes)
{
	struct err e = {0};
	int n1 = 0, n4 = 0, nd = 0;
	seed_many();
	char *one = rescore_rows("1", &n1, &e), *four = rescore_rows("4", &n4, &e),
	     *dflt = rescore_rows("", &nd, &e);
	cr_assert(one && four && dflt, "%s", e.msg);
	cr_expect_eq(n1, MANY);
	cr_expect_eq(n4, MANY);
	cr_expect_eq(nd, MANY);
	cr_expect_str_eq(four, one);
	cr_expect_str_eq(dflt, one);
	/* and they are real scores of both kinds, one headline each */
	cr_expect_eq(pgtest_int(&pg, "SELECT count(*) FROM scores", 0, NULL), 2 * MANY);
	cr_expect_eq(pgtest_int(&pg, "SELECT count(*) FROM scores WHERE headline", 0, NULL), MANY);
	cr_expect_gt(pgtest_int(&pg,
	                        "SELECT count(*) FROM scores WHERE band <> 'insufficient'"
	                        " AND p_bcr_gt1 IS NOT NULL AND bcr_p05 IS NOT NULL",
	                        0, NULL),
	             5);
	cr_expect_gt(pgtest_int(&pg,
	                        "SELECT count(*) FROM scores WHERE crime_type ="
	                        " 'violence-with-injury' AND insufficient_reason ="
	                        " 'quality-too-low'",
	                        0, NULL),
	             5);
	free(one);
	free(four);
	free(dflt);
}

Test(scores, a_failure_on_several_threads_is_the_one_a_single_thread_meets)
{
	struct err e1 = {0}, e4 = {0};
	seed_many();
	pgtest_exec(&pg,
	            "UPDATE interventions SET body = jsonb_set(body, '{level}', '\"galaxy\"')"
	            " WHERE id IN ('iv-07', 'iv-31')",
	            0, NULL);
	long long before = pgtest_int(&pg, "SELECT count(*) FROM scores", 0, NULL);
	cr_assert_null(rescore_rows("1", NULL, &e1));
	cr_assert_null(rescore_rows("4", NULL, &e4));
	cr_expect(strstr(e1.msg, "could not score intervention \"iv-07\"") != NULL, "got: %s",
	          e1.msg);
	cr_expect_str_eq(e4.msg, e1.msg);
	cr_expect_eq(e4.code, WW_EINVALID);
	/* the connection is usable again and nothing was half written */
	cr_expect_eq(pgtest_int(&pg, "SELECT count(*) FROM scores", 0, NULL), 0);
	cr_expect_gt(before, 0);
}

Test(scores, ids_and_crime_types_that_need_escaping_are_stored_as_they_are)
{
	/* tab, newline, carriage return, backslash, quotes, COPY's null marker,
	 * non-ASCII: none of it can come through an import, all of it through
	 * the database */
	const char *iv = "iv-\ttab\nline\r\\back\"quote'\\N-caf\xc3\xa9-\xe2\x82\xac";
	const char *ct_null = "\\N", *ct_odd = "odd\tcrime\\type\n\"x\"-\xc3\xbc";
	struct err e = {0};
	int n = 0;
	seed();
	const char *p1[2] = {iv, ct_null};
	pgtest_exec(
	    &pg,
	    "UPDATE interventions SET id = $1, body = jsonb_set(body, '{id}', to_jsonb($1::text))"
	    " WHERE id = 'iv-a'",
	    1, p1);
	pgtest_exec(
	    &pg,
	    "UPDATE evaluations SET intervention = $1, body = jsonb_set(jsonb_set(body,"
	    " '{intervention}', to_jsonb($1::text)), '{outcomes,0,crime_type}', to_jsonb($2::text))"
	    " WHERE id = 'ev-a'",
	    2, p1);
	const char *p2[1] = {ct_odd};
	pgtest_exec(&pg,
	            "UPDATE evaluations SET body = jsonb_set(body, '{outcomes,0,crime_type}',"
	            " to_jsonb($1::text)) WHERE id = 'ev-b'",
	            1, p2);
	free(rescore_rows("1", &n, &e));
	cr_assert_eq(n, 2, "%s", e.msg);
	const char *q1[2] = {iv, ct_null};
	cr_expect_eq(pgtest_int(&pg,
	                        "SELECT count(*) FROM scores WHERE intervention = $1 AND"
	                        " crime_type = $2 AND figures->>'crime_type' = $2 AND headline"
	                        " AND insufficient_reason = 'no-unit-cost'",
	                        2, q1),
	             1);
	const char *q2[1] = {ct_odd};
	cr_expect_eq(pgtest_int(&pg,
	                        "SELECT count(*) FROM scores WHERE intervention = 'iv-b' AND"
	                        " crime_type = $1 AND figures->>'crime_type' = $1",
	                        1, q2),
	             1);
	cr_expect_eq(
	    pgtest_int(&pg, "SELECT count(*) FROM scores WHERE crime_type IS NULL", 0, NULL), 0);
	/* the figures are the model's JSON, byte for byte */
	const char *q3[1] = {iv};
	char *body = pgtest_value(&pg, "SELECT body::text FROM interventions WHERE id = $1", 1, q3);
	char *evs = pgtest_value(&pg,
	                         "SELECT jsonb_agg(body)::text FROM evaluations WHERE"
	                         " intervention = $1",
	                         1, q3);
	char *ref = NULL,
	     *stored = pgtest_value(&pg, "SELECT figures::text FROM scores WHERE intervention = $1",
	                            1, q3);
	json_t *jiv = json_loads(body, 0, NULL), *jevs = json_loads(evs, 0, NULL), *jref = NULL,
	       *scores = NULL;
	struct vfm_params p = vfm_params_default();
	cr_assert_eq(db_score_reference(&jref, pg.conn, &e), 0, "%s", e.msg);
	cr_assert_eq(vfm_score_intervention(&scores, jiv, jevs, jref, &p, &e), 0, "%s", e.msg);
	ref = json_dumps(json_array_get(scores, 0), JSON_COMPACT | JSON_REAL_PRECISION(15));
	cr_expect_str_eq(stored, ref);
	free(ref);
	free(stored);
	free(body);
	free(evs);
	json_decref(jiv);
	json_decref(jevs);
	json_decref(jref);
	json_decref(scores);
}

/* Every score row, every float to the bit, by intervention and crime type;
 * not the run that computed it. */
static char *rows_by_key(void)
{
	return pgtest_value(
	    &pg,
	    "SELECT string_agg(ROW(intervention, crime_type, params, figures, band,"
	    " float8send(bcr), float8send(npv), float8send(p_bcr_gt1), float8send(bcr_p05),"
	    " float8send(bcr_p95), evidence_rating, float8send(pct_change), harmful,"
	    " insufficient_reason, headline)::text, E'\\n' ORDER BY intervention, crime_type)"
	    " FROM scores",
	    0, NULL);
}

/* Import-time scores, computed from the documents before they are stored,
 * against scores of the same evidence read back from the database. */
static void expect_a_rescore_agrees(void)
{
	struct err e = {0};
	char *at_import = rows_by_key(), *again;

	cr_assert_eq(db_begin(pg.conn, &e), 0, "%s", e.msg);
	cr_assert_eq(db_score_refresh(pg.conn, 0, NULL, 1, NULL, &e), 0, "%s", e.msg);
	cr_assert_eq(db_commit(pg.conn, &e), 0, "%s", e.msg);
	again = rows_by_key();
	cr_expect_str_eq(again, at_import);
	free(at_import);
	free(again);
}

Test(scores, scores_at_import_equal_a_rescore_from_the_database)
{
	char c[41];

	/* a full import: every document is scored before it is stored */
	seed_many();
	expect_a_rescore_agrees();
	/* numbers the database stores differently from how they are written
	 * (a negative zero, more digits than it keeps); a new version of an
	 * intervention whose evaluations stay stored; an evaluation moved */
	put("evaluations/ev-odd.yaml",
	    strdup("kind: evaluation\nid: ev-odd\nintervention: iv-01\ntitle: Odd numbers\n"
	           "source: {citation: Test (2021), published: 2021}\ndesign: rct\nquality: 4\n"
	           "outcomes:\n  - crime_type: violence-with-injury\n"
	           "    effect: {measure: percent-change, estimate: -10.0, ci95: [-20.0, -0.0]}\n"
	           "    baseline: {rate: 0.12345678901234567, per: participant, years: 1}\n"
	           "cost: {amount: 1234.56789012345678, per: participant, price_year: 2019}\n"
	           "submitted_by: Test Partner\n"));
	put("interventions/iv-02.yaml", gitrepo_intervention("iv-02", "Renamed"));
	put("evaluations/ev-05-0.yaml", evaluation_k("ev-05-0", "iv-04", 7));
	gitrepo_commit(&repo, "odd numbers", c);
	import_ok();
	cr_expect_eq(
	    pgtest_int(&pg, "SELECT count(*) FROM scores WHERE intervention = 'iv-01'", 0, NULL),
	    2);
	expect_a_rescore_agrees();
}

/* Issue 9: the crosswalk, the reference baselines and their sources reach the
 * model through an import, and the break-even cost is stored in its column. */
Test(scores, crosswalk_and_reference_baseline_through_an_import)
{
	char c[41];

	gitrepo_write(&repo, "reference/deflators.yaml", gitrepo_deflators);
	gitrepo_write(&repo, "reference/reoffending.yaml",
	              "kind: unit-costs\nid: test-reoffending\ntitle: T\n"
	              "source: {citation: MoJ (2019), url: 'https://example.org/moj'}\n"
	              "entries:\n  - {crime_type: reoffender, amount: 10000, unit: reoffender,"
	              " public_purse: 4000, price_year: 2024, flag: verified}\n");
	gitrepo_write(&repo, "reference/crosswalk.yaml",
	              "kind: category-map\nid: test-crosswalk\ntitle: T\nsource: {citation: C}\n"
	              "entries:\n  - {crime_type: offending, unit_cost: reoffender,"
	              " rule: one who offends again is one reoffender}\n");
	gitrepo_write(&repo, "reference/baselines.yaml",
	              "kind: baselines\nid: test-baselines\ntitle: T\nsource: {citation: B}\n"
	              "entries:\n  - {crime_type: offending, cohort: adult, rate: 0.25,"
	              " per: participant, flag: verified, source: proven reoffending}\n");
	gitrepo_write(&repo, "interventions/a.yaml",
	              "kind: intervention\nid: iv-a\nname: A\nthemes: [knife-crime]\n"
	              "level: person\ncohort: adult\nsummary: S\n");
	gitrepo_write(&repo, "evaluations/a.yaml",
	              "kind: evaluation\nid: ev-a\nintervention: iv-a\ntitle: T\n"
	              "source: {citation: C}\ndesign: rct\nquality: 5\nsubmitted_by: S\n"
	              "outcomes:\n  - crime_type: offending\n"
	              "    effect: {measure: risk-ratio, estimate: 0.8, ci95: [0.7, 0.92]}\n");
	gitrepo_commit(&repo, "reference data of issue 9", c);
	import_ok();
	char *s = pgtest_value(
	    &pg,
	    "SELECT concat_ws(' ', band, insufficient_reason, round(breakeven_cost::numeric, 6),"
	    " implausible, figures->>'r_source', figures->>'r_reference',"
	    " figures->>'unit_cost_via', figures->>'unit_cost_key', figures->>'unit_cost_source',"
	    " figures->>'baseline_source', figures->>'pv_benefits_public')"
	    " FROM scores WHERE intervention = 'iv-a' AND crime_type = 'offending'",
	    0, NULL);
	/* r = 0.25 a year; 1 - 0.8 of it prevented; 10,000 a reoffender, 40 % public */
	cr_expect_str_eq(s, "insufficient no-cost 500.000000 f reference test-baselines "
	                    "crosswalk reoffender MoJ (2019) https://example.org/moj "
	                    "proven reoffending 200.0");
	free(s);
}
