/*
 * import.h - running an import of a source into the evidence base
 *
 * One import is one transaction: every file of the new commit that changed is
 * parsed and validated, cross-checked against the rest of the evidence base,
 * and written with its provenance; or, when anything is invalid, nothing is
 * written, the run is recorded as rejected with every error and the last good
 * commit stays current.
 */
#ifndef WW_IMPORT_H
#define WW_IMPORT_H

#include "db_import.h"
#include "evidence.h"

/*
 * How a run yields to others; NULL or zeroes: wait for the source's lock and
 * always run. The scheduler skips instead of queueing behind another daemon.
 */
struct import_control {
	int skip_if_busy;         /* another session holds the source: skip, do not wait */
	int skip_if_ran_within_s; /* a run of the source started this recently: skip */
	const int *stop;          /* when it becomes non-zero, a fetch in progress stops */
	double deadline_ms;       /* CLOCK_MONOTONIC ms after which a fetch stops; 0: none */
	int parse_threads;        /* threads parsing the changes; 0: one per core (par_threads) */
};

/* How long an import that does not skip a busy source waits for it, in
 * seconds ($WHATWORKS_IMPORT_LOCK_TIMEOUT; 0: for ever). */
#define IMPORT_LOCK_TIMEOUT_S 600

/* import_* returns this (a run was not even started) when ctl asked to skip. */
#define IMPORT_SKIPPED 1

struct import_git_opts {
	const char *name;                 /* source name; NULL: derived from location and path */
	const char *location;             /* repository path or URL */
	const char *ref;                  /* NULL: the remote's default branch */
	const char *subpath;              /* NULL or "": the root */
	const char *data_dir;             /* holds mirrors/ */
	const char *trigger;              /* manual, schedule, webhook, api */
	const struct import_control *ctl; /* NULL: wait for the lock */
};

struct import_result {
	long long run_id;
	char status[16]; /* succeeded, rejected, failed; skipped (IMPORT_SKIPPED) */
	char mode[16];   /* full, incremental, rewritten, unchanged */
	char commit[64];
	char previous[64];
	struct db_counts n;
	struct ev_errors errs; /* when rejected */
	double duration_ms;
};

/*
 * Imports a git source. Returns 0 when the run succeeded (also when the
 * commit was already imported), WW_EINVALID when it was rejected (the errors
 * are in res->errs), IMPORT_SKIPPED (see struct import_control), or another
 * negative code when it failed (upstream, db);
 * the run is recorded in every case once it could be started.
 * Free res with import_result_free.
 */
int import_git(PGconn *c, const struct import_git_opts *o, struct import_result *res,
               struct err *e);

void import_result_free(struct import_result *res);

#endif
