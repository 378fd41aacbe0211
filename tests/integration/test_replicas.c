/*
 * test_replicas.c - daemons over a PostgreSQL primary and a streaming replica
 *
 * Real processes: the throwaway primary of tests/with-postgres.sh, a replica
 * made from it with pg_basebackup (tests/pgreplica.sh), `whatworks import` on
 * the primary and two `whatworks serve` reading from the replica.
 */
#include "clock.h"
#include "gitrepo.h"
#include "test_http_support.h"

#include <criterion/criterion.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static struct pgtest t;
static struct gitrepo g;
static char rep_dir[256], rep_conninfo[1024], data_dir[256];

static void replica(const char *cmd)
{
	const char *primary = getenv("WHATWORKS_TEST_PGDIR");
	char line[1024], out[512] = "";
	FILE *p;

	cr_assert(primary != NULL,
	          "WHATWORKS_TEST_PGDIR is not set: run through 'make integration'");
	snprintf(line, sizeof(line), "tests/pgreplica.sh %s '%s' '%s'", cmd, rep_dir, primary);
	p = popen(line, "r");
	cr_assert(p != NULL);
	if (fgets(out, sizeof(out), p) == NULL)
		out[0] = '\0';
	cr_assert_eq(pclose(p), 0, "pgreplica.sh %s failed; see %s", cmd, rep_dir);
	if (strcmp(cmd, "start") == 0) {
		char *nl = strchr(out, '\n'), *db = strstr(out, "dbname=");
		if (nl != NULL)
			*nl = '\0';
		cr_assert(db != NULL, "pgreplica.sh printed no conninfo: %s", out);
		*db = '\0';
		cr_assert(snprintf(rep_conninfo, sizeof(rep_conninfo), "%sdbname=%s", out,
		                   t.dbname) < (int)sizeof(rep_conninfo),
		          "replica conninfo too long: %s", out);
	}
}

/* A value from the replica, or -1 when it cannot answer (yet). */
static long long replica_int(const char *sql)
{
	PGconn *c = PQconnectdb(rep_conninfo);
	long long v = -1;
	if (PQstatus(c) == CONNECTION_OK) {
		PGresult *r = PQexec(c, sql);
		if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1)
			v = atoll(PQgetvalue(r, 0, 0));
		PQclear(r);
	}
	PQfinish(c);
	return v;
}

static void import_now(void)
{
	char cmd[2048];
	snprintf(
	    cmd, sizeof(cmd),
	    "WHATWORKS_DATABASE_URL='%s' WHATWORKS_DATA_DIR='%s' '%s' import git --name evidence"
	    " --repo '%s' >>'%s/import.log' 2>&1",
	    t.conninfo, data_dir, getenv("WHATWORKS_BIN"), g.dir, data_dir);
	cr_assert_eq(system(cmd), 0, "import failed; see %s/import.log", data_dir);
}

static void add_intervention(const char *id)
{
	char path[128], commit[41], *doc = gitrepo_intervention(id, id);
	snprintf(path, sizeof(path), "interventions/%s.yaml", id);
	gitrepo_write(&g, path, doc);
	free(doc);
	gitrepo_commit(&g, id, commit);
}

static void setup(void)
{
	pgtest_setup(&t, "replicas");
	tmpdir_make(rep_dir, sizeof(rep_dir));
	tmpdir_make(data_dir, sizeof(data_dir));
	gitrepo_init(&g);
	add_intervention("alpha");
	add_intervention("bravo");
	add_intervention("charlie");
	import_now();
	replica("start");
}

static void teardown(void)
{
	replica("stop");
	gitrepo_remove(&g);
	tmpdir_remove(rep_dir);
	tmpdir_remove(data_dir);
	pgtest_teardown(&t);
}

static void start_daemon(struct ht_daemon *d, const char *ttl)
{
	const char *args[] = {"--read-database-url", rep_conninfo, "--version-ttl-ms", ttl, NULL};
	ht_start(d, t.conninfo, args);
}

