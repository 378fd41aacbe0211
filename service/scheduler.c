/*
 * scheduler.c - workers that run the configured sources
 */
#include "scheduler.h"
#include "clock.h"
#include "db.h"
#include "db_import.h"
#include "db_sources.h"
#include "import.h"
#include "log.h"
#include "source_kinds.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_WORKERS 4

struct slot {
	struct source_conf conf;
	double due_ms;     /* next scheduled run (monotonic); INFINITY: none */
	double trigger_ms; /* a pending trigger's time; 0: none */
	char trigger[16];
	int running;
	struct scheduler_counts n;
};

struct worker {
	struct scheduler *s;
	pthread_t thread;
	int started, done;
	PGconn *conn;
	pthread_mutex_t conn_lock; /* conn may be cancelled from scheduler_stop */
};

struct scheduler {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct sources src;  /* the sources file's */
	struct slot **slots; /* the file's, then those added (scheduler_add) */
	size_t n, cap;
	struct worker w[MAX_WORKERS];
	int n_workers;
	int stopping; /* read by feeds through import_control.stop */
	int stale_checked;
	char conninfo[1024];
	char data_dir[512];
	unsigned seed;
};

/* Called with the lock held. */
static double jitter_ms(struct scheduler *s, const struct slot *sl)
{
	if (sl->conf.jitter_s <= 0)
		return 0;
	return (double)((long long)rand_r(&s->seed) % ((long long)sl->conf.jitter_s * 1000 + 1));
}

static int connect_worker(struct worker *w, struct err *e)
{
	PGconn *c = NULL;
	int rc;

	if (w->conn != NULL)
		return 0;
	if ((rc = db_connect(&c, w->s->conninfo, e)) < 0)
		return rc;
	if ((rc = db_migrations_current(c, e)) != 1) {
		db_close(c);
		return rc < 0 ? rc
		              : err_set(e, WW_EDB,
		                        "the database schema is not current: run "
		                        "whatworks migrate");
	}
	pthread_mutex_lock(&w->conn_lock);
	w->conn = c;
	pthread_mutex_unlock(&w->conn_lock);
	return 0;
}

static void drop_conn(struct worker *w)
{
	pthread_mutex_lock(&w->conn_lock);
	db_close(w->conn);
	w->conn = NULL;
	pthread_mutex_unlock(&w->conn_lock);
}

/* Marks runs left "running" by a crashed process failed, once per start. */
static void fail_stale(struct worker *w)
{
	struct scheduler *s = w->s;
	struct err e = {0};
	int reaped = 0;

	/* any source's run whose session ended, this daemon's or not */
	if (db_runs_reap(w->conn, &reaped, &e) < 0)
		err_clear(&e);
	else if (reaped > 0)
		log_warn("runs of ended database sessions marked failed", "runs=%d", reaped);
	for (size_t i = 0;; i++) {
		char name[sizeof(s->slots[0]->conf.name)];
		int marked = 0;
		int more;
		pthread_mutex_lock(&s->lock); /* sources may be added meanwhile */
		if ((more = i < s->n))
			snprintf(name, sizeof(name), "%s", s->slots[i]->conf.name);
		pthread_mutex_unlock(&s->lock);
		if (!more)
			break;
		if (db_source_fail_stale_if_idle(w->conn, name, &marked, &e) < 0) {
			log_warn("could not check for stale runs", "source=\"%s\" reason=\"%s\"",
			         name, e.msg);
			err_clear(&e);
		} else if (marked > 0) {
			log_warn("runs left running by a stopped process marked failed",
			         "source=\"%s\" runs=%d", name, marked);
		}
	}
}

