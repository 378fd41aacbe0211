/*
 * api.h - the read side of the REST API: request parameters in, JSON out
 *
 * These functions know the database schema and the query parameters of each
 * endpoint, and nothing of HTTP: the HTTP layer (http*.c) parses the request,
 * borrows a connection from the pool, calls one of these, and renders the
 * result as JSON or CSV with the conventions (ETag, Link, gzip, CORS).
 *
 * Errors: WW_EINVALID for a bad parameter (the message names the parameter
 * and what is allowed, e.g. 'parameter "limit" must be an integer from 1 to
 * 500'), WW_ENOTFOUND for an unknown id or as_of commit, WW_EDB when
 * PostgreSQL fails. One place (http_status_for in http.c) maps codes to HTTP
 * statuses.
 *
 * Conventions every endpoint shares (api_internal.h has the details):
 * - an empty parameter value counts as absent;
 * - list filters on enumerations and ids take one value or a comma-separated
 *   list (any of them matches);
 * - ?as_of=<commit> (7 to 64 hex digits, a unique prefix) reads the evidence
 *   base as the succeeded import run of that commit left it; the version
 *   served is then that run;
 * - paged lists take limit, offset and cursor. next_cursor is opaque: it
 *   encodes the offset of the next page, the import run the first page was
 *   read from (later pages read as of that run) and a hash of the sort and
 *   filters, so it only works with the same parameters (limit may change);
 *   cursor with offset, or a cursor made for other parameters, is
 *   WW_EINVALID. /v1/imports pages by keyset on the run id instead.
 */
#ifndef WW_API_H
#define WW_API_H

#include "db.h"
#include "err.h"

#include <jansson.h>
#include <stdint.h>

/*
 * Request parameters: get(ctx, name) returns the value or NULL when absent.
 * name_at(ctx, i) returns the name of the i-th parameter present in the
 * request (any order, duplicates allowed) and NULL past the last one; every
 * endpoint rejects a name it does not know with WW_EINVALID naming it and
 * listing the allowed ones. When name_at is NULL that check is skipped.
 * "format" is always allowed (the HTTP layer's json/csv switch) and ignored.
 */
struct api_params {
	const char *(*get)(void *ctx, const char *name);
	const char *(*name_at)(void *ctx, size_t i);
	void *ctx;
	/* how many times name is given (NULL: once at most); a list parameter
	 * given more than once combines, get returning its values joined with
	 * commas; any other is WW_EINVALID */
	int (*count)(void *ctx, const char *name);
	/* 1: the client asked for the whole table (CSV without limit, offset or
	 * cursor): pages are of the endpoint's maximum size, and the caller
	 * follows next_cursor to the end */
	int whole;
};

/* The evidence version a response reflects. */
struct api_version {
	long long run_id; /* the latest successful import run that changed something (a
	                     run of mode 'unchanged' is not a version); 0: none yet */
	char commit[64];  /* its commit, "" when none */
	char etag[80];    /* strong ETag value with quotes, derived from both */
	uint64_t lsn;     /* the primary's WAL position when read, where known (db_route.h) */
};

struct api_result {
	/*
	 * The JSON document to send, in one of two forms: body (owned, built with
	 * jansson) or text (owned, malloc'd, text_len bytes: the JSON PostgreSQL
	 * rendered, sent as it is). On success body or text is set, and both
	 * once api_result_json has parsed text.
	 */
	json_t *body;
	char *text;
	size_t text_len;
	json_t *rows;               /* owned (freed by api_result_free): array of flat row
	                               objects for CSV (scalars only: arrays of strings are
	                               joined with ';'); NULL when the endpoint has no
	                               tabular form, or until api_result_rows builds it
	                               from text */
	const char *const *columns; /* CSV column order (static), NULL-terminated; NULL
	                               when there is no tabular form */
	const char *rows_key;       /* with text: the array inside "data" that holds the
	                               rows (static), NULL when "data" is that array */
	long long total;            /* lists: total matching rows (-1 when n/a) */
	long long limit, offset;    /* lists: the page served */
	int unpaged;                /* a list that takes no limit, offset or cursor (it
	                               is all there): no Link header */
	char next_cursor[128];      /* lists: cursor of the next page, "" at the end */
	struct api_version version; /* the version served (as_of aware) */
};

