/*
 * db_pool.c - a fixed set of lazily made, self-healing PostgreSQL connections
 */
#include "db_pool.h"
#include "clock.h"
#include "log.h"

#include <errno.h>
#include <libpq-fe.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* How long borrowers fail fast after a connect failed. */
#define BACKOFF_MS 250

struct db_pool {
	pthread_mutex_t lock;
	pthread_cond_t freed;
	char *conninfo;
	char timeout[24];
	int size;
	int nfree;            /* slots not borrowed */
	PGconn **conns;       /* size entries: a connection or NULL */
	char *busy;           /* size entries: borrowed */
	long long down_until; /* monotonic ms before which connects are not tried */
};

int db_pool_new(struct db_pool **out, const char *conninfo, int size, int statement_timeout_ms,
                struct err *e)
{
	struct db_pool *p = calloc(1, sizeof(*p));

	*out = NULL;
	if (p == NULL)
		return err_set(e, WW_ENOMEM, "out of memory");
	if (size < 1)
		size = 1;
	p->size = p->nfree = size;
	p->conninfo = strdup(conninfo);
	p->conns = calloc((size_t)size, sizeof(*p->conns));
	p->busy = calloc((size_t)size, 1);
	if (p->conninfo == NULL || p->conns == NULL || p->busy == NULL) {
		db_pool_free(p);
		return err_set(e, WW_ENOMEM, "out of memory");
	}
	snprintf(p->timeout, sizeof(p->timeout), "%d", statement_timeout_ms);
	pthread_mutex_init(&p->lock, NULL);
	{
		pthread_condattr_t a;
		pthread_condattr_init(&a);
		pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
		pthread_cond_init(&p->freed, &a);
		pthread_condattr_destroy(&a);
	}
	*out = p;
	return 0;
}

void db_pool_free(struct db_pool *p)
{
	if (p == NULL)
		return;
	if (p->conns != NULL) {
		for (int i = 0; i < p->size; i++)
			if (p->conns[i] != NULL)
				PQfinish(p->conns[i]);
		pthread_mutex_destroy(&p->lock);
		pthread_cond_destroy(&p->freed);
	}
	free(p->conns);
	free(p->busy);
	free(p->conninfo);
	free(p);
}

/* libpq messages end with a newline; ours do not. */
static void copy_msg(char *dst, size_t size, const char *src)
{
	size_t n;
	snprintf(dst, size, "%s", src ? src : "");
	n = strlen(dst);
	while (n > 0 && (dst[n - 1] == '\n' || dst[n - 1] == ' '))
		dst[--n] = '\0';
}

/* Opens a connection outside the lock. */
static PGconn *open_conn(struct db_pool *p, struct err *e)
{
	/* defaults first so that the conninfo may override them */
	const char *kw[] = {"connect_timeout", "application_name", "dbname", NULL};
	const char *val[] = {"3", "whatworks-serve", p->conninfo, NULL};
	PGconn *c = PQconnectdbParams(kw, val, 1);
	char msg[512];

	if (c == NULL) {
		err_set(e, WW_EDB, "could not connect to the database: out of memory");
		return NULL;
	}
	if (PQstatus(c) != CONNECTION_OK) {
		copy_msg(msg, sizeof(msg), PQerrorMessage(c));
		err_set(e, WW_EDB, "could not connect to the database: %s", msg);
		PQfinish(c);
		return NULL;
	}
	if (strcmp(p->timeout, "0") != 0) {
		const char *params[1] = {p->timeout};
		PGresult *r = PQexecParams(c, "SELECT set_config('statement_timeout', $1, false)",
		                           1, NULL, params, NULL, NULL, 0);
		PQclear(r);
	}
	return c;
}

