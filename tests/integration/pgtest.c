/*
 * pgtest.c - a fresh, migrated database per test
 */
#include "pgtest.h"

#include <criterion/criterion.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *maintenance(void)
{
	const char *c = getenv("WHATWORKS_TEST_PG");
	cr_assert(c != NULL && c[0] != '\0',
	          "WHATWORKS_TEST_PG is not set: run the integration tests through "
	          "tests/with-postgres.sh (make test does)");
	return c;
}

/* Replace dbname=... in the maintenance conninfo. */
static void conninfo_for(char *out, size_t size, const char *base, const char *db)
{
	const char *p = strstr(base, "dbname=");
	if (p == NULL) {
		snprintf(out, size, "%s dbname=%s", base, db);
		return;
	}
	const char *end = strchr(p, ' ');
	snprintf(out, size, "%.*sdbname=%s%s", (int)(p - base), base, db, end ? end : "");
}

static void admin(const char *sql)
{
	PGconn *c = PQconnectdb(maintenance());
	cr_assert(PQstatus(c) == CONNECTION_OK, "could not connect to the test cluster: %s",
	          PQerrorMessage(c));
	PGresult *r = PQexec(c, sql);
	cr_assert(PQresultStatus(r) == PGRES_COMMAND_OK, "%s: %s", sql, PQresultErrorMessage(r));
	PQclear(r);
	PQfinish(c);
}

void pgtest_setup(struct pgtest *t, const char *prefix)
{
	static int counter;
	char sql[160];
	struct err e = {0};

	memset(t, 0, sizeof(*t));
	snprintf(t->dbname, sizeof(t->dbname), "t_%s_%d_%d", prefix, (int)getpid(), ++counter);
	for (char *p = t->dbname; *p; p++)
		if (*p == '-')
			*p = '_';
	snprintf(sql, sizeof(sql), "CREATE DATABASE %s", t->dbname);
	admin(sql);
	conninfo_for(t->conninfo, sizeof(t->conninfo), maintenance(), t->dbname);
	cr_assert_eq(db_connect(&t->conn, t->conninfo, &e), 0, "%s", e.msg);
	cr_assert_eq(db_migrate(t->conn, NULL, &e), 0, "%s", e.msg);
}

void pgtest_teardown(struct pgtest *t)
{
	char sql[160];

	db_close(t->conn);
	t->conn = NULL;
	if (t->dbname[0] == '\0')
		return;
	snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s WITH (FORCE)", t->dbname);
	admin(sql);
}

static PGresult *run(struct pgtest *t, const char *sql, int n, const char *const *params)
{
	PGresult *r = PQexecParams(t->conn, sql, n, NULL, params, NULL, NULL, 0);
	ExecStatusType st = PQresultStatus(r);
	cr_assert(st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK, "%s: %s", sql,
	          PQresultErrorMessage(r));
	return r;
}

void pgtest_exec(struct pgtest *t, const char *sql, int nparams, const char *const *params)
{
	PQclear(run(t, sql, nparams, params));
}

char *pgtest_value(struct pgtest *t, const char *sql, int nparams, const char *const *params)
{
	PGresult *r = run(t, sql, nparams, params);
	cr_assert(PQntuples(r) > 0, "no rows from %s", sql);
	char *v = strdup(PQgetisnull(r, 0, 0) ? "" : PQgetvalue(r, 0, 0));
	PQclear(r);
	return v;
}

long long pgtest_int(struct pgtest *t, const char *sql, int nparams, const char *const *params)
{
	char *v = pgtest_value(t, sql, nparams, params);
	long long n = atoll(v);
	free(v);
	return n;
}
