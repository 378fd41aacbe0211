/*
 * test_version.c - what counts as a new version of the evidence base
 *
 * Only a run that changed evidence: not a re-import of the same commit, and
 * not a police-uk run (crime counts are not evidence), so dashboards polling
 * with If-None-Match are not sent the same evidence again.
 */
#include "api.h"
#include "pgtest.h"

#include <criterion/criterion.h>

static struct pgtest pg;

static void setup(void)
{
	pgtest_setup(&pg, "version");
	pgtest_exec(&pg,
	            "INSERT INTO sources (id, name, kind, location) VALUES"
	            " (1, 'evidence', 'git', '/srv/evidence'),"
	            " (2, 'police', 'police-uk', 'https://data.police.uk/api')",
	            0, NULL);
}

static void teardown(void)
{
	pgtest_teardown(&pg);
}

static void run(long long id, int source, const char *mode, const char *commit)
{
	char sid[24], src[8];
	const char *p[4] = {sid, src, mode, commit};
	snprintf(sid, sizeof(sid), "%lld", id);
	snprintf(src, sizeof(src), "%d", source);
	pgtest_exec(&pg,
	            "INSERT INTO import_runs (id, source_id, status, mode, commit)"
	            " VALUES ($1, $2, 'succeeded', $3, $4)",
	            4, p);
}

static struct api_version current(void)
{
	struct api_version v;
	struct err e = {0};
	cr_assert_eq(api_version_current(&v, pg.conn, &e), 0, "%s", e.msg);
	return v;
}

TestSuite(version, .init = setup, .fini = teardown, .timeout = 60);

Test(version, none_before_the_first_import)
{
	struct api_version v = current();
	cr_expect_eq(v.run_id, 0);
	cr_expect_str_eq(v.etag, "\"ev-0\"");
}

Test(version, reimports_and_police_uk_runs_are_not_versions)
{
	run(1, 1, "full", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
	struct api_version v1 = current();
	cr_expect_eq(v1.run_id, 1);

	run(2, 2, "full", NULL); /* crime counts */
	run(3, 1, "unchanged", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
	struct api_version v2 = current();
	cr_expect_eq(v2.run_id, 1);
	cr_expect_str_eq(v2.etag, v1.etag);
	cr_expect_str_eq(v2.commit, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");

	run(4, 1, "incremental", "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb");
	struct api_version v3 = current();
	cr_expect_eq(v3.run_id, 4);
	cr_expect_str_neq(v3.etag, v1.etag);
}