/* One run of a source on the worker's connection; returns import_*'s code. */
static int run_source(struct worker *w, const struct source_conf *sc, const char *trigger)
{
	struct scheduler *s = w->s;
	struct import_control ctl = {.skip_if_busy = 1, .stop = &s->stopping};
	struct import_result res;
	struct err e = {0};
	char ms[32];
	int rc;

	if ((rc = connect_worker(w, &e)) < 0) {
		log_warn("scheduled import could not start", "source=\"%s\" reason=\"%s\"",
		         sc->name, e.msg);
		return rc;
	}
	if (!s->stale_checked) {
		pthread_mutex_lock(&s->lock);
		int first = !s->stale_checked;
		s->stale_checked = 1;
		pthread_mutex_unlock(&s->lock);
		if (first)
			fail_stale(w);
	}
	if (strcmp(trigger, "schedule") == 0 && sc->interval_s > 1)
		ctl.skip_if_ran_within_s = sc->interval_s / 2;
	ctl.deadline_ms = clock_ms() + sc->timeout_s * 1000.0;
	snprintf(ms, sizeof(ms), "%lld", (long long)sc->timeout_s * 1000);
	{
		const char *p[1] = {ms};
		if ((rc = db_exec(w->conn, &e, "SELECT set_config('statement_timeout', $1, false)",
		                  1, p)) < 0) {
			drop_conn(w);
			log_warn("scheduled import could not start", "source=\"%s\" reason=\"%s\"",
			         sc->name, e.msg);
			return rc;
		}
	}
	memset(&res, 0, sizeof(res));
	rc = source_kind_of(sc->kind)->run(
	    w->conn, &(struct source_run){sc, trigger, s->data_dir, &ctl}, &res, &e);
	if (rc == IMPORT_SKIPPED)
		log_info("import skipped: busy or run recently elsewhere", "source=\"%s\"",
		         sc->name);
	else if (rc == 0)
		log_info("import run",
		         "source=\"%s\" trigger=%s run=%lld status=%s mode=%s commit=%.12s",
		         sc->name, trigger, res.run_id, res.status, res.mode, res.commit);
	else
		log_warn("import run failed",
		         "source=\"%s\" trigger=%s run=%lld status=%s reason=\"%s\"", sc->name,
		         trigger, res.run_id, res.status[0] ? res.status : "failed", e.msg);
	import_result_free(&res);
	if (rc == WW_EDB)
		drop_conn(w);
	return rc;
}

/* The slot due soonest that is not running; *at its time. Lock held. */
static struct slot *next_slot(struct scheduler *s, double *at)
{
	struct slot *best = NULL;

	*at = INFINITY;
	for (size_t i = 0; i < s->n; i++) {
		struct slot *sl = s->slots[i];
		double t = sl->due_ms;
		if (sl->running)
			continue;
		if (sl->trigger_ms > 0 && sl->trigger_ms < t)
			t = sl->trigger_ms;
		if (t < *at) {
			*at = t;
			best = sl;
		}
	}
	return best;
}

static void *work(void *arg)
{
	struct worker *w = arg;
	struct scheduler *s = w->s;

	if (w == &s->w[0]) {
		/* once per start, before any run: what a crashed process left running */
		struct err e = {0};
		if (connect_worker(w, &e) == 0) {
			fail_stale(w);
			__atomic_store_n(&s->stale_checked, 1, __ATOMIC_RELEASE);
		} else {
			log_warn("could not check for stale runs at start", "reason=\"%s\"", e.msg);
		}
	}
	pthread_mutex_lock(&s->lock);
	while (!s->stopping) {
		double at, now = clock_ms();
		struct slot *sl = next_slot(s, &at);
		if (sl == NULL || at > now) {
			if (isinf(at)) {
				pthread_cond_wait(&s->cond, &s->lock);
			} else {
				struct timespec ts = clock_after_ms(at - now);
				pthread_cond_timedwait(&s->cond, &s->lock, &ts);
			}
			continue;
		}
		char trigger[16];
		int by_trigger = sl->trigger_ms > 0 && sl->trigger_ms <= now;
		snprintf(trigger, sizeof(trigger), "%s", by_trigger ? sl->trigger : "schedule");
		if (by_trigger)
			sl->trigger_ms = 0;
		else
			sl->due_ms = now + sl->conf.interval_s * 1000.0 + jitter_ms(s, sl);
		sl->running = 1;
		struct source_conf conf = sl->conf;
		pthread_mutex_unlock(&s->lock);
		int rc = run_source(w, &conf, trigger);
		memset(&conf, 0, sizeof(conf));
		pthread_mutex_lock(&s->lock);
		sl->running = 0;
		if (rc == IMPORT_SKIPPED) {
			sl->n.skipped++;
			/* a push must not be lost to another daemon's older run: try again */
			if (by_trigger && sl->trigger_ms == 0) {
				sl->trigger_ms =
				    clock_ms() +
				    (sl->conf.debounce_ms > 0 ? sl->conf.debounce_ms : 1000);
				snprintf(sl->trigger, sizeof(sl->trigger), "%s", trigger);
			}
		} else {
			sl->n.runs++;
			if (rc < 0 && rc != WW_EINVALID)
				sl->n.failed++;
		}
		pthread_cond_broadcast(&s->cond);
	}
	w->done = 1;
	pthread_mutex_unlock(&s->lock);
	return NULL;
}

