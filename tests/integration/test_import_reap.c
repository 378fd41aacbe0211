/*
 * test_import_reap.c - a run whose importing process was killed shows as
 * failed as soon as its database session is gone (issue 10 item 7)
 */
#include "apitest.h"
#include "db_import.h"
#include "pgtest.h"

#include <criterion/criterion.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char *status_of(json_t *data, long long id)
{
	size_t i;
	json_t *it;
	json_array_foreach(data, i,
	                   it) if (json_integer_value(json_object_get(it, "id")) ==
	                           id) return json_string_value(json_object_get(it, "status"));
	return "";
}

Test(import_reap, killed_runs_fail_live_runs_stay, .timeout = 60)
{
	struct pgtest t;
	struct err e = {0};
	struct api_result r;
	PGconn *killed, *alive;
	long long dead_run, live_run;

	pgtest_setup(&t, "reap");
	pgtest_exec(&t,
	            "INSERT INTO sources (id, name, kind, location) VALUES"
	            " (1, 'a', 'git', '/a'), (2, 'b', 'git', '/b')",
	            0, NULL);
	cr_assert_eq(db_connect(&killed, t.conninfo, &e), 0, "%s", e.msg);
	cr_assert_eq(db_connect(&alive, t.conninfo, &e), 0, "%s", e.msg);
	cr_assert_eq(db_run_start(killed, 1, "manual", &dead_run, &e), 0, "%s", e.msg);
	cr_assert_eq(db_run_start(alive, 2, "manual", &live_run, &e), 0, "%s", e.msg);
	/* the process dies: its session ends, and nothing runs source a again */
	PQfinish(killed);
	for (int i = 0; i < 100 && pgtest_int(&t,
	                                      "SELECT count(*) FROM pg_stat_activity a JOIN"
	                                      " import_runs r ON r.backend_pid = a.pid",
	                                      0, NULL) > 1;
	     i++)
		usleep(20000);
	apitest_ok(t.conn, api_imports_list, &r, NOPARAMS);
	cr_expect_str_eq(status_of(apitest_data(&r), dead_run), "failed");
	cr_expect_str_eq(status_of(apitest_data(&r), live_run), "running");
	api_result_free(&r);
	PQfinish(alive);
	pgtest_teardown(&t);
}

/* An import waiting for a source another session holds says for whom, and
 * gives up after its timeout with an error naming the holder (it waited
 * silently for ever before). */
Test(import_reap, waiting_for_a_busy_source_times_out, .timeout = 60)
{
	struct pgtest t;
	struct err e = {0};
	PGconn *holder, *waiter;
	long long run;
	char want[64];

	pgtest_setup(&t, "lockwait");
	pgtest_exec(&t,
	            "INSERT INTO sources (id, name, kind, location) VALUES (1, 'a', 'git', '/a')",
	            0, NULL);
	cr_assert_eq(db_connect(&holder, t.conninfo, &e), 0, "%s", e.msg);
	cr_assert_eq(db_connect(&waiter, t.conninfo, &e), 0, "%s", e.msg);
	cr_assert_eq(db_source_lock(holder, 1, &e), 0, "%s", e.msg);
	cr_assert_eq(db_run_start(holder, 1, "schedule", &run, &e), 0, "%s", e.msg);
	cr_expect_eq(db_source_lock_wait(waiter, 1, "a", 1, &e), WW_ECONFLICT, "%s", e.msg);
	snprintf(want, sizeof(want), "source \"a\" is busy: run %lld (schedule trigger", run);
	cr_expect(strstr(e.msg, want) != NULL, "%s", e.msg);
	/* once the holder is gone it is taken at once */
	err_clear(&e);
	db_source_unlock(holder, 1);
	cr_expect_eq(db_source_lock_wait(waiter, 1, "a", 1, &e), 0, "%s", e.msg);
	PQfinish(holder);
	PQfinish(waiter);
	pgtest_teardown(&t);
}
