/*
 * import_run.h - the all-or-nothing import of one source, whatever its kind
 *
 * A source kind (git, feed) says how to fetch what changed and how to parse
 * one document; import_run does the rest the same way for every kind: lock
 * the source, mark runs a crashed process left "running" as failed, record
 * the run, plan against the database by path and blob, validate and
 * cross-check, then reject with every error or write, retract, rescore and
 * advance in one transaction.
 *
 * Records are keyed by kind and id; paths and blobs only say what changed.
 */
#ifndef WW_IMPORT_RUN_H
#define WW_IMPORT_RUN_H

#include "import.h"

#include <time.h>

/* One document of the source: its path and content id (borrowed). */
struct import_change {
	const char *path;
	const char *blob; /* git blob id or content hash; "" for a deletion */
	int deleted;
};

/* What a fetch found; every pointer borrowed from the kind's context. */
struct import_changes {
	const char *mode;     /* full, incremental, rewritten, unchanged */
	int incremental;      /* v holds only the changes; else every document of the source */
	const char *commit;   /* recorded on the run and on each record written */
	const char *previous; /* recorded as the run's previous commit; NULL: the source's */
	const char *position; /* the source's new last_commit; NULL: commit */
	const char *message;  /* recorded on an unchanged run */
	const char *author;   /* may be NULL */
	time_t committed_at;  /* 0 when unknown */
	const struct import_change *v;
	size_t n;
};

struct import_source_ops {
	/*
	 * Fetches the source given its last position (src->last_commit) into
	 * ch. Returns 0, or a negative code with e set (the run fails).
	 */
	int (*fetch)(void *ctx, const struct db_source *src, struct import_changes *ch,
	             struct err *e);
	/*
	 * Parses change i into *doc. Returns 0, WW_EINVALID after appending
	 * its errors (the document is rejected, the run goes on collecting
	 * errors), or another negative code with e set (the run fails). Runs on
	 * several threads at once for different changes of a large batch, so it
	 * may read ctx but never change it (a libgit2 repository is not to be
	 * touched; its object database is safe).
	 */
	int (*parse)(const void *ctx, size_t i, struct ev_doc **doc, struct ev_errors *errs,
	             struct err *e);
};

/*
 * Runs one import of src (name, kind, location, ref, subpath filled in; the
 * row is created when absent). Returns 0 when the run succeeded, IMPORT_SKIPPED
 * when ctl asked to skip and the source was busy or recently run (no run
 * recorded, res->status "skipped"), WW_EINVALID when it was rejected, or
 * another negative code when it failed. ctl may be NULL.
 */
int import_run(PGconn *c, struct db_source *src, const char *trigger,
               const struct import_control *ctl, const struct import_source_ops *ops, void *ctx,
               struct import_result *res, struct err *e);

#endif
