/*
 * api_internal.h - what the api_*.c files share: parameter parsing, the
 * evidence version, paging and cursors, and a small SQL builder
 *
 * Not for the HTTP layer; it sees only api.h.
 *
 * How an endpoint reads the evidence base. Every query takes the run to read
 * as $1: NULL for the current evidence base (valid_to IS NULL), or the id of a
 * succeeded import run R, read as valid_from <= R AND (valid_to IS NULL OR
 * valid_to > R). R comes from ?as_of=<commit> or from a cursor (a cursor pins
 * the run its first page was served from, so a walk through the pages sees
 * one version even when an import lands in the middle). The query builds the
 * whole response document in PostgreSQL and returns it as one text value:
 * one round trip, parsed once with jansson.
 *
 * Values never enter SQL text: qb_param() binds them as $n. Only fragments
 * written in this code (and column expressions picked from a whitelist by
 * name) are appended with qb_sql().
 */
#ifndef WW_API_INTERNAL_H
#define WW_API_INTERNAL_H

#include "api.h"
#include "vocab.h"

#include <stdint.h>

/* The visibility predicate of a versioned table aliased a, as of run $1. */
#define API_VISIBLE(a)                                                                             \
	"(($1::bigint IS NULL AND " a ".valid_to IS NULL) OR ($1::bigint IS NOT NULL AND " a       \
	".valid_from <= $1::bigint AND (" a ".valid_to IS NULL OR " a ".valid_to > $1::bigint)))"

/* A JSON object {run_id, commit} of the run read ($1), or of the latest
 * succeeded run when $1 is NULL; SQL NULL when there is none. A run of mode
 * 'unchanged' (its commit was already imported) changed nothing, so it is
 * not a version of its own; nor is a police-uk run, which writes crime counts,
 * not evidence. */
#define API_VERSION_SQL                                                                            \
	"(SELECT json_build_object('run_id', r.id, 'commit', r.commit) FROM import_runs r"         \
	" WHERE r.status = 'succeeded' AND (($1::bigint IS NULL AND r.mode IS DISTINCT FROM"       \
	" 'unchanged' AND r.source_id IN (SELECT s.id FROM sources s WHERE s.kind <> "             \
	"'police-uk'))"                                                                            \
	" OR r.id = $1::bigint) ORDER BY r.id DESC LIMIT 1)"

/* Provenance of a versioned row aliased a, as a JSON object. */
#define API_PROVENANCE(a)                                                                          \
	"json_build_object('source', (SELECT src.name FROM sources src WHERE src.id = " a          \
	".source_id), 'commit', " a ".commit, 'path', " a ".path, 'blob', " a ".blob,"             \
	" 'author', " a ".author, 'committed_at', " a ".committed_at, 'valid_from', " a            \
	".valid_from)"

#define QB_MAX_PARAMS 24
#define QB_VALUE_MAX 512

/* An SQL statement under construction with its bound values. */
struct qb {
	char sql[12288];
	size_t len;
	int overflow;
	int prepare; /* run prepared once per connection (db_exec_prepared): hot statements */
	int n;
	const char *values[QB_MAX_PARAMS];
	char store[QB_MAX_PARAMS][QB_VALUE_MAX];
};

