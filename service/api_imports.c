/*
 * api_imports.c - /v1/imports, /v1/imports/{id} and /v1/imports/requests/{id}
 *
 * Runs newest first. Paging is keyset on the run id (the cursor holds the
 * last id served), so runs that start while a client pages do not shift the
 * pages; offset works too, for a first page or a jump.
 */
#include "api_internal.h"
#include "db_import.h"
#include "log.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const char *const statuses[] = {"running", "succeeded", "rejected", "failed", NULL};
static const char *const list_allowed[] = {"source", "status", "limit", "offset", "cursor", NULL};
static const char *const get_allowed[] = {NULL};

static const char *const run_columns[] = {
    "id",          "source",          "source_kind", "status",      "trigger",
    "commit",      "previous_commit", "mode",        "added",       "updated",
    "unchanged",   "removed",         "rejected",    "error_count", "started_at",
    "finished_at", "duration_ms",     "message",     NULL};
static const char *const error_columns[] = {"path", "line", "col", "field", "message", NULL};

#define RUN_FIELDS                                                                                 \
	"'id', r.id, 'source', s.name, 'source_kind', s.kind, 'status', r.status,"                 \
	" 'trigger', r.trigger, 'commit', r.commit, 'previous_commit', r.previous_commit,"         \
	" 'mode', r.mode, 'added', r.added, 'updated', r.updated, 'unchanged', r.unchanged,"       \
	" 'removed', r.removed, 'rejected', r.rejected,"                                           \
	" 'error_count', (SELECT count(*) FROM import_errors x WHERE x.run_id = r.id),"            \
	" 'started_at', r.started_at, 'finished_at', r.finished_at,"                               \
	" 'duration_ms', r.duration_ms, 'message', r.message"

/* A run whose process was killed is shown failed, not running, at once. */
static void reap(PGconn *db)
{
	struct err ignored = {0};
	int marked = 0;
	if (db_runs_reap(db, &marked, &ignored) == 0 && marked > 0)
		log_info("import runs marked failed", "runs=%d reason=\"session ended\"", marked);
}

int api_imports_list(struct api_result *out, PGconn *db, const struct api_params *p, struct err *e)
{
	struct api_page pg;
	struct qb q;
	char arr[QB_VALUE_MAX];
	const char *source = api_param(p, "source");
	json_t *doc, *data;
	long long last = -1;
	int rc, has_status;

	memset(out, 0, sizeof(*out));
	out->total = -1;
	if ((rc = api_check_params(p, list_allowed, e)) < 0)
		return rc;
	if ((has_status =
	         api_param_list(p, "status", API_LIST_ENUM, statuses, arr, sizeof(arr), e)) < 0)
		return has_status;
	if (source != NULL && strlen(source) > 200)
		return err_set(e, WW_EINVALID, "parameter \"source\" must be a source name");
	if ((rc = api_parse_page(&pg, db, p, "imports", list_allowed, 50, 500, e)) < 0)
		return rc;
	reap(db);
	qb_init(&q);
	qb_param(&q, NULL); /* $1: imports are not versioned; the version is the current one */
	qb_param_ll(&q, pg.limit);
	qb_param_ll(&q, pg.key > 0 ? 0 : pg.offset);
	qb_param(&q, source);
	qb_param(&q, has_status ? arr : NULL);
	if (pg.key > 0)
		qb_param_ll(&q, pg.key);
	else
		qb_param(&q, NULL);
	qb_sql(&q, "WITH m AS (SELECT r.* FROM import_runs r JOIN sources s ON s.id = r.source_id"
	           " WHERE ($4::text IS NULL OR s.name = $4) AND ($5::text[] IS NULL OR"
	           " r.status = ANY($5::text[]))),"
	           " p AS (SELECT * FROM m WHERE $6::bigint IS NULL OR m.id < $6::bigint"
	           " ORDER BY m.id DESC LIMIT $2 OFFSET $3)"
	           " SELECT json_build_object('total', (SELECT count(*) FROM m),"
	           " 'version', " API_VERSION_SQL ","
	           " 'data', coalesce((SELECT json_agg(json_build_object(" RUN_FIELDS ")"
	           " ORDER BY r.id DESC) FROM p r JOIN sources s ON s.id = r.source_id),"
	           " '[]'::json))::text");
	if ((rc = qb_exec_json(&q, db, &doc, e)) < 0)
		return rc;
	data = json_object_get(doc, "data");
	if (json_array_size(data) > 0)
		last = json_integer_value(
		    json_object_get(json_array_get(data, json_array_size(data) - 1), "id"));
	/* a cursor keeps reading the current state: no run is pinned */
	pg.run = 0;
	return api_finish_list(out, doc, &pg, run_columns, last, e);
}

