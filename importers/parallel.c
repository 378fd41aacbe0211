/*
 * parallel.c - work through a list on a few threads, reading it in order on one
 *
 * One mutex guards three counters: how many items are read, which is the
 * next to work, whether anything asked to stop. Workers take the next read
 * item under the mutex and work it outside; they sleep on a condition when
 * they have caught up with the reading. Items are claimed in order, so when
 * item k has been claimed every item before it has been too.
 */
#include "parallel.h"

#include <pthread.h>
#include <unistd.h>

struct par {
	pthread_mutex_t mu;
	pthread_cond_t ready; /* more items read, reading done, or a stop */
	size_t loaded;        /* items [0, loaded) may be worked */
	size_t next;          /* the next item to claim */
	int loading;          /* the calling thread is still reading */
	int stop;             /* a work returned non-zero: claim nothing more */
	const struct par_ops *ops;
	void *ctx;
};

int par_threads(size_t n, int want)
{
	long cpus;
	int t;

	if (want > 0) {
		t = want < PAR_MAX_THREADS ? want : PAR_MAX_THREADS;
	} else if (n < PAR_MIN_BATCH) {
		t = 1;
	} else {
		cpus = sysconf(_SC_NPROCESSORS_ONLN);
		t = cpus < 1 ? 1 : cpus > PAR_MAX_THREADS ? PAR_MAX_THREADS : (int)cpus;
	}
	if ((size_t)t > n)
		t = n > 0 ? (int)n : 1;
	return t;
}

/* Works items until none are left, reading is done and none will come. */
static void drain(struct par *p)
{
	pthread_mutex_lock(&p->mu);
	for (;;) {
		while (!p->stop && p->next >= p->loaded && p->loading)
			pthread_cond_wait(&p->ready, &p->mu);
		if (p->stop || p->next >= p->loaded)
			break;
		size_t k = p->next++;
		pthread_mutex_unlock(&p->mu);
		int rc = p->ops->work(p->ctx, k);
		pthread_mutex_lock(&p->mu);
		if (rc != 0) {
			p->stop = 1;
			pthread_cond_broadcast(&p->ready);
		}
	}
	pthread_mutex_unlock(&p->mu);
}

static void *worker(void *arg)
{
	drain(arg);
	return NULL;
}

/* Makes items [0, loaded) available and wakes a sleeping worker. */
static void publish(struct par *p, size_t loaded, int done)
{
	pthread_mutex_lock(&p->mu);
	p->loaded = loaded;
	if (done) {
		p->loading = 0;
		pthread_cond_broadcast(&p->ready);
	} else {
		pthread_cond_signal(&p->ready);
	}
	pthread_mutex_unlock(&p->mu);
}

static int stopped(struct par *p)
{
	pthread_mutex_lock(&p->mu);
	int s = p->stop;
	pthread_mutex_unlock(&p->mu);
	return s;
}

size_t par_run(size_t n, int nthreads, const struct par_ops *ops, void *ctx)
{
	struct par p = {.loading = 1, .ops = ops, .ctx = ctx};
	pthread_t tid[PAR_MAX_THREADS];
	int started = 0;
	size_t k = 0;

	if (nthreads > PAR_MAX_THREADS)
		nthreads = PAR_MAX_THREADS;
	/* one thread: read and work each item in turn, no mutex needed */
	if (nthreads <= 1) {
		for (k = 0; k < n; k++) {
			if (ops->load != NULL && ops->load(ctx, k) != 0)
				break;
			if (ops->work(ctx, k) != 0)
				return ops->load != NULL ? k + 1 : n;
		}
		return ops->load != NULL ? k : n;
	}
	pthread_mutex_init(&p.mu, NULL);
	pthread_cond_init(&p.ready, NULL);
	if (ops->load == NULL) {
		p.loaded = n;
		p.loading = 0;
	}
	/* the calling thread reads first and works afterwards: one fewer started */
	while (started < nthreads - 1 && pthread_create(&tid[started], NULL, worker, &p) == 0)
		started++;
	if (ops->load != NULL) {
		for (k = 0; k < n && !stopped(&p); k++) {
			if (ops->load(ctx, k) != 0)
				break;
			publish(&p, k + 1, 0);
		}
		publish(&p, k, 1);
	} else {
		k = n;
	}
	drain(&p);
	for (int t = 0; t < started; t++)
		pthread_join(tid[t], NULL);
	pthread_cond_destroy(&p.ready);
	pthread_mutex_destroy(&p.mu);
	return k;
}
