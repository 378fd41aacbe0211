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

static const char unit_costs[] = "kind: unit-costs\n"
                                 "id: test-unit-costs\n"
                                 "title: Test unit costs\n"
                                 "source: {citation: Test (2018)}\n"
                                 "entries:\n"
                                 "  - {crime_type: violence-with-injury, amount: %d, unit: crime,"
                                 " price_year: 2015, flag: secondary}\n";
static const char deflators[] = "kind: deflators\n"
                                "id: test-deflators\n"
                                "title: Test deflators\n"
                                "source: {citation: Test (2026)}\n"
                                "base: 2024-25 = 100\n"
                                "entries:\n"
                                "  - {year: 2015, index: 74.5804, flag: secondary}\n"
                                "  - {year: 2019, index: 80.8738, flag: secondary}\n"
                                "  - {year: 2024, index: 100.0, flag: secondary}\n";

static void setup(void)
{
	pgtest_setup(&pg, "scores");
	gitrepo_init(&repo);
	snprintf(data_dir, sizeof(data_dir), "/tmp/ww-data.XXXXXX");
	cr_assert(mkdtemp(data_dir) != NULL);
}

static void teardown(void)
{
	char cmd[300];
	pgtest_teardown(&pg);
	gitrepo_remove(&repo);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", data_dir);
	cr_assert(system(cmd) == 0);
}

static void put(const char *path, char *doc)
{
	gitrepo_write(&repo, path, doc);
	free(doc);
}

static void put_unit_cost(int amount)
{
	char *s = NULL;
	cr_assert(asprintf(&s, unit_costs, amount) > 0);
	put("reference/unit-costs.yaml", s);
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
	gitrepo_write(&repo, "reference/deflators.yaml", deflators);
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
