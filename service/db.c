/*
 * db.c - connections, transactions and embedded migrations
 */
#include "db.h"
#include "clock.h"
#include "log.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Generated at build time from schema/NNN_*.sql (see the Makefile). */
struct db_migration {
	int version;
	const char *name;
	const char *sql;
};
extern const struct db_migration db_migrations[];
extern const int db_migration_count;

/* An arbitrary constant: the advisory lock key for migrations. */
#define MIGRATION_LOCK_KEY "7274730001"

const char *db_conninfo(char *buf, size_t size)
{
	const char *url = getenv("WHATWORKS_DATABASE_URL");
	const char *dir = getenv("WHATWORKS_DATA_DIR");
	char cwd[4096];

	if (url != NULL && url[0] != '\0') {
		snprintf(buf, size, "%s", url);
		return buf;
	}
	if (dir == NULL || dir[0] == '\0') {
		if (getcwd(cwd, sizeof(cwd)) == NULL)
			snprintf(cwd, sizeof(cwd), ".");
		snprintf(buf, size, "host=%s/var dbname=whatworks user=%s", cwd,
		         geteuid() == 0 ? "postgres"
		                        : (getenv("USER") ? getenv("USER") : "postgres"));
		return buf;
	}
	snprintf(buf, size, "host=%s dbname=whatworks user=%s", dir,
	         geteuid() == 0 ? "postgres" : (getenv("USER") ? getenv("USER") : "postgres"));
	return buf;
}

/* libpq messages end with a newline; PostgreSQL style has none. */
static void trim(char *s)
{
	size_t n = strlen(s);
	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == ' '))
		s[--n] = '\0';
}

int db_connect(PGconn **out, const char *conninfo, struct err *e)
{
	PGconn *c;
	char msg[512];

	*out = NULL;
	c = PQconnectdb(conninfo);
	if (c == NULL)
		return err_set(e, WW_ENOMEM, "out of memory connecting to the database");
	if (PQstatus(c) != CONNECTION_OK) {
		snprintf(msg, sizeof(msg), "%s", PQerrorMessage(c));
		trim(msg);
		PQfinish(c);
		return err_set(
		    e, WW_EDB,
		    "could not connect to the database: %s (set WHATWORKS_DATABASE_URL, or "
		    "run 'make run' to start the local cluster)",
		    msg);
	}
	*out = c;
	return 0;
}

void db_close(PGconn *conn)
{
	if (conn != NULL)
		PQfinish(conn);
}

int db_error_code(const PGresult *res)
{
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	/* class 22, data exception: the values sent were wrong, and sending
	 * them again will not help (a 400, not a 503) */
	return state != NULL && strncmp(state, "22", 2) == 0 ? WW_EINVALID : WW_EDB;
}

int db_error(PGconn *conn, const PGresult *res, struct err *e, const char *what)
{
	char msg[512];

	snprintf(msg, sizeof(msg), "%s", res ? PQresultErrorMessage(res) : PQerrorMessage(conn));
	trim(msg);
	return err_set(e, db_error_code(res), "could not %s: %s", what, msg);
}

/* db_error, and res is released. */
static int result_error(PGconn *conn, PGresult *res, struct err *e, const char *what)
{
	int rc = db_error(conn, res, e, what);

	if (res)
		PQclear(res);
	return rc;
}

PGresult *db_query(PGconn *c, struct err *e, const char *what, const char *sql, int nparams,
                   const char *const *params)
{
	double t0 = clock_ms();
	PGresult *r = PQexecParams(c, sql, nparams, NULL, params, NULL, NULL, 0);
	ExecStatusType st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;

	log_debug("statement", "what=\"%s\" ms=%.1f", what, clock_ms() - t0);
	if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
		return r;
	result_error(c, r, e, what);
	return NULL;
}

int db_query_json(json_t **out, PGconn *c, struct err *e, const char *what, const char *sql,
                  int nparams, const char *const *params)
{
	PGresult *r = db_query(c, e, what, sql, nparams, params);
	json_error_t je;

	*out = NULL;
	if (r == NULL)
		return e && e->code ? e->code : WW_EDB;
	*out = json_loads(PQgetvalue(r, 0, 0), 0, &je);
	PQclear(r);
	if (*out == NULL)
		return err_set(e, WW_EDB, "could not %s: %s", what, je.text);
	return 0;
}

int db_open(PGconn **out, struct err *e)
{
	char conninfo[1024];
	int rc;

	if ((rc = db_connect(out, db_conninfo(conninfo, sizeof(conninfo)), e)) < 0)
		return rc;
	if ((rc = db_migrate(*out, NULL, e)) < 0) {
		db_close(*out);
		*out = NULL;
	}
	return rc;
}

int db_exec(PGconn *conn, struct err *e, const char *sql, int nparams, const char *const *params)
{
	PGresult *res = PQexecParams(conn, sql, nparams, NULL, params, NULL, NULL, 0);
	ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;

	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
		return result_error(conn, res, e, "run a database statement");
	PQclear(res);
	return 0;
}