/*
 * What /v1/imports/{id} and /v1/imports/requests/{id} share: no parameters,
 * runs of ended sessions reaped, and the id a positive integer, bound as $2
 * of q after the version's $1.
 */
static int item_start(struct api_result *out, struct qb *q, PGconn *db, const char *id,
                      const char *what, const struct api_params *p, struct err *e)
{
	char *end;
	long long n;
	int rc;

	memset(out, 0, sizeof(*out));
	out->total = -1;
	if ((rc = api_check_params(p, get_allowed, e)) < 0)
		return rc;
	reap(db);
	errno = 0;
	n = strtoll(id, &end, 10);
	if (id[0] < '0' || id[0] > '9' || *end != '\0' || errno != 0 || n < 1)
		return err_set(e, WW_EINVALID,
		               "path parameter \"id\": %s id \"%.40s\" must be a positive integer",
		               what, id);
	qb_init(q);
	qb_param(q, NULL);
	qb_param_ll(q, n);
	return 0;
}

int api_import_get(struct api_result *out, PGconn *db, const char *id, const struct api_params *p,
                   struct err *e)
{
	struct qb q;
	json_t *doc;
	int rc;

	if ((rc = item_start(out, &q, db, id, "import run", p, e)) < 0)
		return rc;
	qb_sql(&q, "SELECT json_build_object('version', " API_VERSION_SQL ", 'data',"
	           " (SELECT json_build_object(" RUN_FIELDS ","
	           " 'errors', coalesce((SELECT json_agg(json_build_object('path', x.path,"
	           " 'line', x.line, 'col', x.col, 'field', x.field, 'message', x.message)"
	           " ORDER BY x.id) FROM import_errors x WHERE x.run_id = r.id), '[]'::json))"
	           " FROM import_runs r JOIN sources s ON s.id = r.source_id"
	           " WHERE r.id = $2))::text");
	if ((rc = qb_exec_json(&q, db, &doc, e)) < 0)
		return rc;
	return api_finish_item(out, doc, "import run", id, "errors", error_columns, e);
}

/* A request POST /v1/imports recorded: queued until a run of its source
 * starts, then that run's status and URL. */
int api_import_request_get(struct api_result *out, PGconn *db, const char *id,
                           const struct api_params *p, struct err *e)
{
	struct qb q;
	json_t *doc;
	int rc;

	if ((rc = item_start(out, &q, db, id, "import request", p, e)) < 0)
		return rc;
	qb_sql(&q, "SELECT json_build_object('version', " API_VERSION_SQL ", 'data',"
	           " (SELECT json_build_object('id', q.id, 'source', s.name, 'trigger', q.trigger,"
	           " 'requested_at', q.requested_at, 'status', coalesce(r.status, 'queued'),"
	           " 'run_id', q.run_id, 'run', '/v1/imports/' || q.run_id,"
	           " 'finished_at', r.finished_at, 'message', r.message)"
	           " FROM import_requests q JOIN sources s ON s.id = q.source_id"
	           " LEFT JOIN import_runs r ON r.id = q.run_id WHERE q.id = $2))::text");
	if ((rc = qb_exec_json(&q, db, &doc, e)) < 0)
		return rc;
	return api_finish_item(out, doc, "import request", id, NULL, NULL, e);
}
