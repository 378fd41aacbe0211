/*
 * http_version.c - reads the evidence version on a thread of its own
 *
 * Every versioned answer (and every 304) needs the current evidence version.
 * It used to be read again by whichever worker thread found it older than
 * version_ttl_ms: that worker then waited on PostgreSQL, and with
 * libmicrohttpd's thread pool every connection the worker owns waited with
 * it. On a loaded machine that wait was tens to hundreds of milliseconds,
 * four times a second: the whole p99/max tail of the cached list. Here one
 * thread reads the version every period and hands it to the server, so a
 * worker only ever reads it from memory.
 */
#include "http.h"
#include "api.h"
#include "clock.h"
#include "db_pool.h"
#include "db_route.h"
#include "log.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

struct http_version_watch {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	int stop;
	int poked;    /* read again now (an import committed) */
	int with_lsn; /* also read the primary's WAL position (replicas serve reads) */
	int period_ms;
	int acquire_timeout_ms;
	struct db_pool *pool;
	http_version_seen_fn seen;
	void *cls;
};

static void read_once(struct http_version_watch *w)
{
	struct api_version v;
	struct err e = {0};
	uint64_t lsn = 0;
	PGconn *db;
	int rc;

	if ((rc = db_pool_acquire(w->pool, &db, w->acquire_timeout_ms, &e)) == 0) {
		rc = api_version_current(&v, db, &e);
		if (rc == 0 && w->with_lsn)
			rc = db_wal_lsn(db, &lsn, &e);
		db_pool_release(w->pool, db, rc == WW_EDB);
	}
	v.lsn = lsn;
	if (rc < 0)
		log_debug("could not read the evidence version", "reason=\"%s\"", e.msg);
	w->seen(w->cls, rc == 0 ? &v : NULL);
}

static void *watch_main(void *arg)
{
	struct http_version_watch *w = arg;
	struct timespec until;

	pthread_mutex_lock(&w->lock);
	while (!w->stop) {
		pthread_mutex_unlock(&w->lock);
		read_once(w);
		until = clock_after_ms(w->period_ms);
		pthread_mutex_lock(&w->lock);
		while (!w->stop && !w->poked &&
		       pthread_cond_timedwait(&w->wake, &w->lock, &until) != ETIMEDOUT)
			;
		w->poked = 0;
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

int http_version_watch_start(struct http_version_watch **out, struct db_pool *pool, int period_ms,
                             int acquire_timeout_ms, int with_lsn, http_version_seen_fn seen,
                             void *cls)
{
	struct http_version_watch *w = calloc(1, sizeof(*w));
	pthread_condattr_t a;

	*out = NULL;
	if (w == NULL)
		return WW_ENOMEM;
	w->pool = pool;
	w->with_lsn = with_lsn;
	w->period_ms = period_ms > 0 ? period_ms : 1;
	w->acquire_timeout_ms = acquire_timeout_ms;
	w->seen = seen;
	w->cls = cls;
	pthread_mutex_init(&w->lock, NULL);
	pthread_condattr_init(&a);
	pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
	pthread_cond_init(&w->wake, &a);
	pthread_condattr_destroy(&a);
	if (pthread_create(&w->thread, NULL, watch_main, w) != 0) {
		pthread_cond_destroy(&w->wake);
		pthread_mutex_destroy(&w->lock);
		free(w);
		return WW_ENOMEM;
	}
	*out = w;
	return 0;
}

void http_version_watch_poke(struct http_version_watch *w)
{
	if (w == NULL)
		return;
	pthread_mutex_lock(&w->lock);
	w->poked = 1;
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->lock);
}

void http_version_watch_stop(struct http_version_watch *w)
{
	if (w == NULL)
		return;
	pthread_mutex_lock(&w->lock);
	w->stop = 1;
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	pthread_cond_destroy(&w->wake);
	pthread_mutex_destroy(&w->lock);
	free(w);
}