int db_begin(PGconn *conn, struct err *e)
{
	return db_exec(conn, e, "BEGIN", 0, NULL);
}

int db_commit(PGconn *conn, struct err *e)
{
	return db_exec(conn, e, "COMMIT", 0, NULL);
}

void db_rollback(PGconn *conn)
{
	PGresult *res = PQexec(conn, "ROLLBACK");
	PQclear(res);
}

int db_schema_version(void)
{
	return db_migration_count;
}

static const char create_table_sql[] = "CREATE TABLE IF NOT EXISTS schema_migrations ("
                                       " version integer PRIMARY KEY, name text NOT NULL,"
                                       " applied_at timestamptz NOT NULL DEFAULT now())";

static int applied_version(PGconn *conn, int version, int *is_applied, struct err *e)
{
	char v[16];
	const char *params[1] = {v};
	PGresult *res;

	snprintf(v, sizeof(v), "%d", version);
	res = PQexecParams(conn, "SELECT 1 FROM schema_migrations WHERE version = $1", 1, NULL,
	                   params, NULL, NULL, 0);
	if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK)
		return result_error(conn, res, e, "read the migrations table");
	*is_applied = PQntuples(res) > 0;
	PQclear(res);
	return 0;
}

int db_migrate(PGconn *conn, int *applied, struct err *e)
{
	int n = 0, rc = 0;
	char v[16];

	if (applied)
		*applied = 0;
	PGresult *quiet = PQexec(conn, "SET client_min_messages = warning");
	PQclear(quiet);
	if ((rc = db_exec(conn, e, "SELECT pg_advisory_lock(" MIGRATION_LOCK_KEY ")", 0, NULL)) < 0)
		return rc;
	if ((rc = db_exec(conn, e, create_table_sql, 0, NULL)) < 0)
		goto cleanup;
	for (int i = 0; i < db_migration_count; i++) {
		const struct db_migration *m = &db_migrations[i];
		int done = 0;
		const char *params[2] = {v, m->name};
		PGresult *res;

		if ((rc = applied_version(conn, m->version, &done, e)) < 0)
			goto cleanup;
		if (done)
			continue;
		if ((rc = db_begin(conn, e)) < 0)
			goto cleanup;
		/* a migration file holds several statements: simple query protocol */
		res = PQexec(conn, m->sql);
		if (res == NULL || PQresultStatus(res) != PGRES_COMMAND_OK) {
			char what[160];
			snprintf(what, sizeof(what), "apply migration %03d \"%s\"", m->version,
			         m->name);
			rc = result_error(conn, res, e, what);
			db_rollback(conn);
			goto cleanup;
		}
		PQclear(res);
		snprintf(v, sizeof(v), "%d", m->version);
		if ((rc = db_exec(conn, e,
		                  "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)",
		                  2, params)) < 0) {
			db_rollback(conn);
			goto cleanup;
		}
		if ((rc = db_commit(conn, e)) < 0)
			goto cleanup;
		n++;
	}
	if (applied)
		*applied = n;
cleanup : {
	PGresult *res = PQexec(conn, "SELECT pg_advisory_unlock(" MIGRATION_LOCK_KEY ")");
	PQclear(res);
}
	return rc;
}

int db_migrations_current(PGconn *conn, struct err *e)
{
	PGresult *res;
	int count;

	res = PQexecParams(
	    conn, "SELECT count(*) FROM pg_catalog.pg_tables WHERE tablename = 'schema_migrations'",
	    0, NULL, NULL, NULL, NULL, 0);
	if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK)
		return result_error(conn, res, e, "read the catalog");
	count = atoi(PQgetvalue(res, 0, 0));
	PQclear(res);
	if (count == 0)
		return 0;
	res = PQexecParams(conn, "SELECT count(*) FROM schema_migrations", 0, NULL, NULL, NULL,
	                   NULL, 0);
	if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK)
		return result_error(conn, res, e, "read the migrations table");
	count = atoi(PQgetvalue(res, 0, 0));
	PQclear(res);
	return count >= db_migration_count ? 1 : 0;
}

/* COPY text format: tab between fields, newline after a row, \N for NULL. */
int db_copy_reserve(struct db_copy *b, size_t more)
{
	if (b->oom)
		return -1;
	if (b->len + more <= b->cap)
		return 0;
	size_t cap = b->cap ? b->cap : 16 * 1024;
	while (cap < b->len + more)
		cap *= 2;
	char *p = realloc(b->buf, cap);
	if (p == NULL) {
		b->oom = 1;
		return -1;
	}
	b->buf = p;
	b->cap = cap;
	return 0;
}

void db_copy_raw(struct db_copy *b, const char *s, size_t n)
{
	/* nothing to add, and s may be NULL (an empty buffer's) */
	if (n > 0 && db_copy_reserve(b, n) == 0) {
		memcpy(b->buf + b->len, s, n);
		b->len += n;
	}
}

