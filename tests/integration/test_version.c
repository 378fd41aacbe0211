/*
 * test_version.c - what counts as a new version of the evidence base
 *
 * Only a run that changed evidence: not a re-import of the same commit, and
 * not a police-uk run (crime counts are not evidence), so dashboards polling
 * with If-None-Match are not sent the same evidence again.
 */
#include "api.h"
#include "db_pool.h"
#include "http.h"
#include "pgtest.h"

#include <criterion/criterion.h>
#include <pthread.h>
#include <unistd.h>

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

/* ---- the version thread of `whatworks serve` (http_version.c) ---- */

struct seen {
	pthread_mutex_t lock;
	int reads, failures;
	long long run_id;
};

static void on_seen(void *cls, const struct api_version *v)
{
	struct seen *s = cls;
	pthread_mutex_lock(&s->lock);
	s->reads++;
	if (v != NULL)
		s->run_id = v->run_id;
	else
		s->failures++;
	pthread_mutex_unlock(&s->lock);
}

/* Waits (up to 20 s, never asserting on time) until the thread saw want. */
static int wait_seen(struct seen *s, long long want_run, int want_failures)
{
	for (int i = 0; i < 2000; i++) {
		pthread_mutex_lock(&s->lock);
		int ok = want_failures ? s->failures >= want_failures
		                       : (s->reads > 0 && s->run_id == want_run);
		pthread_mutex_unlock(&s->lock);
		if (ok)
			return 1;
		usleep(10000);
	}
	return 0;
}

Test(version, the_watch_thread_reads_new_versions_without_requests)
{
	struct db_pool *pool;
	struct http_version_watch *w;
	struct seen s = {PTHREAD_MUTEX_INITIALIZER, 0, 0, -1};
	struct err e = {0};

	cr_assert_eq(db_pool_new(&pool, pg.conninfo, 1, 0, &e), 0, "%s", e.msg);
	cr_assert_eq(http_version_watch_start(&w, pool, 20, 2000, 0, on_seen, &s), 0);
	cr_expect(wait_seen(&s, 0, 0), "the version before any import was read");
	run(1, 1, "full", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
	cr_expect(wait_seen(&s, 1, 0), "run 1 was seen without anyone asking");
	run(2, 1, "incremental", "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb");
	cr_expect(wait_seen(&s, 2, 0), "run 2 was seen");
	http_version_watch_stop(w);
	db_pool_free(pool);
	cr_expect_eq(s.failures, 0);
}

Test(version, the_watch_thread_reports_a_database_it_cannot_reach)
{
	struct db_pool *pool;
	struct http_version_watch *w;
	struct seen s = {PTHREAD_MUTEX_INITIALIZER, 0, 0, -1};
	struct err e = {0};

	cr_assert_eq(db_pool_new(&pool, "host=/nonexistent-ww-dir dbname=none", 1, 0, &e), 0, "%s",
	             e.msg);
	cr_assert_eq(http_version_watch_start(&w, pool, 20, 2000, 0, on_seen, &s), 0);
	cr_expect(wait_seen(&s, 0, 2), "each failed read is passed on as no version");
	http_version_watch_stop(w);
	db_pool_free(pool);
}
