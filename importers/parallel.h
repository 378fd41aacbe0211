/*
 * parallel.h - work through a list on a few threads, reading it in order on one
 *
 * Parsing thousands of evidence files is pure work that threads can share,
 * but reading them may not be (a libgit2 repository belongs to one thread).
 * par_run reads item after item on the calling thread and hands each one to
 * the next free thread as soon as it is read; once everything is read the
 * calling thread works too. Results go into the caller's own slot per item,
 * so the caller merges them in item order afterwards and the output does not
 * depend on the number of threads or on which thread finished first.
 */
#ifndef WW_PARALLEL_H
#define WW_PARALLEL_H

#include <stddef.h>

/* Batches smaller than this are worked on the calling thread alone. */
#define PAR_MIN_BATCH 64
/* Threads par_threads never goes beyond. */
#define PAR_MAX_THREADS 8

/*
 * How many threads to work n items on: want when want > 0 (a caller's or a
 * test's choice, at most PAR_MAX_THREADS); else 1 for fewer than
 * PAR_MIN_BATCH items, or the online CPUs up to PAR_MAX_THREADS. Never more
 * than n, never less than 1. Can't fail.
 */
int par_threads(size_t n, int want);

struct par_ops {
	/*
	 * Reads item k, on the calling thread, for k = 0, 1, ... in order; NULL
	 * when there is nothing to read. Returns 0 to go on, or non-zero to
	 * stop: item k is then not worked, nor anything after it read.
	 */
	int (*load)(void *ctx, size_t k);
	/*
	 * Works item k on any of the threads, at the same time as other items
	 * are worked and read: it may touch only item k's own slot and what
	 * nobody writes meanwhile. Returns 0, or non-zero to stop: items not
	 * yet started are then never worked (those before k all were).
	 */
	int (*work)(void *ctx, size_t k);
};

/*
 * Reads and works items 0..n-1 on up to nthreads threads (the calling thread
 * one of them; fewer when a thread cannot be started) and returns once every
 * item started has been worked. Returns how many items were read: n, or
 * fewer when load stopped. After a stop, some items may be read but not
 * worked; the caller tells them apart by its slots. Can't fail.
 */
size_t par_run(size_t n, int nthreads, const struct par_ops *ops, void *ctx);

#endif
