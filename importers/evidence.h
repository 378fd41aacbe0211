/*
 * evidence.h - the evidence format (version 1): parse and validate documents
 *
 * Pure code: takes buffers, does no I/O. Used by `whatworks validate`, the git
 * importer and the feed importer, so every source is held to the same contract
 * (see evidence/README.md for the partner-facing description and
 * schema/evidence.schema.json for the JSON Schema).
 *
 * A file is parsed into a struct ev_doc: its kind, id, cross references and the
 * canonical JSON body (jansson) that is stored in PostgreSQL. Every problem is
 * appended to a struct ev_errors as "path:line:col: field: message"; parsing
 * goes on after an error so a partner sees all of a file's mistakes at once.
 */
#ifndef WW_EVIDENCE_H
#define WW_EVIDENCE_H

#include <jansson.h>
#include <stddef.h>

#define EV_MAX_FILE_SIZE (1024 * 1024) /* bytes in one file */
#define EV_MAX_DEPTH 32                /* nesting of maps and lists */
#define EV_MAX_NODES 100000            /* scalars, maps and lists in one file */
#define EV_MAX_ERRORS 1000             /* errors kept per set; more are counted */
#define EV_ID_MAX 80
#define EV_PARTICIPANT_RATE_MAX 10 /* baseline events per participant a year */

enum ev_kind {
	EV_INTERVENTION,
	EV_EVALUATION,
	/* reference data, versioned and validated like evidence */
	EV_UNIT_COSTS,
	EV_DEFLATORS,
	EV_AREAS,
	EV_CATEGORY_MAP,
	EV_BASELINES,
	EV_KIND_COUNT
};

struct ev_error {
	char *path;  /* file path as given to the parser */
	int line;    /* 1-based; 0 when unknown */
	int col;     /* 1-based; 0 when unknown */
	char *field; /* e.g. "outcomes[0].effect.ci95"; "" for the whole file */
	char *message;
};

struct ev_errors {
	struct ev_error *v;
	size_t n, cap;
	size_t dropped;       /* errors past EV_MAX_ERRORS, counted, not kept */
	char **dropped_paths; /* the file of each dropped error (for counting files) */
	size_t n_dropped_paths;
};

struct ev_doc {
	enum ev_kind kind;
	char id[EV_ID_MAX + 1];
	char *path;    /* owned copy of the path */
	int line, col; /* where the id is */
	json_t *body;  /* canonical JSON of the whole document, owned */
	/* evaluations only: the intervention it names, and where */
	char intervention[EV_ID_MAX + 1];
	int ref_line, ref_col;
	/* unit-costs and baselines: the key of each valid entry ("crime_type", or
	 * "crime_type/cohort") and where, for the checks across files; owned */
	struct ev_entry_key *keys;
	size_t n_keys;
};

struct ev_entry_key {
	char key[2 * EV_ID_MAX + 2];
	size_t entry; /* index in entries */
	int line, col;
};

/* "intervention", "evaluation", "unit-costs", ...; NULL for a bad kind */
const char *ev_kind_name(enum ev_kind k);
/* Returns the kind for a name, or -1. */
int ev_kind_parse(const char *name);

/*
 * Parses and validates one file's contents. On success returns 0 and sets
 * *out (caller frees with ev_doc_free). When the file is invalid returns
 * WW_EINVALID, sets *out to NULL and appends every error found to errs.
 * Returns WW_ENOMEM when memory runs out. Never reads or writes files.
 */
int ev_parse(struct ev_doc **out, const char *path, const char *buf, size_t len,
             struct ev_errors *errs);

/* Builds a document from JSON (a feed's export), validated exactly as YAML is;
 * errors carry the path given and line 0. */
int ev_from_json(struct ev_doc **out, const char *path, const json_t *body, struct ev_errors *errs);

void ev_doc_free(struct ev_doc *doc);

/*
 * Cross-file checks over a set of documents about to become the evidence base:
 * duplicate ids within a kind (naming both files), evaluations naming a
 * missing intervention (with "did you mean"), a unit-costs key defined in two
 * unit-costs files, a (crime_type, cohort) defined in two baselines files. known_ids are the
 * intervention ids already in the evidence base that docs do not replace (may be NULL when n_known
 * is 0); they count as existing and as "did you mean" candidates. Returns 0 or WW_EINVALID with
 * errors appended, or WW_ENOMEM.
 */
int ev_check_set(struct ev_doc *const *docs, size_t n, const char *const *known_ids, size_t n_known,
                 struct ev_errors *errs);

/* Appends an error; path/field/message are copied. Returns WW_ENOMEM or 0. */
int ev_errors_add(struct ev_errors *errs, const char *path, int line, int col, const char *field,
                  const char *fmt, ...) __attribute__((format(printf, 6, 7)));
/*
 * Moves from's errors to the end of to, keeping and counting them as adding
 * them one by one would (past EV_MAX_ERRORS they are counted, not kept), and
 * leaves from empty. Returns 0, or WW_ENOMEM with both unchanged.
 */
int ev_errors_move(struct ev_errors *to, struct ev_errors *from);
/* Writes "path:line:col: field: message" into buf (always terminated). */
void ev_error_format(const struct ev_error *e, char *buf, size_t size);
void ev_errors_free(struct ev_errors *errs);

/* The closest candidate to s within a small edit distance, or NULL. */
const char *ev_did_you_mean(const char *s, const char *const *candidates, size_t n);

#endif
