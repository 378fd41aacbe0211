/*
 * db_route.c - reads to caught-up streaming replicas, the rest to the primary
 */
#include "db_route.h"
#include "clock.h"
#include "log.h"

#include <errno.h>
#include <libpq-fe.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Primary WAL samples kept: at the default 100 ms, the last 25 s. */
#define NSAMPLES 256
/* How long a monitor connection that failed is left alone. */
#define RETRY_MS 1000

enum rstate { RS_DOWN, RS_OK, RS_LAGGING, RS_NOT_REPLICA };
static const char *const state_names[] = {"down", "ok", "lagging", "not-a-replica"};

/* A monitor connection: made when due, dropped and retried after RETRY_MS
 * when it breaks. Used by the monitor thread only. */
struct mon {
	char *conninfo;
	PGconn *c;
	long long retry_at;
};

struct replica {
	struct mon mon;
	struct db_pool *pool;
	uint64_t replay;
	long long lag_ms; /* -1: unknown */
	enum rstate state;
};

struct sample {
	long long t;
	uint64_t lsn;
};

struct db_route {
	pthread_mutex_t lock;
	pthread_t thread;
	int started;
	int wake[2]; /* written to stop the monitor */
	struct db_pool *primary;
	struct mon pmon; /* LISTENs, and samples the primary's WAL position */
	struct replica rep[DB_ROUTE_MAX];
	int n;
	struct sample ring[NSAMPLES];
	int nsamples, head; /* head: the next slot written */
	unsigned rr;
	int max_lag_ms, check_ms;
	void (*on_change)(void *);
	void *arg;
};

uint64_t db_lsn_parse(const char *s)
{
	unsigned int hi, lo;
	int used = 0;

	if (s == NULL || sscanf(s, "%8X/%8X%n", &hi, &lo, &used) != 2 || s[used] != '\0')
		return 0;
	return ((uint64_t)hi << 32) | lo;
}

/* One text value from a one-row query, or NULL (r cleared by the caller). */
static const char *one_value(PGconn *c, const char *sql, PGresult **r, int col)
{
	*r = PQexecParams(c, sql, 0, NULL, NULL, NULL, NULL, 0);
	if (PQresultStatus(*r) != PGRES_TUPLES_OK || PQntuples(*r) != 1 || PQnfields(*r) <= col)
		return NULL;
	return PQgetvalue(*r, 0, col);
}

int db_wal_lsn(PGconn *c, uint64_t *lsn, struct err *e)
{
	PGresult *r;
	const char *v = one_value(c, "SELECT pg_current_wal_lsn()::text", &r, 0);

	*lsn = v != NULL ? db_lsn_parse(v) : 0;
	PQclear(r);
	if (v == NULL)
		return err_set(e, WW_EDB, "could not read the primary's WAL position");
	return 0;
}

/* Connects m when it has no connection and its retry time has come; 1 when
 * it has a connection, and 2 when that connection is new. */
static int mon_connect(struct mon *m, long long now)
{
	const char *kw[] = {"connect_timeout", "application_name", "dbname", NULL};
	const char *val[] = {"2", "whatworks-monitor", m->conninfo, NULL};

	if (m->c != NULL)
		return 1;
	if (now < m->retry_at)
		return 0;
	m->c = PQconnectdbParams(kw, val, 1);
	if (m->c != NULL && PQstatus(m->c) == CONNECTION_OK)
		return 2;
	PQfinish(m->c);
	m->c = NULL;
	m->retry_at = now + RETRY_MS;
	return 0;
}

/* Drops m's connection when it is broken (always, with force), to be made
 * again after RETRY_MS. */
static void mon_drop(struct mon *m, int force, long long now)
{
	if (m->c == NULL || (!force && PQstatus(m->c) == CONNECTION_OK))
		return;
	PQfinish(m->c);
	m->c = NULL;
	m->retry_at = now + RETRY_MS;
}

/* ---- the monitor (its own thread; r->lock guards what readers see) ---- */