/* "replica" or "primary", as /readyz says reads are served. */
static const char *reads_of(const struct ht_daemon *d, char *buf, size_t size)
{
	struct ht_resp r;
	json_t *doc;
	ht_get(&r, d, "/readyz");
	doc = ht_json(&r);
	snprintf(buf, size, "%s",
	         json_string_value(json_object_get(json_object_get(doc, "database"), "reads"))
	             ?: "");
	json_decref(doc);
	ht_free(&r);
	return buf;
}

static int wait_reads(const struct ht_daemon *d, const char *want)
{
	char buf[32];
	for (int i = 0; i < 400; i++) {
		if (strcmp(reads_of(d, buf, sizeof(buf)), want) == 0)
			return 1;
		usleep(25000);
	}
	return 0;
}

static long long run_of(const struct ht_daemon *d)
{
	struct ht_resp r;
	char v[160];
	long long run = -1;
	ht_get(&r, d, "/v1/interventions?limit=1");
	if (r.status == 200 && ht_header(&r, "X-Evidence-Version", v, sizeof(v)) != NULL)
		sscanf(v, "run=%lld", &run);
	ht_free(&r);
	return run;
}

TestSuite(replicas, .init = setup, .fini = teardown, .timeout = 120);

Test(replicas, reads_from_the_replica_and_the_primary_when_it_is_gone)
{
	struct ht_daemon d;
	struct ht_resp r;
	char buf[32];

	start_daemon(&d, "250");
	cr_assert(wait_reads(&d, "replica"), "reads never went to the replica; see %s", d.log);
	/* the daemon's reading connection is on the replica (the first read of
	 * a version may go to the primary until the replica is seen past it) */
	char sql[256];
	long long on_replica = 0;
	snprintf(sql, sizeof(sql),
	         "SELECT count(*) FROM pg_stat_activity WHERE datname = '%s'"
	         " AND application_name = 'whatworks-serve'",
	         t.dbname);
	for (int i = 0; i < 100 && on_replica < 1; i++) {
		ht_get(&r, &d, "/v1/interventions");
		cr_assert_eq(r.status, 200, "%s", r.body);
		ht_free(&r);
		on_replica = replica_int(sql);
		usleep(20000);
	}
	cr_expect_geq(on_replica, 1, "no serving connection on the replica");

	/* the replica stops: every request is still answered, by the primary */
	replica("stop");
	for (int i = 0; i < 40; i++) {
		ht_get(&r, &d, "/v1/interventions?theme=knife-crime");
		cr_assert_eq(r.status, 200, "request %d failed while the replica was down: %s", i,
		             r.body);
		ht_free(&r);
	}
	cr_assert(wait_reads(&d, "primary"), "the replica was never left out; see %s", d.log);
	ht_get(&r, &d, "/v1/interventions/alpha");
	cr_expect_eq(r.status, 200);
	ht_free(&r);

	/* and comes back */
	replica("start");
	cr_assert(wait_reads(&d, "replica"), "the replica never came back; see %s", d.log);
	cr_expect_str_eq(reads_of(&d, buf, sizeof(buf)), "replica");
	ht_stop(&d);
}