/* Starts one more worker, while there are fewer than sources (at most
 * MAX_WORKERS). Lock held, or before any worker runs. */
static int more_workers(struct scheduler *s, struct err *e)
{
	while (s->n_workers < MAX_WORKERS && (size_t)s->n_workers < s->n && !s->stopping) {
		struct worker *w = &s->w[s->n_workers];
		w->s = s;
		pthread_mutex_init(&w->conn_lock, NULL);
		if (pthread_create(&w->thread, NULL, work, w) != 0) {
			pthread_mutex_destroy(&w->conn_lock);
			return err_set(e, WW_EIO, "could not start an import worker: %s",
			               strerror(errno));
		}
		w->started = 1;
		s->n_workers++;
	}
	return 0;
}

/* Appends a copy of sc as a slot. Lock held, or before any worker runs. */
static int add_slot(struct scheduler *s, const struct source_conf *sc, double now)
{
	struct slot *sl;

	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 8;
		struct slot **v = realloc(s->slots, cap * sizeof(*v));
		if (v == NULL)
			return WW_ENOMEM;
		s->slots = v;
		s->cap = cap;
	}
	if ((sl = calloc(1, sizeof(*sl))) == NULL)
		return WW_ENOMEM;
	sl->conf = *sc;
	sl->due_ms = sl->conf.interval_s > 0 ? now + jitter_ms(s, sl) : INFINITY;
	s->slots[s->n++] = sl;
	return 0;
}

static void free_slots(struct scheduler *s)
{
	for (size_t i = 0; i < s->n; i++) {
		memset(s->slots[i], 0, sizeof(*s->slots[i])); /* secrets */
		free(s->slots[i]);
	}
	free(s->slots);
	sources_free(&s->src);
}

int scheduler_start(struct scheduler **out, const struct scheduler_opts *o, struct err *e)
{
	struct scheduler *s = calloc(1, sizeof(*s));
	pthread_condattr_t ca;
	double now = clock_ms();
	size_t n = o->sources ? o->sources->n : 0;
	int rc;

	*out = NULL;
	if (s == NULL)
		return err_set(e, WW_ENOMEM, "out of memory");
	pthread_mutex_init(&s->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&s->cond, &ca);
	pthread_condattr_destroy(&ca);
	snprintf(s->conninfo, sizeof(s->conninfo), "%s", o->conninfo);
	snprintf(s->data_dir, sizeof(s->data_dir), "%s", o->data_dir ? o->data_dir : "var");
	s->seed = (unsigned)time(NULL) ^ (unsigned)getpid();
	s->src.v = calloc(n + 1, sizeof(*s->src.v));
	if (s->src.v == NULL) {
		scheduler_stop(s, 0);
		return err_set(e, WW_ENOMEM, "out of memory");
	}
	s->src.n = n;
	if (o->sources)
		snprintf(s->src.file, sizeof(s->src.file), "%s", o->sources->file);
	for (size_t i = 0; i < n; i++) {
		s->src.v[i] = o->sources->v[i];
		if (add_slot(s, &o->sources->v[i], now) < 0) {
			scheduler_stop(s, 0);
			return err_set(e, WW_ENOMEM, "out of memory");
		}
	}
	if ((rc = more_workers(s, e)) < 0) {
		scheduler_stop(s, 1000);
		return rc;
	}
	log_info("scheduler started", "sources=%zu workers=%d file=\"%s\"", s->n, s->n_workers,
	         s->src.file);
	*out = s;
	return 0;
}

