/*
 * db_import.h - what importers need from the database
 *
 * Sources, import runs and their errors, the current records of the evidence
 * base, and writing a new version of records. The importers decide what
 * changes; these functions only read and write rows, always with parameters.
 */
#ifndef WW_DB_IMPORT_H
#define WW_DB_IMPORT_H

#include "db.h"
#include "err.h"
#include "evidence.h"

#include <jansson.h>
#include <time.h>

struct db_source {
	long long id;
	char kind[16]; /* git, police-uk, feed */
	char name[128];
	char location[1024];
	char ref[256];
	char subpath[512];
	char last_commit[64]; /* "" before the first successful import */
	long long last_run_id;
};

struct db_counts {
	int added, updated, unchanged, removed, rejected;
};

/* A current record of the evidence base (any kind). */
struct db_record {
	char kind[16];
	char id[EV_ID_MAX + 1];
	char *path;
	char blob[65];
	long long source_id;
	char source_name[128];
	char ref[EV_ID_MAX + 1]; /* evaluations: the intervention they name */
};

struct db_records {
	struct db_record *v;
	size_t n;
};
void db_records_free(struct db_records *r);

/*
 * Finds the source by name, creating it when absent; location, ref and
 * subpath are updated to what src holds. Fills id, last_commit, last_run_id.
 */
int db_source_ensure(PGconn *c, struct db_source *src, struct err *e);

/* Session-level advisory lock on a source: one import of a source at a time. */
int db_source_lock(PGconn *c, long long source_id, struct err *e);
/* Takes the source's lock, saying (log, info) that it waits and for whom when
 * another session holds it; gives up after timeout_s (0: never) with
 * WW_ECONFLICT naming the holder. */
int db_source_lock_wait(PGconn *c, long long source_id, const char *name, int timeout_s,
                        struct err *e);
void db_source_unlock(PGconn *c, long long source_id);
/* The same lock without waiting: 1 when taken, 0 when another session holds it. */
int db_source_trylock(PGconn *c, long long source_id, struct err *e);

/* Re-reads last_commit and last_run_id (after taking the lock). */
int db_source_refresh(PGconn *c, struct db_source *src, struct err *e);

/* Records a run as running (committed at once, outside any transaction); the
 * requests waiting for the source (db_import_request) are served by it. */
int db_run_start(PGconn *c, long long source_id, const char *trigger, long long *run_id,
                 struct err *e);

/*
 * Records a request for a run of the source name (of kind, created with
 * location when it has no row yet): the first run of the source that starts
 * after it serves it. *id is the request's id (GET /v1/imports/requests/{id}).
 * WW_ECONFLICT when a source of another kind has the name.
 */
int db_import_request(PGconn *c, const char *name, const char *kind, const char *location,
                      const char *trigger, long long *id, struct err *e);

/* Marks runs of a source left "running" by a crashed process as failed. */
/* Marks failed every running run whose database session has ended (its
 * process was killed), whatever its source; *marked (may be NULL) counts them. */
int db_runs_reap(PGconn *c, int *marked, struct err *e);
int db_runs_fail_stale(PGconn *c, long long source_id, struct err *e);

/* Sets a run's outcome. status: succeeded, rejected, failed. */
int db_run_finish(PGconn *c, long long run_id, const char *status, const char *mode,
                  const char *commit, const char *previous, const struct db_counts *n,
                  const char *message, struct err *e);

/* Stores every error of a rejected run. */
int db_run_errors(PGconn *c, long long run_id, const struct ev_errors *errs, struct err *e);

/* Current records: of one source at the given paths (paths NULL: all of the
 * source's records). paths is a JSON array of strings. */
int db_current_by_paths(struct db_records *out, PGconn *c, long long source_id, const json_t *paths,
                        struct err *e);
/* Current records with the given keys, any source: keys is [[kind, id], ...]. */
int db_current_by_keys(struct db_records *out, PGconn *c, const json_t *keys, struct err *e);
/* Current evaluations naming any of the interventions in ids (JSON array). */
int db_current_referencing(struct db_records *out, PGconn *c, const json_t *ids, struct err *e);
/* Every current intervention id (for "did you mean"); caller frees each and the array. */
int db_intervention_ids(char ***ids, size_t *n, PGconn *c, struct err *e);

struct db_commit_meta {
	const char *commit;
	const char *author;
	time_t committed_at; /* 0 when unknown */
};

/* One document to store: its kind ("intervention", "evaluation", a reference
 * kind), id, path, blob and canonical body, all borrowed. */
struct db_doc {
	const char *kind;
	const char *id;
	const char *path;
	const char *blob;
	const json_t *body;
};

/*
 * Writes new versions of the n docs; the caller has closed the versions they
 * replace (db_records_retract). Evaluations get their outcome rows.
 */
int db_records_write(PGconn *c, long long run_id, long long source_id,
                     const struct db_commit_meta *m, const struct db_doc *docs, size_t n,
                     struct err *e);

/* Retracts the current versions with the given keys ([[kind, id], ...]). */
int db_records_retract(PGconn *c, long long run_id, const char *commit, const json_t *keys,
                       struct err *e);

/* Records the source's new position after a successful run. */
int db_source_advance(PGconn *c, long long source_id, const char *commit, long long run_id,
                      struct err *e);

/*
 * The latest runs (newest first, at most limit), or one run when run_id > 0,
 * as a JSON array of {id, source, kind, status, mode, commit, added, updated,
 * unchanged, removed, rejected, started_at, duration_ms, message, errors:
 * [{path, line, col, field, message}]}.
 */
int db_imports(json_t **out, PGconn *c, int limit, long long run_id, struct err *e);

/* Refreshes the planner statistics of the evidence tables (after a large
 * import; outside any transaction). */
int db_analyze_evidence(PGconn *c, struct err *e);

#endif