Test(replicas, an_import_reaches_both_daemons_by_notify)
{
	struct ht_daemon a, b;
	long long before, t0, seen_a = -1, seen_b = -1;

	/* a version TTL of a minute: only the NOTIFY can make them look again */
	start_daemon(&a, "60000");
	start_daemon(&b, "60000");
	cr_assert(wait_reads(&a, "replica") && wait_reads(&b, "replica"));
	before = run_of(&a);
	cr_assert_gt(before, 0);
	cr_assert_eq(run_of(&b), before);

	add_intervention("delta");
	t0 = clock_ns() / 1000000;
	import_now();
	long long imported =
	    pgtest_int(&t, "SELECT max(id) FROM import_runs WHERE status = 'succeeded'", 0, NULL);
	cr_assert_gt(imported, before);
	for (int i = 0; i < 400 && (seen_a < 0 || seen_b < 0); i++) {
		if (seen_a < 0 && run_of(&a) == imported)
			seen_a = clock_ns() / 1000000 - t0;
		if (seen_b < 0 && run_of(&b) == imported)
			seen_b = clock_ns() / 1000000 - t0;
		usleep(10000);
	}
	cr_log_info("import visible after %lld ms (daemon a), %lld ms (daemon b)", seen_a, seen_b);
	cr_assert_geq(seen_a, 0, "daemon a never served the new run; see %s", a.log);
	cr_assert_geq(seen_b, 0, "daemon b never served the new run; see %s", b.log);
	struct ht_resp r;
	ht_get(&r, &b, "/v1/interventions/delta");
	cr_expect_eq(r.status, 200);
	ht_free(&r);
	ht_stop(&a);
	ht_stop(&b);
}

/* Walks /v1/interventions one row a page, taking each page from the daemon
 * turn names; ids collected into out. Returns how many. */
static int walk(struct ht_daemon *const *d, int nd, char out[][64], int max, int import_at)
{
	char target[1024] = "/v1/interventions?limit=1&sort=name";
	int n = 0;

	for (int page = 0; page < 20; page++) {
		struct ht_resp r;
		json_t *doc, *row;
		size_t i;
		const char *next;

		if (page == import_at) {
			add_intervention(
			    "aardvark"); /* sorts first: a walk that moved would repeat */
			import_now();
		}
		ht_get(&r, d[page % nd], target);
		cr_assert_eq(r.status, 200, "page %d: %s", page, r.body);
		doc = ht_json(&r);
		json_array_foreach(json_object_get(doc, "data"), i, row)
		{
			cr_assert_lt(n, max);
			snprintf(out[n++], 64, "%s", json_string_value(json_object_get(row, "id")));
		}
		next =
		    json_string_value(json_object_get(json_object_get(doc, "meta"), "next_cursor"));
		if (next != NULL)
			snprintf(target, sizeof(target),
			         "/v1/interventions?limit=1&sort=name&cursor=%s", next);
		json_decref(doc);
		ht_free(&r);
		if (next == NULL)
			return n;
	}
	cr_assert_fail("the walk did not end");
	return n;
}

Test(replicas, a_cursor_walk_moves_between_daemons_without_repeats_or_gaps)
{
	struct ht_daemon a, b;
	struct ht_daemon *both[2] = {&a, &b};
	char one[16][64], two[16][64];
	int n1, n2;

	start_daemon(&a, "250");
	start_daemon(&b, "250");
	cr_assert(wait_reads(&a, "replica") && wait_reads(&b, "replica"));
	n1 = walk(both, 1, one, 16, -1);
	/* the same walk across both daemons, with an import landing mid-walk */
	n2 = walk(both, 2, two, 16, 1);
	cr_assert_eq(n1, 3);
	cr_assert_eq(n2, n1, "the walk across daemons saw %d rows, not %d", n2, n1);
	for (int i = 0; i < n1; i++)
		cr_expect_str_eq(two[i], one[i], "row %d", i);
	ht_stop(&a);
	ht_stop(&b);
}