/* Releases body, text and rows and zeroes r; r may be NULL. */
void api_result_free(struct api_result *r);

/*
 * Makes sure r->rows holds the CSV rows when the endpoint has a tabular form
 * (r->columns set): endpoints that return text leave them to be built here,
 * so JSON responses never pay for them. r->rows stays NULL without columns.
 * Returns 0, or WW_ENOMEM / WW_EDB (text that does not parse) with e set.
 */
int api_result_rows(struct api_result *r, struct err *e);

/* Makes sure r->body holds the document, parsing r->text when only that is
 * set (for callers that read the document; the HTTP layer sends text as it
 * is). Returns 0, or WW_EDB when the text does not parse. */
int api_result_json(struct api_result *r, struct err *e);

/* The current evidence version (the latest successful import run whose mode
 * is not 'unchanged': re-importing an imported commit keeps the ETag). */
int api_version_current(struct api_version *out, PGconn *db, struct err *e);

/* Each endpoint. */
int api_interventions_list(struct api_result *out, PGconn *db, const struct api_params *p,
                           struct err *e);
int api_intervention_get(struct api_result *out, PGconn *db, const char *id,
                         const struct api_params *p, struct err *e);
int api_evaluations_list(struct api_result *out, PGconn *db, const struct api_params *p,
                         struct err *e);
int api_evaluation_get(struct api_result *out, PGconn *db, const char *id,
                       const struct api_params *p, struct err *e);
int api_evaluation_history(struct api_result *out, PGconn *db, const char *id,
                           const struct api_params *p, struct err *e);
int api_themes(struct api_result *out, PGconn *db, const struct api_params *p, struct err *e);
int api_unit_costs(struct api_result *out, PGconn *db, const struct api_params *p, struct err *e);
int api_deflators(struct api_result *out, PGconn *db, const struct api_params *p, struct err *e);
int api_areas(struct api_result *out, PGconn *db, const struct api_params *p, struct err *e);
int api_imports_list(struct api_result *out, PGconn *db, const struct api_params *p, struct err *e);
int api_import_get(struct api_result *out, PGconn *db, const char *id, const struct api_params *p,
                   struct err *e);
int api_import_request_get(struct api_result *out, PGconn *db, const char *id,
                           const struct api_params *p, struct err *e);
int api_export(struct api_result *out, PGconn *db, const struct api_params *p, struct err *e);
/* The flat score table (api_scores.c): no as_of, scores exist only for the
 * current evidence; a cursor from an older evidence version is WW_ECONFLICT. */
int api_scores_list(struct api_result *out, PGconn *db, const struct api_params *p, struct err *e);
/* The scoring parameters in force and those the stored scores used. */
int api_scoring_parameters(struct api_result *out, PGconn *db, const struct api_params *p,
                           struct err *e);

/*
 * Recorded crime of one force area (data.police.uk counts): ?category= (a
 * police.uk category id, or all-crime for the sum; absent: every category),
 * ?from= and ?to= (YYYY-MM; default the area's latest 12 months). No as_of:
 * counts are not versioned. CSV rows: area, month, category, count.
 */
int api_area_crime(struct api_result *out, PGconn *db, const char *id, const struct api_params *p,
                   struct err *e);

/*
 * Local projection of an intervention's score (vfm-model.md section 9):
 * ?area= (force id, required), ?units= (> 0, default 1), ?coverage= (share
 * of the area's crime covered, 0..1, default 1; place interventions only),
 * ?crime_type= (default the headline score). WW_ENOTFOUND for an unknown
 * intervention, score or area without counts; WW_EINVALID for a crime type
 * without a police.uk category or an insufficient score.
 */
int api_intervention_projection(struct api_result *out, PGconn *db, const char *id,
                                const struct api_params *p, struct err *e);

#endif