void qb_init(struct qb *q);
/* Appends SQL text written in this code (never a request value). */
void qb_sql(struct qb *q, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Binds a copy of value (NULL binds SQL NULL); returns its number n for $n. */
int qb_param(struct qb *q, const char *value);
/* Binds a long long. */
int qb_param_ll(struct qb *q, long long v);
/* Runs the statement, which must return one row with one text column holding
 * a JSON document; *out receives it (owned). WW_EDB on a database error. */
int qb_exec_json(struct qb *q, PGconn *db, json_t **out, struct err *e);

/* Parameter helpers. An absent or empty value counts as absent: they return
 * 0 when absent, 1 when set, and WW_EINVALID (naming the parameter and what
 * is allowed) when the value is bad. */
const char *api_param(const struct api_params *p, const char *name);
int api_check_params(const struct api_params *p, const char *const *allowed, struct err *e);
int api_param_int(const struct api_params *p, const char *name, long long min, long long max,
                  long long *out, struct err *e);
int api_param_bool(const struct api_params *p, const char *name, int *out, struct err *e);
int api_param_number(const struct api_params *p, const char *name, char *out, size_t size,
                     struct err *e);

/* What the elements of a list parameter may be. */
enum api_list_kind {
	API_LIST_ENUM,    /* one of allowed[] */
	API_LIST_ID,      /* an evidence id: ^[a-z0-9][a-z0-9-]{0,79}$ */
	API_LIST_COUNTRY, /* ISO 3166-1 alpha-2, upper-cased */
};

/* A comma-separated list as a PostgreSQL array literal "{a,b}" in out (safe:
 * every element is checked first). allowed is NULL-terminated (ENUM only). */
int api_param_list(const struct api_params *p, const char *name, enum api_list_kind kind,
                   const char *const *allowed, char *out, size_t size, struct err *e);
/* YYYY, YYYY-MM or YYYY-MM-DD, checked for a real month and day. */
int api_param_date_prefix(const struct api_params *p, const char *name, const char **out,
                          struct err *e);
/* A free-text search as an ILIKE pattern %...% with \ % _ escaped. */
int api_param_search(const struct api_params *p, const char *name, char *out, size_t size,
                     struct err *e);

/* A sortable column: its public name and its SQL expression over the query's
 * row source (written here, never from the request). */
struct api_sort_col {
	const char *name;
	const char *expr;
};

/*
 * Parses ?sort=-a,b against cols (NULL-terminated by name) into an ORDER BY
 * list in out, NULLS LAST in both directions, ending with tiebreak ascending
 * unless the request already sorts on it. def is the sort when absent.
 */
int api_parse_sort(const struct api_params *p, const struct api_sort_col *cols, const char *def,
                   const char *tiebreak, char *out, size_t size, struct err *e);

/* Paging, parsed. */
struct api_page {
	long long limit, offset;
	long long run; /* the run to read: 0 = current */
	long long key; /* keyset endpoints: the last key of the previous page, 0 = none */
	int from_cursor;
	uint64_t hash; /* of the endpoint and every parameter but the paging ones */
};

/*
 * Parses limit, offset and cursor (and as_of when allowed has it). A cursor
 * and an offset together are WW_EINVALID; a cursor made for other parameters
 * or by hand is WW_EINVALID. Without a cursor, as_of is resolved to its run
 * (one query, only when as_of is given).
 */
int api_parse_page(struct api_page *pg, PGconn *db, const struct api_params *p,
                   const char *endpoint, const char *const *allowed, long long def_limit,
                   long long max_limit, struct err *e);

/* Resolves ?as_of (when present) to its run; *run = 0 when absent. */
int api_parse_as_of(long long *run, PGconn *db, const struct api_params *p, struct err *e);

/* Binds the run as $1 (must be the first parameter bound). */
void api_bind_run(struct qb *q, long long run);

/* Fills v from a {run_id, commit} JSON object (NULL: no import yet). */
void api_version_from_json(struct api_version *v, const json_t *obj);

/*
 * Finishes a list response from doc = {"total", "version", "data"} (stolen):
 * out->body = {"data", "meta"}, the paging fields, next_cursor (built with
 * next_key as the keyset key when >= 0) and the CSV rows from columns.
 */
int api_finish_list(struct api_result *out, json_t *doc, const struct api_page *pg,
                    const char *const *columns, long long next_key, struct err *e);

/*
 * Finishes a single-item response from doc = {"version", "data"} (stolen).
 * When data is null returns WW_ENOTFOUND with the message "<what> "<id>" does
 * not exist". rows_key names an array inside data to offer as CSV rows (or
 * NULL).
 */
int api_finish_item(struct api_result *out, json_t *doc, const char *what, const char *id,
                    const char *rows_key, const char *const *columns, struct err *e);

/*
 * The same two without jansson on the way: the JSON PostgreSQL rendered is
 * passed through as text (out->text) and CSV rows are built only when asked
 * for (api_result_rows).
 *
 * api_list_text runs q, which must return one row of four columns: the total
 * (bigint), the version (a json {run_id, commit}, or NULL), the number of
 * items on the page and the page itself (a json array); out->text becomes
 * {"data": <page>, "meta": {...}} as api_finish_list would make it.
 *
 * api_item_text runs q, which must return one row of two columns: the version
 * and the item (json, NULL when there is no such item: WW_ENOTFOUND as
 * api_finish_item); out->text becomes {"data": <item>, "meta": {...}}.
 */
int api_list_text(struct api_result *out, struct qb *q, PGconn *db, const struct api_page *pg,
                  const char *const *columns, long long next_key, struct err *e);
int api_item_text(struct api_result *out, struct qb *q, PGconn *db, const char *what,
                  const char *id, const char *rows_key, const char *const *columns, struct err *e);

/* Flat CSV rows from an array of objects; a column "a.b" reads a nested key. */
json_t *api_flatten_rows(const json_t *items, const char *const *columns);

/* True when s is an evidence id. */
int api_is_id(const char *s);

/* The allowed values of the enum parameters: the lists of vocab.h. */

/*
 * Appends " AND <cond>" for the value-for-money filters band, min_evidence,
 * harmful and min_bcr, on a scores row aliased s (which may be missing: a
 * left join, where no score counts as rating 0 and not harmful).
 */
int api_score_filters(struct qb *q, const struct api_params *p, struct err *e);

#endif