int scheduler_stop(struct scheduler *s, int timeout_ms)
{
	int left = 0, n_workers;
	struct timespec ts;

	if (s == NULL)
		return 0;
	pthread_mutex_lock(&s->lock);
	__atomic_store_n(&s->stopping, 1, __ATOMIC_RELEASE);
	pthread_cond_broadcast(&s->cond);
	n_workers = s->n_workers; /* no worker starts once stopping */
	pthread_mutex_unlock(&s->lock);
	for (int i = 0; i < n_workers; i++) {
		pthread_mutex_lock(&s->w[i].conn_lock);
		db_cancel(s->w[i].conn);
		pthread_mutex_unlock(&s->w[i].conn_lock);
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += timeout_ms / 1000;
	ts.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	for (int i = 0; i < n_workers; i++) {
		struct worker *w = &s->w[i];
		if (!w->started)
			continue;
		if (pthread_timedjoin_np(w->thread, NULL, &ts) != 0) {
			pthread_detach(w->thread);
			left++;
			continue;
		}
		db_close(w->conn);
		pthread_mutex_destroy(&w->conn_lock);
	}
	if (left > 0) {
		/* a worker still holds s: leave it allocated, the process is exiting */
		log_warn("scheduler stopped with an import in progress; it will be marked failed "
		         "on the next start",
		         "workers=%d", left);
		return left;
	}
	free_slots(s);
	pthread_cond_destroy(&s->cond);
	pthread_mutex_destroy(&s->lock);
	free(s);
	return 0;
}

/* Lock held. */
static struct slot *find(struct scheduler *s, const char *name)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->slots[i]->conf.name, name) == 0)
			return s->slots[i];
	return NULL;
}

int scheduler_add(struct scheduler *s, const struct source_conf *sc, struct err *e)
{
	int rc = 0;

	pthread_mutex_lock(&s->lock);
	if (s->stopping)
		rc = err_set(e, WW_EDB, "the daemon is stopping: try again after it restarts");
	else if (find(s, sc->name) == NULL && (rc = add_slot(s, sc, clock_ms())) < 0)
		rc = err_set(e, WW_ENOMEM, "out of memory");
	if (rc == 0)
		rc = more_workers(s, e);
	pthread_mutex_unlock(&s->lock);
	return rc;
}

int scheduler_source(struct scheduler *s, const char *name, struct source_conf *out)
{
	struct slot *sl;

	memset(out, 0, sizeof(*out));
	pthread_mutex_lock(&s->lock);
	if ((sl = find(s, name)) != NULL) {
		*out = sl->conf;
		memset(out->secret, 0, sizeof(out->secret));
	}
	pthread_mutex_unlock(&s->lock);
	return sl ? 0 : WW_ENOTFOUND;
}

int scheduler_trigger(struct scheduler *s, const char *name, const char *trigger, int *coalesced)
{
	struct slot *sl;
	int rc = 0;

	if (coalesced != NULL)
		*coalesced = 0;
	pthread_mutex_lock(&s->lock);
	if ((sl = find(s, name)) == NULL) {
		rc = WW_ENOTFOUND;
	} else if (sl->trigger_ms > 0) {
		if (coalesced != NULL)
			*coalesced = 1;
	} else {
		sl->trigger_ms = clock_ms() + sl->conf.debounce_ms;
		snprintf(sl->trigger, sizeof(sl->trigger), "%s", trigger);
		sl->n.pending = 1;
		pthread_cond_broadcast(&s->cond);
	}
	pthread_mutex_unlock(&s->lock);
	return rc;
}

const struct sources *scheduler_sources(const struct scheduler *s)
{
	return &s->src;
}

int scheduler_counts(struct scheduler *s, const char *name, struct scheduler_counts *out)
{
	struct slot *sl;

	memset(out, 0, sizeof(*out));
	pthread_mutex_lock(&s->lock);
	sl = find(s, name);
	if (sl != NULL) {
		*out = sl->n;
		out->pending = sl->trigger_ms > 0;
		out->running = sl->running;
	}
	pthread_mutex_unlock(&s->lock);
	return sl ? 0 : WW_ENOTFOUND;
}
