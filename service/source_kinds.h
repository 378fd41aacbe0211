/*
 * source_kinds.h - the kinds of source, one table row each
 *
 * A row names the kind, says what its sources file sections need, runs one
 * import of a configured source (the scheduler), and runs `whatworks import
 * KIND ...` (the command line). The sources file parser, the scheduler and
 * `whatworks import` all go through the table, so adding a kind is its
 * importer, one row here and its migration.
 */
#ifndef WW_SOURCE_KINDS_H
#define WW_SOURCE_KINDS_H

#include "import.h"
#include "sources.h"

/* One run of a configured source; every pointer borrowed. */
struct source_run {
	const struct source_conf *sc;
	const char *trigger;              /* schedule, webhook, api, manual */
	const char *data_dir;             /* holds mirrors/ */
	const struct import_control *ctl; /* how the run yields to others */
};

struct source_kind_def {
	enum source_kind id;
	const char *name;      /* in the sources file and on the command line */
	int versions_evidence; /* writes versioned evidence records (import_run) */
	int needs_location;    /* location = is required */
	int location_is_url;   /* location must be http(s) */
	int takes_ref_path;    /* ref = and path = apply */
	/* One import of r->sc on c: import_*'s code, res filled (free it with
	 * import_result_free). */
	int (*run)(PGconn *c, const struct source_run *r, struct import_result *res, struct err *e);
	/* `whatworks import NAME ...`: argv[0] is NAME; the exit status. */
	int (*cli)(int argc, char **argv);
};

/* The kind named name, or NULL. */
const struct source_kind_def *source_kind_find(const char *name);
/* The row of a kind (never NULL for a valid id). */
const struct source_kind_def *source_kind_of(enum source_kind id);
/* "git, feed or police-uk" into out: the names, for messages. */
void source_kinds_list(char *out, size_t size);

#endif