static void sample_primary(struct db_route *r, long long now)
{
	uint64_t lsn;
	struct err e = {0};
	int got = mon_connect(&r->pmon, now);

	if (got == 0)
		return;
	if (got == 2) {
		PQclear(PQexec(r->pmon.c, "LISTEN " DB_ROUTE_CHANNEL));
		/* notifications may have been missed while it was away */
		if (r->on_change != NULL)
			r->on_change(r->arg);
	}
	if (db_wal_lsn(r->pmon.c, &lsn, &e) < 0) {
		mon_drop(&r->pmon, 0, now);
		return;
	}
	pthread_mutex_lock(&r->lock);
	r->ring[r->head] = (struct sample){now, lsn};
	r->head = (r->head + 1) % NSAMPLES;
	if (r->nsamples < NSAMPLES)
		r->nsamples++;
	pthread_mutex_unlock(&r->lock);
}

/* The age of the oldest primary sample beyond replay; 0 when caught up.
 * Called with the lock held. */
static long long lag_of(const struct db_route *r, uint64_t replay, long long now)
{
	long long lag = 0;

	for (int i = 0; i < r->nsamples; i++) {
		const struct sample *s = &r->ring[(r->head - 1 - i + 2 * NSAMPLES) % NSAMPLES];
		if (s->lsn <= replay)
			break;
		lag = now - s->t;
	}
	return lag;
}

static void check_replica(struct db_route *r, struct replica *p, long long now)
{
	PGresult *res = NULL;
	const char *rec, *lsn;
	enum rstate st;
	uint64_t replay = 0;
	long long lag = -1;

	if (!mon_connect(&p->mon, now)) {
		st = RS_DOWN;
	} else if ((rec = one_value(p->mon.c,
	                            "SELECT pg_is_in_recovery()::text,"
	                            " coalesce(pg_last_wal_replay_lsn()::text, '')",
	                            &res, 0)) == NULL) {
		st = RS_DOWN;
		mon_drop(&p->mon, 0, now);
	} else if (strcmp(rec, "true") != 0) {
		st = RS_NOT_REPLICA;
	} else {
		lsn = PQgetvalue(res, 0, 1);
		replay = db_lsn_parse(lsn);
		st = RS_OK;
	}
	PQclear(res);
	pthread_mutex_lock(&r->lock);
	if (st == RS_OK) {
		lag = lag_of(r, replay, now);
		if (lag > r->max_lag_ms)
			st = RS_LAGGING;
	}
	if (st != p->state)
		log_info("replica", "replica=%d state=%s lag_ms=%lld", (int)(p - r->rep) + 1,
		         state_names[st], lag);
	p->state = st;
	p->replay = replay;
	p->lag_ms = lag;
	pthread_mutex_unlock(&r->lock);
}

static void drain_notifications(struct db_route *r)
{
	PGnotify *n;
	int seen = 0;

	if (r->pmon.c == NULL)
		return;
	if (!PQconsumeInput(r->pmon.c)) {
		mon_drop(&r->pmon, 1, clock_ns() / 1000000);
		return;
	}
	while ((n = PQnotifies(r->pmon.c)) != NULL) {
		seen = 1;
		PQfreemem(n);
	}
	if (seen && r->on_change != NULL)
		r->on_change(r->arg);
}

static void *monitor(void *arg)
{
	struct db_route *r = arg;

	for (;;) {
		long long now = clock_ns() / 1000000;
		struct pollfd fds[2] = {{r->wake[0], POLLIN, 0}, {-1, POLLIN, 0}};

		drain_notifications(r);
		sample_primary(r, now);
		for (int i = 0; i < r->n; i++)
			check_replica(r, &r->rep[i], now);
		if (r->pmon.c != NULL)
			fds[1].fd = PQsocket(r->pmon.c);
		/* a NOTIFY wakes the loop at once; otherwise every check_ms */
		if (poll(fds, 2, r->check_ms) < 0 && errno != EINTR)
			break;
		if (fds[0].revents != 0)
			break;
	}
	return NULL;
}

/* ---- the router ---- */