void db_copy_begin_field(struct db_copy *b)
{
	if (b->fields++ > 0)
		db_copy_raw(b, "\t", 1);
}

void db_copy_escaped(struct db_copy *b, const char *s, size_t n)
{
	size_t start = 0;

	for (size_t i = 0; i < n; i++) {
		const char *rep;
		switch (s[i]) {
		case '\\': rep = "\\\\"; break;
		case '\n': rep = "\\n"; break;
		case '\r': rep = "\\r"; break;
		case '\t': rep = "\\t"; break;
		default: continue;
		}
		db_copy_raw(b, s + start, i - start);
		db_copy_raw(b, rep, 2);
		start = i + 1;
	}
	db_copy_raw(b, s + start, n - start);
}

void db_copy_text(struct db_copy *b, const char *s)
{
	db_copy_begin_field(b);
	if (s == NULL)
		db_copy_raw(b, "\\N", 2);
	else
		db_copy_escaped(b, s, strlen(s));
}

void db_copy_int(struct db_copy *b, long long v)
{
	char num[24];
	int n = snprintf(num, sizeof(num), "%lld", v);

	db_copy_begin_field(b);
	db_copy_raw(b, num, (size_t)n);
}

/* An array literal: every element quoted, '"' and '\' escaped inside quotes. */
void db_copy_array(struct db_copy *b, const char *const *v, size_t n)
{
	db_copy_begin_field(b);
	db_copy_raw(b, "{", 1);
	for (size_t i = 0; i < n; i++) {
		const char *s = v[i], *start = s;
		db_copy_raw(b, i ? ",\"" : "\"", i ? 2 : 1);
		for (; *s; s++)
			if (*s == '"' || *s == '\\') {
				db_copy_escaped(b, start, (size_t)(s - start));
				db_copy_escaped(b, "\\", 1);
				start = s;
			}
		db_copy_escaped(b, start, (size_t)(s - start));
		db_copy_raw(b, "\"", 1);
	}
	db_copy_raw(b, "}", 1);
}

#define STREAM_BYTES (256 * 1024)

/* Sends what is built; a blocking connection never answers 0. */
static void copy_flush(struct db_copy *b)
{
	if (b->conn != NULL && !b->send_failed && !b->oom && b->len > 0 &&
	    PQputCopyData(b->conn, b->buf, (int)b->len) != 1)
		b->send_failed = 1;
	if (b->conn != NULL)
		b->len = 0;
}

void db_copy_end_row(struct db_copy *b)
{
	db_copy_raw(b, "\n", 1);
	b->fields = 0;
	b->rows++;
	if (b->len >= STREAM_BYTES)
		copy_flush(b);
}

void db_copy_append(struct db_copy *b, const char *rows, size_t n)
{
	db_copy_raw(b, rows, n);
	if (b->len >= STREAM_BYTES)
		copy_flush(b);
}

int db_copy_begin(struct db_copy *b, PGconn *c, const char *what, const char *copy_sql,
                  struct err *e)
{
	PGresult *r = PQexecParams(c, copy_sql, 0, NULL, NULL, NULL, NULL, 0);

	b->len = 0;
	b->rows = 0;
	b->fields = 0;
	b->oom = 0;
	b->send_failed = 0;
	b->what = what;
	if (r == NULL || PQresultStatus(r) != PGRES_COPY_IN)
		return result_error(c, r, e, what);
	PQclear(r);
	b->conn = c;
	return 0;
}

int db_copy_end(struct db_copy *b, struct err *e)
{
	double t0 = clock_ms();
	PGconn *c = b->conn;
	PGresult *r;
	int rc = 0;

	copy_flush(b);
	b->conn = NULL;
	if (b->oom)
		rc = err_set(e, WW_ENOMEM, "out of memory");
	else if (b->send_failed)
		rc = result_error(c, NULL, e, b->what);
	/* a row that could not be built: the server drops the whole COPY */
	if (PQputCopyEnd(c, rc < 0 ? "the rows could not be built" : NULL) != 1 && rc == 0)
		rc = result_error(c, NULL, e, b->what);
	while ((r = PQgetResult(c)) != NULL) {
		if (rc == 0 && PQresultStatus(r) != PGRES_COMMAND_OK) {
			rc = result_error(c, r, e, b->what);
			continue;
		}
		PQclear(r);
	}
	log_debug("statement", "what=\"%s\" rows=%zu end_ms=%.1f", b->what, b->rows,
	          clock_ms() - t0);
	b->len = 0;
	b->oom = 0;
	return rc;
}

void db_copy_abort(struct db_copy *b)
{
	PGresult *r;

	if (b->conn == NULL)
		return;
	PQputCopyEnd(b->conn, "abandoned");
	while ((r = PQgetResult(b->conn)) != NULL)
		PQclear(r);
	b->conn = NULL;
	b->len = 0;
}

void db_copy_free(struct db_copy *b)
{
	free(b->buf);
	memset(b, 0, sizeof(*b));
}
