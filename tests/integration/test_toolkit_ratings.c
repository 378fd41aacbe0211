/*
 * test_toolkit_ratings.c - an intervention's toolkit_ratings go from the YAML
 * through an import into the body that GET /interventions/{id} returns
 */
#include "api.h"
#include "apitest.h"
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
	pgtest_setup(&pg, "toolkit");
	gitrepo_init(&repo);
	tmpdir_make(data_dir, sizeof(data_dir));
}

static void teardown(void)
{
	pgtest_teardown(&pg);
	gitrepo_remove(&repo);
	tmpdir_remove(data_dir);
}

TestSuite(toolkit_ratings, .init = setup, .fini = teardown, .timeout = 60);

Test(toolkit_ratings, imported_and_served_in_the_intervention_body)
{
	char c1[41], *doc = NULL, *base = gitrepo_intervention("mentoring", "Mentoring");
	struct import_git_opts o = {.name = "partner", .location = repo.dir, .data_dir = data_dir};
	struct import_result res;
	struct api_result r;
	struct err e = {0};
	json_t *tr, *first;

	cr_assert(asprintf(&doc,
	                   "%stoolkit_ratings:\n"
	                   "  - toolkit: yef\n"
	                   "    rating: 'impact: moderate; evidence security: 3/5'\n"
	                   "    url: https://youthendowmentfund.org.uk/toolkit/mentoring/\n"
	                   "    seen: 2026-12\n"
	                   "  - {toolkit: college-of-policing, rating: reduced crime}\n",
	                   base) > 0);
	free(base);
	gitrepo_write(&repo, "interventions/mentoring.yaml", doc);
	free(doc);
	gitrepo_commit(&repo, "mentoring with toolkit ratings", c1);
	cr_assert_eq(import_git(pg.conn, &o, &res, &e), 0, "%s", e.msg);
	import_result_free(&res);

	cr_assert_eq(api_intervention_get(&r, pg.conn, "mentoring", NOPARAMS, &e), 0, "%s", e.msg);
	tr = json_object_get(json_object_get(apitest_data(&r), "body"), "toolkit_ratings");
	cr_assert_eq(json_array_size(tr), 2);
	first = json_array_get(tr, 0);
	cr_expect_str_eq(json_string_value(json_object_get(first, "toolkit")), "yef");
	cr_expect_str_eq(json_string_value(json_object_get(first, "rating")),
	                 "impact: moderate; evidence security: 3/5");
	cr_expect_str_eq(json_string_value(json_object_get(first, "url")),
	                 "https://youthendowmentfund.org.uk/toolkit/mentoring/");
	cr_expect_str_eq(json_string_value(json_object_get(first, "seen")), "2026-12");
	cr_expect_str_eq(json_string_value(json_object_get(json_array_get(tr, 1), "toolkit")),
	                 "college-of-policing");
	cr_expect_null(json_object_get(json_array_get(tr, 1), "url"));
	api_result_free(&r);
}
