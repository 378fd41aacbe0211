/*
 * pgtest.h - a fresh, migrated database per test in the throwaway cluster
 *
 * tests/with-postgres.sh starts the cluster and sets WHATWORKS_TEST_PG (a
 * conninfo to its maintenance database). A test that needs PostgreSQL and
 * finds it unset fails: database tests are never skipped.
 */
#ifndef WW_PGTEST_H
#define WW_PGTEST_H

#include "db.h"

struct pgtest {
	char dbname[64];
	char conninfo[512]; /* conninfo of the test's own database */
	PGconn *conn;       /* connected and migrated */
};

/* Creates a database named after prefix and a counter, migrates it and
 * connects. Aborts the test (cr_assert) on any failure. */
void pgtest_setup(struct pgtest *t, const char *prefix);
/* Closes and drops the database. */
void pgtest_teardown(struct pgtest *t);

/* Runs SQL with parameters on t->conn, asserting success. */
void pgtest_exec(struct pgtest *t, const char *sql, int nparams, const char *const *params);
/* Runs a one-value query and returns a malloc'd copy of row 0 col 0 ("" for NULL). */
char *pgtest_value(struct pgtest *t, const char *sql, int nparams, const char *const *params);
/* Returns the value as a long long. */
long long pgtest_int(struct pgtest *t, const char *sql, int nparams, const char *const *params);

#endif