int db_pool_acquire(struct db_pool *p, PGconn **out, int timeout_ms, struct err *e)
{
	struct timespec deadline;
	int slot = -1;

	*out = NULL;
	deadline = clock_after_ms(timeout_ms);
	pthread_mutex_lock(&p->lock);
	while (p->nfree == 0) {
		if (pthread_cond_timedwait(&p->freed, &p->lock, &deadline) == ETIMEDOUT &&
		    p->nfree == 0) {
			pthread_mutex_unlock(&p->lock);
			return err_set(
			    e, WW_EDB,
			    "could not get a database connection within %d ms: all %d are "
			    "busy",
			    timeout_ms, p->size);
		}
	}
	/* prefer a slot that already holds a connection */
	for (int i = 0; i < p->size; i++)
		if (!p->busy[i] && (slot < 0 || (p->conns[slot] == NULL && p->conns[i] != NULL)))
			slot = i;
	if (p->conns[slot] == NULL && (long long)clock_ms() < p->down_until) {
		pthread_mutex_unlock(&p->lock);
		return err_set(e, WW_EDB, "the database is unavailable; retrying shortly");
	}
	p->busy[slot] = 1;
	p->nfree--;
	pthread_mutex_unlock(&p->lock);

	PGconn *c = p->conns[slot];
	if (c != NULL && PQstatus(c) != CONNECTION_OK) {
		PQfinish(c);
		c = NULL;
	}
	if (c == NULL) {
		c = open_conn(p, e);
		if (c == NULL) {
			pthread_mutex_lock(&p->lock);
			p->conns[slot] = NULL;
			p->busy[slot] = 0;
			p->nfree++;
			p->down_until = (long long)clock_ms() + BACKOFF_MS;
			pthread_cond_signal(&p->freed);
			pthread_mutex_unlock(&p->lock);
			return WW_EDB;
		}
		pthread_mutex_lock(&p->lock);
		p->conns[slot] = c;
		pthread_mutex_unlock(&p->lock);
	}
	*out = c;
	return 0;
}

int db_pool_release(struct db_pool *p, PGconn *conn, int failed)
{
	int dropped = 0, slot = -1;

	if (conn == NULL)
		return 0;
	pthread_mutex_lock(&p->lock);
	for (int i = 0; i < p->size; i++)
		if (p->conns[i] == conn) {
			slot = i;
			break;
		}
	pthread_mutex_unlock(&p->lock);
	if (slot < 0) {
		PQfinish(conn);
		return 1;
	}
	/* a broken socket, or a transaction left open by a failed call */
	if (PQstatus(conn) != CONNECTION_OK) {
		dropped = 1;
	} else if (PQtransactionStatus(conn) != PQTRANS_IDLE) {
		PGresult *r = PQexec(conn, "ROLLBACK");
		PQclear(r);
		dropped =
		    PQstatus(conn) != CONNECTION_OK || PQtransactionStatus(conn) != PQTRANS_IDLE;
	} else if (failed) {
		/* the error may have been the server going away: check the socket */
		PGresult *r = PQexec(conn, "SELECT 1");
		dropped = PQresultStatus(r) != PGRES_TUPLES_OK;
		PQclear(r);
	}
	if (dropped)
		PQfinish(conn);
	pthread_mutex_lock(&p->lock);
	if (dropped)
		p->conns[slot] = NULL;
	p->busy[slot] = 0;
	p->nfree++;
	pthread_cond_signal(&p->freed);
	pthread_mutex_unlock(&p->lock);
	return dropped;
}

void db_pool_stats(struct db_pool *p, int *open, int *busy)
{
	int o = 0;
	pthread_mutex_lock(&p->lock);
	for (int i = 0; i < p->size; i++)
		o += p->conns[i] != NULL;
	*open = o;
	*busy = p->size - p->nfree;
	pthread_mutex_unlock(&p->lock);
}