static int add_replicas(struct db_route *r, const struct db_route_config *cfg, struct err *e)
{
	char *list, *save = NULL, *tok;
	int rc = 0;

	if (cfg->replicas == NULL || cfg->replicas[0] == '\0')
		return 0;
	if ((list = strdup(cfg->replicas)) == NULL)
		return err_set(e, WW_ENOMEM, "out of memory");
	for (tok = strtok_r(list, ";", &save); tok != NULL; tok = strtok_r(NULL, ";", &save)) {
		while (*tok == ' ' || *tok == '\t' || *tok == '\n')
			tok++;
		if (*tok == '\0')
			continue;
		if (r->n == DB_ROUTE_MAX) {
			rc = err_set(e, WW_EINVALID,
			             "read_database_url names more than %d replicas; put a load "
			             "balancer in front of them",
			             DB_ROUTE_MAX);
			break;
		}
		struct replica *p = &r->rep[r->n];
		p->lag_ms = -1;
		if ((p->mon.conninfo = strdup(tok)) == NULL) {
			rc = err_set(e, WW_ENOMEM, "out of memory");
			break;
		}
		r->n++;
		if ((rc = db_pool_new(&p->pool, tok, cfg->pool_size, cfg->statement_timeout_ms,
		                      e)) < 0)
			break;
	}
	free(list);
	return rc;
}

int db_route_new(struct db_route **out, struct db_pool *primary, const struct db_route_config *cfg,
                 struct err *e)
{
	struct db_route *r = calloc(1, sizeof(*r));
	int rc;

	*out = NULL;
	if (r == NULL)
		return err_set(e, WW_ENOMEM, "out of memory");
	r->wake[0] = r->wake[1] = -1;
	pthread_mutex_init(&r->lock, NULL);
	r->primary = primary;
	r->max_lag_ms = cfg->max_lag_ms;
	r->check_ms = cfg->check_ms > 0 ? cfg->check_ms : 100;
	r->on_change = cfg->on_change;
	r->arg = cfg->arg;
	if ((r->pmon.conninfo = strdup(cfg->primary)) == NULL) {
		db_route_free(r);
		return err_set(e, WW_ENOMEM, "out of memory");
	}
	if ((rc = add_replicas(r, cfg, e)) < 0) {
		db_route_free(r);
		return rc;
	}
	if (pipe(r->wake) < 0 || pthread_create(&r->thread, NULL, monitor, r) != 0) {
		db_route_free(r);
		return err_set(e, WW_ENOMEM, "could not start the database monitor: %s",
		               strerror(errno));
	}
	r->started = 1;
	*out = r;
	return 0;
}

void db_route_free(struct db_route *r)
{
	if (r == NULL)
		return;
	if (r->started) {
		ssize_t w = write(r->wake[1], "x", 1);
		(void)w;
		pthread_join(r->thread, NULL);
	}
	for (int i = 0; i < 2; i++)
		if (r->wake[i] >= 0)
			close(r->wake[i]);
	for (int i = 0; i < r->n; i++) {
		PQfinish(r->rep[i].mon.c);
		free(r->rep[i].mon.conninfo);
		db_pool_free(r->rep[i].pool);
	}
	PQfinish(r->pmon.c);
	free(r->pmon.conninfo);
	pthread_mutex_destroy(&r->lock);
	free(r);
}

struct db_pool *db_route_pick(struct db_route *r, uint64_t min_lsn)
{
	struct db_pool *pool = r->primary;

	if (r->n == 0)
		return pool;
	pthread_mutex_lock(&r->lock);
	for (int i = 0; i < r->n; i++) {
		struct replica *p = &r->rep[(r->rr + (unsigned)i) % (unsigned)r->n];
		if (p->state == RS_OK && p->replay >= min_lsn) {
			pool = p->pool;
			break;
		}
	}
	r->rr++;
	pthread_mutex_unlock(&r->lock);
	return pool;
}

int db_route_is_primary(const struct db_route *r, const struct db_pool *pool)
{
	return pool == r->primary;
}

int db_route_replicas(const struct db_route *r)
{
	return r->n;
}

json_t *db_route_status(struct db_route *r)
{
	json_t *list = json_array(), *o;
	int any = 0;

	pthread_mutex_lock(&r->lock);
	for (int i = 0; i < r->n; i++) {
		struct replica *p = &r->rep[i];
		any |= p->state == RS_OK;
		json_array_append_new(
		    list,
		    json_pack("{s:i, s:s, s:o}", "replica", i + 1, "state", state_names[p->state],
		              "lag_ms", p->lag_ms >= 0 ? json_integer(p->lag_ms) : json_null()));
	}
	pthread_mutex_unlock(&r->lock);
	o = json_pack("{s:s, s:o}", "reads", any ? "replica" : "primary", "replicas", list);
	return o;
}