Test(replicas, two_daemons_never_import_one_source_at_once)
{
	struct ht_daemon a, b;
	char conf[300];
	FILE *f;

	snprintf(conf, sizeof(conf), "%s/sources.conf", data_dir);
	f = fopen(conf, "w");
	cr_assert(f != NULL);
	fprintf(f, "[evidence]\nkind = git\nlocation = %s\ninterval = 1s\njitter = 0\n", g.dir);
	fclose(f);
	const char *args[] = {"--sources", conf, "--read-database-url", rep_conninfo, NULL};
	ht_start(&a, t.conninfo, args);
	ht_start(&b, t.conninfo, args);
	for (int i = 0; i < 6; i++) {
		char id[16];
		snprintf(id, sizeof(id), "echo%d", i);
		add_intervention(id);
		usleep(700000);
	}
	/* the second daemon's scheduler carries on when the first is killed */
	kill(a.pid, SIGKILL);
	waitpid(a.pid, NULL, 0);
	add_intervention("foxtrot");
	long long found = 0;
	for (int i = 0; i < 200 && found == 0; i++) {
		found = pgtest_int(&t, "SELECT count(*) FROM interventions WHERE id = 'foxtrot'", 0,
		                   NULL);
		usleep(50000);
	}
	cr_expect_eq(found, 1, "the surviving daemon never imported; see %s", b.log);
	ht_stop(&b);
	long long runs = pgtest_int(&t, "SELECT count(*) FROM import_runs", 0, NULL);
	long long overlaps = pgtest_int(
	    &t,
	    "SELECT count(*) FROM import_runs x JOIN import_runs y ON x.source_id = y.source_id"
	    " AND x.id < y.id WHERE x.finished_at IS NOT NULL AND y.finished_at IS NOT NULL"
	    " AND tstzrange(x.started_at, x.finished_at)"
	    " && tstzrange(y.started_at, y.finished_at)",
	    0, NULL);
	cr_log_info("%lld import runs by two daemons, %lld overlapping", runs, overlaps);
	cr_expect_gt(runs, 2);
	cr_expect_eq(overlaps, 0, "two runs of one source overlapped");
}

static void replica_exec(const char *sql)
{
	PGconn *c = PQconnectdb(rep_conninfo);
	cr_assert_eq(PQstatus(c), CONNECTION_OK, "%s", PQerrorMessage(c));
	PGresult *r = PQexec(c, sql);
	cr_assert_eq(PQresultStatus(r), PGRES_TUPLES_OK, "%s", PQerrorMessage(c));
	PQclear(r);
	PQfinish(c);
}

Test(replicas, a_replica_behind_the_version_never_answers_for_it)
{
	struct ht_daemon d, strict;
	struct ht_resp r;
	const char *lax[] = {"--read-database-url", rep_conninfo, "--read-max-lag-ms", "600000",
	                     NULL};
	const char *tight[] = {"--read-database-url", rep_conninfo, "--read-max-lag-ms", "300",
	                       NULL};
	char buf[32];

	ht_start(&d, t.conninfo, lax);
	ht_start(&strict, t.conninfo, tight);
	cr_assert(wait_reads(&d, "replica") && wait_reads(&strict, "replica"));
	replica_exec("SELECT pg_wal_replay_pause()");
	add_intervention("delta");
	import_now();
	long long imported =
	    pgtest_int(&t, "SELECT max(id) FROM import_runs WHERE status = 'succeeded'", 0, NULL);
	/* the replica has not replayed the new run: the primary answers for it */
	long long run = -1;
	for (int i = 0; i < 200 && run != imported; i++) {
		run = run_of(&d);
		usleep(10000);
	}
	cr_assert_eq(run, imported, "the daemon never served the new version; see %s", d.log);
	ht_get(&r, &d, "/v1/interventions/delta");
	cr_expect_eq(r.status, 200, "a replica behind the version answered: %s", r.body);
	ht_free(&r);
	ht_get(&r, &d, "/v1/interventions?limit=100");
	cr_expect(strstr(r.body, "\"delta\"") != NULL, "the list came from the old run");
	ht_free(&r);
	/* past the lag bound, the replica is left out and /readyz says so */
	cr_expect(wait_reads(&strict, "primary"), "a lagging replica was kept; see %s", strict.log);
	cr_expect_str_eq(reads_of(&d, buf, sizeof(buf)), "replica");
	replica_exec("SELECT pg_wal_replay_resume()");
	cr_expect(wait_reads(&strict, "replica"), "the replica never caught up");
	ht_stop(&d);
	ht_stop(&strict);
}