int db_pool_run_counts(PGconn *conn, struct db_run_count *out, int max, struct err *e)
{
	PGresult *r = PQexecParams(
	    conn, "SELECT status, count(*) FROM import_runs GROUP BY status ORDER BY 1", 0, NULL,
	    NULL, NULL, NULL, 0);
	char msg[512];
	int n;

	if (r == NULL || PQresultStatus(r) != PGRES_TUPLES_OK) {
		copy_msg(msg, sizeof(msg), r ? PQresultErrorMessage(r) : PQerrorMessage(conn));
		PQclear(r);
		return err_set(e, WW_EDB, "could not count import runs: %s", msg);
	}
	n = PQntuples(r) < max ? PQntuples(r) : max;
	for (int i = 0; i < n; i++) {
		snprintf(out[i].status, sizeof(out[i].status), "%s", PQgetvalue(r, i, 0));
		out[i].count = atoll(PQgetvalue(r, i, 1));
	}
	PQclear(r);
	return n;
}

int db_pool_source_successes(PGconn *conn, struct db_source_success *out, int max, struct err *e)
{
	PGresult *r = PQexecParams(
	    conn,
	    "SELECT s.name, s.kind, coalesce(extract(epoch FROM max(r.finished_at)), 0)"
	    " FROM sources s LEFT JOIN import_runs r ON r.source_id = s.id"
	    " AND r.status = 'succeeded' GROUP BY s.name, s.kind ORDER BY s.name",
	    0, NULL, NULL, NULL, NULL, 0);
	char msg[512];
	int n;

	if (r == NULL || PQresultStatus(r) != PGRES_TUPLES_OK) {
		copy_msg(msg, sizeof(msg), r ? PQresultErrorMessage(r) : PQerrorMessage(conn));
		PQclear(r);
		return err_set(e, WW_EDB, "could not read the sources' imports: %s", msg);
	}
	n = PQntuples(r) < max ? PQntuples(r) : max;
	for (int i = 0; i < n; i++) {
		snprintf(out[i].name, sizeof(out[i].name), "%s", PQgetvalue(r, i, 0));
		snprintf(out[i].kind, sizeof(out[i].kind), "%s", PQgetvalue(r, i, 1));
		out[i].last_success = atof(PQgetvalue(r, i, 2));
	}
	PQclear(r);
	return n;
}

int db_pool_ping(PGconn *conn, struct err *e)
{
	PGresult *r = PQexec(conn, "SELECT 1");
	char msg[512];

	if (r == NULL || PQresultStatus(r) != PGRES_TUPLES_OK) {
		copy_msg(msg, sizeof(msg), r ? PQresultErrorMessage(r) : PQerrorMessage(conn));
		PQclear(r);
		return err_set(e, WW_EDB, "could not reach the database: %s", msg);
	}
	PQclear(r);
	return 0;
}

int db_pool_source_get(PGconn *conn, const char *name, struct db_pool_source *out, struct err *e)
{
	const char *params[1] = {name};
	PGresult *r = PQexecParams(conn,
	                           "SELECT kind, location, coalesce(ref, ''), subpath FROM sources"
	                           " WHERE name = $1",
	                           1, NULL, params, NULL, NULL, 0);
	char msg[512];

	memset(out, 0, sizeof(*out));
	if (r == NULL || PQresultStatus(r) != PGRES_TUPLES_OK) {
		copy_msg(msg, sizeof(msg), r ? PQresultErrorMessage(r) : PQerrorMessage(conn));
		PQclear(r);
		return err_set(e, WW_EDB, "could not read the sources: %s", msg);
	}
	if (PQntuples(r) == 0) {
		PQclear(r);
		return err_set(
		    e, WW_ENOTFOUND,
		    "no source named \"%.200s\"; run 'whatworks import' once to create it", name);
	}
	snprintf(out->kind, sizeof(out->kind), "%s", PQgetvalue(r, 0, 0));
	snprintf(out->location, sizeof(out->location), "%s", PQgetvalue(r, 0, 1));
	snprintf(out->ref, sizeof(out->ref), "%s", PQgetvalue(r, 0, 2));
	snprintf(out->subpath, sizeof(out->subpath), "%s", PQgetvalue(r, 0, 3));
	PQclear(r);
	return 0;
}
