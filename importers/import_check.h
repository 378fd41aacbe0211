/*
 * import_check.h - an import's cross-checks, apart from the queries they need
 *
 * One run's parsed documents are checked against the rest of the evidence
 * base: an id held by another file of the source (duplicate) or by another
 * source (ownership), an evaluation naming an intervention that does not
 * exist or that this run removes, an intervention removed while evaluations
 * elsewhere still name it. import_run gathers what the database holds in
 * three or four lookups first (struct import_lookups); everything here is
 * pure, so a unit test drives it without PostgreSQL.
 *
 *   import_keys_build   what the run alone says: its keys, what it retracts
 *   (caller)            the lookups, asking import_needs_all_ids for the last
 *   import_check        the errors, and what scoring must revisit
 */
#ifndef WW_IMPORT_CHECK_H
#define WW_IMPORT_CHECK_H

#include "db_import.h"
#include "evidence.h"
#include "strset.h"

#include <jansson.h>

/* The run as the checks see it; every pointer borrowed. */
struct import_check_in {
	long long source_id;
	const char *source_name;
	struct ev_doc *const *docs; /* parsed, valid documents */
	size_t n_docs;
	const struct db_records *at_paths; /* current records at parsed or deleted paths */
	const struct strset *parsed_paths; /* sorted */
	const struct strset *gone_paths;   /* sorted */
};

/* What the run alone says, before any query; owned, free with import_keys_free. */
struct import_keys {
	struct strset new_keys;  /* "kind\x1fid" of each document, owned strings, sorted */
	struct strset retracted; /* intervention ids this run retracts, sorted */
	json_t *keys;            /* [[kind, id]] of each document: look up same_keys */
	json_t *ref_keys;        /* [["intervention", id]] named by evaluations: look up named */
	json_t *gone_ivs;        /* intervention ids retracted: look up referencing */
	json_t *retract;         /* [[kind, id]] this run retracts */
};

/* What the database holds that the checks need; filled by the caller. */
struct import_lookups {
	struct db_records same_keys;   /* current records with a document's kind and id */
	struct db_records named;       /* current records for ref_keys (empty when none) */
	struct db_records referencing; /* current evaluations naming a gone_ivs id */
	char **all_ids;                /* every current intervention id, when have_all_ids */
	size_t n_all_ids;
	int have_all_ids;
};

/* The checks' result beside the errors; free touched with json_decref. */
struct import_verdict {
	json_t *touched;       /* intervention ids whose evidence changed (may repeat) */
	int reference_changed; /* a reference document was written or replaced */
};

/* "kind\x1fid", owned by the caller; NULL when memory runs out. */
char *import_key(const char *kind, const char *id);

/* Fills k from in. Returns 0 or WW_ENOMEM (k is freed then). */
int import_keys_build(struct import_keys *k, const struct import_check_in *in);
void import_keys_free(struct import_keys *k);

/*
 * Whether an evaluation names an intervention that is neither among `named`
 * (and kept) nor defined by the run: then the caller gathers every id (for
 * "did you mean") before import_check. Returns 1, 0 or WW_ENOMEM.
 */
int import_needs_all_ids(const struct import_check_in *in, const struct import_keys *k,
                         const struct import_lookups *l);

/*
 * Appends every cross-check error to errs and fills *out. Returns 0 (errors
 * or not: the caller looks at errs) or WW_ENOMEM (out is empty then).
 */
int import_check(struct import_verdict *out, const struct import_check_in *in,
                 const struct import_keys *k, const struct import_lookups *l,
                 struct ev_errors *errs);

/* Frees what the caller gathered into l; NULL-safe. */
void import_lookups_free(struct import_lookups *l);

#endif
