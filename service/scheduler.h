/*
 * scheduler.h - runs the configured sources: at their interval, on webhook
 * pushes and on POST /v1/imports
 *
 * The one way an import runs in `serve`: the HTTP layer and the webhooks are
 * handed the scheduler (no global) and only ask for a run; they never wait
 * for one. A few worker threads (one per source, at most 4), each with its own
 * PostgreSQL connection, take the source that is due soonest. A source runs
 * at its interval plus a random jitter; a trigger (webhook, API) runs it
 * after its debounce, and triggers that arrive while one is pending or
 * running coalesce into one more run. Never two runs of one source at once:
 * here by a running flag, across daemons on one database by the source's
 * advisory lock taken without waiting (a busy source is skipped; a trigger is
 * tried again after its debounce). A scheduled run is also skipped when
 * another daemon ran the source within half its interval, so several
 * daemons import a source once per interval. At start, runs a crashed
 * process left "running" are marked failed (when no session holds the
 * source). Each run has its timeout (feed: checked while bytes arrive; every
 * kind: statement_timeout on its connection).
 */
#ifndef WW_SCHEDULER_H
#define WW_SCHEDULER_H

#include "err.h"
#include "sources.h"

struct scheduler;

struct scheduler_opts {
	const char *conninfo;          /* copied */
	const char *data_dir;          /* git mirrors; copied */
	const struct sources *sources; /* copied, secrets included */
};

/* Starts the workers. Returns 0, or WW_ENOMEM / WW_EIO. */
int scheduler_start(struct scheduler **out, const struct scheduler_opts *o, struct err *e);

/*
 * Stops: no new run starts, runs in progress are asked to stop (feeds stop
 * at once, statements are cancelled), and waits at most timeout_ms for the
 * workers. Returns the number of workers that did not stop in time (left
 * detached; their run is marked failed by the next start). Frees s.
 */
int scheduler_stop(struct scheduler *s, int timeout_ms);

/*
 * Asks for a run of source name soon (after its debounce). trigger is
 * "webhook" or "api". Returns 0 (queued, or coalesced with one pending:
 * *coalesced is set), WW_ENOTFOUND for an unknown source.
 */
int scheduler_trigger(struct scheduler *s, const char *name, const char *trigger, int *coalesced);

/* The sources file's sources (borrowed, valid until scheduler_stop). */
const struct sources *scheduler_sources(const struct scheduler *s);

/* Counters of one source, for tests and logs. */
struct scheduler_counts {
	long runs;    /* runs started (recorded in import_runs) */
	long skipped; /* skipped: busy elsewhere or run recently by another daemon */
	long failed;
	int pending, running;
};
int scheduler_counts(struct scheduler *s, const char *name, struct scheduler_counts *out);

/*
 * Adds a source that is run only when triggered (sc->interval_s 0), such as
 * one `whatworks import` recorded in the database and POST /v1/imports
 * names; nothing when a source of that name is there already. Starts a
 * worker when there are fewer than sources (at most 4). Returns 0, or
 * WW_ENOMEM / WW_EIO, WW_EDB while stopping.
 */
int scheduler_add(struct scheduler *s, const struct source_conf *sc, struct err *e);

/* A copy of the source's settings without its secret: 0, or WW_ENOTFOUND. */
int scheduler_source(struct scheduler *s, const char *name, struct source_conf *out);

#endif
