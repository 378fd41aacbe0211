/*
 * gitsrc.h - the git source: a bare mirror, a commit, the files that changed
 *
 * Keeps a bare mirror of a partner repository under the data directory,
 * fetches it, resolves a ref and reads YAML blobs straight from the tree: never
 * a checkout, so a hostile repository cannot write files. Symlinks and
 * submodules are skipped with a warning.
 *
 * Only this file includes git2.h.
 */
#ifndef WW_GITSRC_H
#define WW_GITSRC_H

#include "err.h"

#include <stddef.h>
#include <time.h>

enum gitsrc_mode {
	GITSRC_FULL,        /* first import: every file under the path */
	GITSRC_INCREMENTAL, /* the diff of the last imported commit's tree and the new one */
	GITSRC_REWRITTEN,   /* the last imported commit is gone (force push): every file */
	GITSRC_UNCHANGED,   /* the same commit as last time */
};

enum gitsrc_status { GITSRC_ADDED, GITSRC_MODIFIED, GITSRC_DELETED };

struct gitsrc_entry {
	enum gitsrc_status status;
	char *path;    /* relative to the repository root */
	char blob[41]; /* hex blob id; "" for a deletion */
};

struct gitsrc_snapshot {
	enum gitsrc_mode mode;
	char commit[41];
	char author[256]; /* "Name <email>" of the commit's author */
	time_t commit_time;
	struct gitsrc_entry *entries; /* full modes: every YAML file; incremental: the changes */
	size_t n_entries;
	char **warnings; /* skipped symlinks, submodules, oversized files */
	size_t n_warnings;
	void *priv; /* the repository */
	void *odb;  /* its object database, for gitsrc_read */
};

/* A location with its user-info part replaced by three stars, safe to
 * log or print (tokens and passwords live there). */
void gitsrc_redact(char *out, size_t size, const char *location);

/*
 * Fetches location (a path or URL) into the mirror under data_dir and resolves
 * ref (NULL: the remote's default branch). Lists the .yaml and .yml files under subpath
 * ("" for the root): all of them, or only what changed since last_commit
 * (NULL or "" for none). Returns 0, WW_EUPSTREAM when fetching fails,
 * WW_ENOTFOUND when the ref does not exist, WW_EIO for the mirror.
 */
int gitsrc_snapshot(struct gitsrc_snapshot **out, const char *location, const char *ref,
                    const char *subpath, const char *data_dir, const char *last_commit,
                    struct err *e);

/*
 * Reads a blob of the snapshot into a malloc'd buffer (NUL-terminated).
 * Several threads may read from one snapshot at once: the reads go to
 * libgit2's object database, which locks itself (documented thread-safe
 * since libgit2 1.4; Debian 12 has 1.5), never to the repository.
 */
int gitsrc_read(const struct gitsrc_snapshot *s, const char *blob, char **buf, size_t *len,
                struct err *e);

void gitsrc_snapshot_free(struct gitsrc_snapshot *s);

const char *gitsrc_mode_name(enum gitsrc_mode m);

#endif
