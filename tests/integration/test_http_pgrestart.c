/*
 * test_http_pgrestart.c - PostgreSQL stopped and started under a running
 * daemon: 503 with Retry-After while it is down, recovery without a restart
 *
 * The test starts its own cluster (service/pgcluster.sh on a temporary
 * directory) so stopping it disturbs no other test.
 */
#include "test_http_support.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[] = "/tmp/whatworks-pgrestart-XXXXXX";

static void cluster(const char *cmd, char *out, size_t size)
{
	char line[1024];
	FILE *p;

	snprintf(line, sizeof(line), "service/pgcluster.sh %s %s", cmd, dir);
	p = popen(line, "r");
	cr_assert_not_null(p);
	if (out != NULL) {
		out[0] = '\0';
		if (fgets(out, (int)size, p) != NULL)
			out[strcspn(out, "\n")] = '\0';
	}
	while (fgetc(p) != EOF)
		;
	cr_assert_eq(pclose(p), 0, "pgcluster.sh %s %s failed", cmd, dir);
}

static void cleanup(void)
{
	char line[1024];
	cluster("stop", NULL, 0);
	snprintf(line, sizeof(line), "rm -rf %s", dir);
	cr_expect_eq(system(line), 0);
}

Test(http_pgrestart, recovers_without_a_restart, .timeout = 120, .fini = cleanup)
{
	char conninfo[512], buf[64];
	struct pgtest db;
	struct ht_daemon d;
	struct ht_resp r;
	long st = 0;

	cr_assert_not_null(mkdtemp(dir));
	cluster("start", conninfo, sizeof(conninfo));
	/* pgtest makes its databases in the cluster WHATWORKS_TEST_PG names */
	setenv("WHATWORKS_TEST_PG", conninfo, 1);
	pgtest_setup(&db, "pgrestart");
	ht_fixture(&db);
	ht_start(&d, db.conninfo, (const char *const[]){"--retry-after", "3", NULL});
	ht_get(&r, &d, "/v1/interventions");
	cr_assert_eq(r.status, 200, "%s", r.body);
	ht_free(&r);
	db_close(db.conn);
	db.conn = NULL;

	cluster("stop", NULL, 0);
	/* the cached version may answer for up to 250 ms; then 503 */
	usleep(400000);
	ht_get(&r, &d, "/v1/evaluations");
	cr_expect_eq(r.status, 503, "%s", r.body);
	cr_expect_str_eq(ht_header(&r, "Retry-After", buf, sizeof(buf)), "3");
	json_t *j = ht_json(&r);
	cr_expect_str_eq(json_string_value(json_object_get(json_object_get(j, "error"), "code")),
	                 "unavailable");
	json_decref(j);
	ht_free(&r);
	ht_get(&r, &d, "/readyz");
	cr_expect_eq(r.status, 503);
	ht_free(&r);
	ht_get(&r, &d, "/healthz");
	cr_expect_eq(r.status, 200, "the process must stay alive");
	ht_free(&r);

	cluster("start", NULL, 0);
	for (int i = 0; i < 100 && st != 200; i++) {
		ht_get(&r, &d, "/v1/evaluations");
		st = r.status;
		ht_free(&r);
		if (st != 200)
			usleep(100000);
	}
	cr_expect_eq(st, 200, "no recovery within 10 s of PostgreSQL's return");
	ht_get(&r, &d, "/readyz");
	cr_expect_eq(r.status, 200, "%s", r.body);
	ht_free(&r);
	cr_expect_eq(ht_stop(&d), 0);
	cr_assert_eq(db_connect(&db.conn, db.conninfo, &(struct err){0}), 0);
	pgtest_teardown(&db);
}
