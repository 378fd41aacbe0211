/*
 * test_parallel.c - par_run: every item read in order and worked once, stops
 */
#include "parallel.h"

#include <criterion/criterion.h>
#include <string.h>

#define N 1000

struct items {
	size_t loaded[N]; /* the order load saw: loaded[k] is the k-th call's item */
	size_t n_loaded;
	int read[N];   /* set by load */
	int worked[N]; /* times worked */
	int saw_read[N];
	size_t stop_load, stop_work; /* N: never */
};

static int load(void *ctx, size_t k)
{
	struct items *it = ctx;

	it->loaded[it->n_loaded++] = k;
	if (k == it->stop_load)
		return 1;
	it->read[k] = 1;
	return 0;
}

static int work(void *ctx, size_t k)
{
	struct items *it = ctx;

	it->saw_read[k] = it->read[k];
	it->worked[k]++;
	return k == it->stop_work;
}

static void reset(struct items *it)
{
	memset(it, 0, sizeof(*it));
	it->stop_load = it->stop_work = N;
}

Test(parallel, every_item_read_in_order_and_worked_once)
{
	static const struct par_ops ops = {load, work};
	static struct items it;

	for (int t = 1; t <= 4; t++) {
		reset(&it);
		cr_assert_eq(par_run(N, t, &ops, &it), N);
		cr_assert_eq(it.n_loaded, N);
		for (size_t k = 0; k < N; k++) {
			cr_assert_eq(it.loaded[k], k, "%d threads: read out of order", t);
			cr_assert_eq(it.worked[k], 1, "%d threads: item %zu worked %d times", t, k,
			             it.worked[k]);
			cr_assert(it.saw_read[k], "%d threads: item %zu worked before read", t, k);
		}
	}
}

Test(parallel, without_load_everything_is_worked)
{
	static const struct par_ops ops = {NULL, work};
	static struct items it;

	reset(&it);
	cr_assert_eq(par_run(N, 3, &ops, &it), N);
	for (size_t k = 0; k < N; k++)
		cr_assert_eq(it.worked[k], 1);
}

Test(parallel, a_load_that_stops_ends_the_reading)
{
	static const struct par_ops ops = {load, work};
	static struct items it;

	for (int t = 1; t <= 4; t++) {
		reset(&it);
		it.stop_load = 700;
		cr_assert_eq(par_run(N, t, &ops, &it), 700);
		cr_assert_eq(it.n_loaded, 701);
		for (size_t k = 0; k < N; k++)
			cr_assert_eq(it.worked[k], k < 700 ? 1 : 0, "%d threads, item %zu", t, k);
	}
}

Test(parallel, a_work_that_stops_leaves_every_earlier_item_worked)
{
	static const struct par_ops ops = {load, work};
	static struct items it;

	for (int t = 1; t <= 4; t++) {
		reset(&it);
		it.stop_work = 300;
		par_run(N, t, &ops, &it);
		for (size_t k = 0; k <= 300; k++)
			cr_assert_eq(it.worked[k], 1, "%d threads, item %zu", t, k);
		for (size_t k = 301; k < N; k++)
			cr_assert_leq(it.worked[k], 1);
	}
}

Test(parallel, thread_counts)
{
	cr_expect_eq(par_threads(0, 0), 1);
	cr_expect_eq(par_threads(PAR_MIN_BATCH - 1, 0), 1);
	cr_expect_geq(par_threads(10000, 0), 1);
	cr_expect_leq(par_threads(10000, 0), PAR_MAX_THREADS);
	cr_expect_eq(par_threads(10, 4), 4, "an explicit count holds for small batches too");
	cr_expect_eq(par_threads(3, 4), 3, "never more threads than items");
	cr_expect_eq(par_threads(10000, 100), PAR_MAX_THREADS);
}
