/*
 * db_import.c - sources, import runs and versioned records
 */
#include "db_import.h"
#include "db_route.h"
#include "log.h"
#include "jsontext.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SOURCE_LOCK_CLASS "20250" /* advisory lock class for sources */

static void copy(char *dst, size_t size, const PGresult *r, int row, int col)
{
	snprintf(dst, size, "%s", PQgetisnull(r, row, col) ? "" : PQgetvalue(r, row, col));
}

static int fill_source(struct db_source *src, PGresult *r)
{
	src->id = atoll(PQgetvalue(r, 0, 0));
	copy(src->last_commit, sizeof(src->last_commit), r, 0, 1);
	src->last_run_id = PQgetisnull(r, 0, 2) ? 0 : atoll(PQgetvalue(r, 0, 2));
	PQclear(r);
	return 0;
}

int db_source_ensure(PGconn *c, struct db_source *src, struct err *e)
{
	const char *p[5] = {src->name, src->kind, src->location, src->ref[0] ? src->ref : NULL,
	                    src->subpath};
	PGresult *r = db_query(c, e, "record the source",
	                       "INSERT INTO sources (name, kind, location, ref, subpath)"
	                       " VALUES ($1, $2, $3, $4, $5)"
	                       " ON CONFLICT (name) DO UPDATE SET location = EXCLUDED.location,"
	                       "  ref = EXCLUDED.ref, subpath = EXCLUDED.subpath"
	                       " WHERE sources.kind = EXCLUDED.kind"
	                       " RETURNING id, last_commit, last_run_id",
	                       5, p);
	if (r == NULL)
		return WW_EDB;
	if (PQntuples(r) == 0) {
		PQclear(r);
		return err_set(e, WW_ECONFLICT, "source \"%s\" already exists with another kind",
		               src->name);
	}
	return fill_source(src, r);
}

int db_source_refresh(PGconn *c, struct db_source *src, struct err *e)
{
	char id[24];
	const char *p[1] = {id};
	PGresult *r;

	snprintf(id, sizeof(id), "%lld", src->id);
	r = db_query(c, e, "read the source",
	             "SELECT id, last_commit, last_run_id FROM sources WHERE id = $1", 1, p);
	if (r == NULL)
		return WW_EDB;
	if (PQntuples(r) == 0) {
		PQclear(r);
		return err_set(e, WW_ENOTFOUND, "source %lld does not exist", src->id);
	}
	return fill_source(src, r);
}

int db_source_lock(PGconn *c, long long source_id, struct err *e)
{
	char id[24];
	const char *p[1] = {id};
	PGresult *r;

	snprintf(id, sizeof(id), "%lld", source_id);
	r = db_query(c, e, "lock the source",
	             "SELECT pg_advisory_lock(" SOURCE_LOCK_CLASS ", $1::int)", 1, p);
	if (r == NULL)
		return WW_EDB;
	PQclear(r);
	return 0;
}

int db_source_lock_wait(PGconn *c, long long source_id, const char *name, int timeout_s,
                        struct err *e)
{
	char id[24], ms[24], who[256] = "another session";
	const char *p[1] = {id};
	PGresult *r;
	int got;

	if ((got = db_source_trylock(c, source_id, e)) != 0)
		return got < 0 ? got : 0;
	snprintf(id, sizeof(id), "%lld", source_id);
	/* who holds it: the run and its trigger when it is an import */
	r = db_query(
	    c, e, "find the source's lock holder",
	    "SELECT l.pid, coalesce(r.id::text, ''), coalesce(r.trigger, ''),"
	    " coalesce(a.application_name, ''), coalesce(a.client_addr::text, 'local')"
	    " FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid"
	    " LEFT JOIN import_runs r ON r.backend_pid = l.pid AND r.status = 'running'"
	    " WHERE l.locktype = 'advisory' AND l.granted AND l.classid = " SOURCE_LOCK_CLASS
	    " AND l.objid = $1::int LIMIT 1",
	    1, p);
	if (r != NULL && PQntuples(r) == 1) {
		if (PQgetvalue(r, 0, 1)[0])
			snprintf(who, sizeof(who), "run %s (%s trigger, session %s from %s)",
			         PQgetvalue(r, 0, 1), PQgetvalue(r, 0, 2), PQgetvalue(r, 0, 0),
			         PQgetvalue(r, 0, 4));
		else
			snprintf(who, sizeof(who), "session %s from %s", PQgetvalue(r, 0, 0),
			         PQgetvalue(r, 0, 4));
	}
	PQclear(r);
	err_clear(e);
	if (timeout_s > 0)
		log_info("waiting for the source's lock",
		         "source=\"%s\" holder=\"%s\" timeout_s=%d", name, who, timeout_s);
	else
		log_info("waiting for the source's lock",
		         "source=\"%s\" holder=\"%s\" timeout_s=none", name, who);
	snprintf(ms, sizeof(ms), "%lld", (long long)timeout_s * 1000);
	r = db_query(c, e, "set the lock timeout", "SELECT set_config('lock_timeout', $1, false)",
	             1, (const char *const[]){ms});
	if (r == NULL)
		return WW_EDB;
	PQclear(r);
	r = PQexecParams(c, "SELECT pg_advisory_lock(" SOURCE_LOCK_CLASS ", $1::int)", 1, NULL, p,
	                 NULL, NULL, 0);
	got = r != NULL && PQresultStatus(r) == PGRES_TUPLES_OK;
	if (!got && r != NULL && PQresultErrorField(r, PG_DIAG_SQLSTATE) != NULL &&
	    strcmp(PQresultErrorField(r, PG_DIAG_SQLSTATE), "55P03") == 0) {
		PQclear(r);
		PQclear(PQexec(c, "SET lock_timeout = 0"));
		return err_set(
		    e, WW_ECONFLICT,
		    "source \"%s\" is busy: %s still holds it after %d s; try again later "
		    "or raise WHATWORKS_IMPORT_LOCK_TIMEOUT",
		    name, who, timeout_s);
	}
	if (!got) {
		db_error(c, r, e, "lock the source");
		PQclear(r);
		return e->code;
	}
	PQclear(r);
	PQclear(PQexec(c, "SET lock_timeout = 0"));
	return 0;
}

int db_source_trylock(PGconn *c, long long source_id, struct err *e)
{
	char id[24];
	const char *p[1] = {id};
	PGresult *r;
	int got;

	snprintf(id, sizeof(id), "%lld", source_id);
	r = db_query(c, e, "lock the source",
	             "SELECT pg_try_advisory_lock(" SOURCE_LOCK_CLASS ", $1::int)", 1, p);
	if (r == NULL)
		return WW_EDB;
	got = strcmp(PQgetvalue(r, 0, 0), "t") == 0;
	PQclear(r);
	return got;
}

void db_source_unlock(PGconn *c, long long source_id)
{
	char id[24];
	const char *p[1] = {id};

	snprintf(id, sizeof(id), "%lld", source_id);
	PQclear(PQexecParams(c, "SELECT pg_advisory_unlock(" SOURCE_LOCK_CLASS ", $1::int)", 1,
	                     NULL, p, NULL, NULL, 0));
}

int db_run_start(PGconn *c, long long source_id, const char *trigger, long long *run_id,
                 struct err *e)
{
	char id[24];
	const char *p[2] = {id, trigger};
	PGresult *r;

	snprintf(id, sizeof(id), "%lld", source_id);
	r = db_query(c, e, "record the import run",
	             "WITH r AS (INSERT INTO import_runs (source_id, status, trigger, backend_pid,"
	             " backend_start) SELECT $1, 'running', $2, pg_backend_pid(),"
	             " (SELECT backend_start FROM pg_stat_activity WHERE pid = pg_backend_pid())"
	             " RETURNING id),"
	             /* the requests waiting for this source are served by this run */
	             " q AS (UPDATE import_requests SET run_id = (SELECT id FROM r)"
	             " WHERE source_id = $1 AND run_id IS NULL)"
	             " SELECT id FROM r",
	             2, p);
	if (r == NULL)
		return WW_EDB;
	*run_id = atoll(PQgetvalue(r, 0, 0));
	PQclear(r);
	return 0;
}

int db_import_request(PGconn *c, const char *name, const char *kind, const char *location,
                      const char *trigger, long long *id, struct err *e)
{
	const char *p[4] = {name, kind, location, trigger};
	PGresult *r =
	    db_query(c, e, "record the import request",
	             "WITH s AS (INSERT INTO sources (name, kind, location) VALUES ($1, $2, $3)"
	             " ON CONFLICT (name) DO NOTHING RETURNING id),"
	             " k AS (SELECT coalesce((SELECT id FROM s),"
	             " (SELECT id FROM sources WHERE name = $1 AND kind = $2)) AS id)"
	             " INSERT INTO import_requests (source_id, trigger) SELECT id, $4 FROM k"
	             " WHERE id IS NOT NULL RETURNING id",
	             4, p);

	if (r == NULL)
		return WW_EDB;
	if (PQntuples(r) == 0) {
		PQclear(r);
		return err_set(e, WW_ECONFLICT, "source \"%s\" already exists with another kind",
		               name);
	}
	*id = atoll(PQgetvalue(r, 0, 0));
	PQclear(r);
	return 0;
}

int db_runs_reap(PGconn *c, int *marked, struct err *e)
{
	PGresult *r =
	    db_query(c, e, "mark runs of ended sessions failed",
	             "UPDATE import_runs r SET status = 'failed', finished_at = clock_timestamp(),"
	             " message = 'the importing process stopped before the run finished"
	             " (its database session ended)'"
	             " WHERE r.status = 'running' AND r.backend_pid IS NOT NULL AND NOT EXISTS"
	             " (SELECT 1 FROM pg_stat_activity a WHERE a.pid = r.backend_pid"
	             "  AND a.backend_start IS NOT DISTINCT FROM r.backend_start)",
	             0, NULL);

	if (marked != NULL)
		*marked = r ? atoi(PQcmdTuples(r)) : 0;
	if (r == NULL)
		return WW_EDB;
	PQclear(r);
	return 0;
}

int db_runs_fail_stale(PGconn *c, long long source_id, struct err *e)
{
	char id[24];
	const char *p[1] = {id};
	PGresult *r;

	/* called with the source lock held: no live run of this source exists */
	snprintf(id, sizeof(id), "%lld", source_id);
	r = db_query(c, e, "mark stale runs failed",
	             "UPDATE import_runs SET status = 'failed', finished_at = clock_timestamp(),"
	             " message = 'the importing process stopped before the run finished'"
	             " WHERE source_id = $1 AND status = 'running'",
	             1, p);
	if (r == NULL)
		return WW_EDB;
	PQclear(r);
	return 0;
}

int db_run_finish(PGconn *c, long long run_id, const char *status, const char *mode,
                  const char *commit, const char *previous, const struct db_counts *n,
                  const char *message, struct err *e)
{
	char id[24], a[12], u[12], s[12], rm[12], rj[12];
	const char *p[11] = {id,
	                     status,
	                     mode,
	                     commit && commit[0] ? commit : NULL,
	                     previous && previous[0] ? previous : NULL,
	                     a,
	                     u,
	                     s,
	                     rm,
	                     rj,
	                     message};
	PGresult *r;

	snprintf(id, sizeof(id), "%lld", run_id);
	snprintf(a, sizeof(a), "%d", n->added);
	snprintf(u, sizeof(u), "%d", n->updated);
	snprintf(s, sizeof(s), "%d", n->unchanged);
	snprintf(rm, sizeof(rm), "%d", n->removed);
	snprintf(rj, sizeof(rj), "%d", n->rejected);
	r = db_query(
	    c, e, "record the end of the import run",
	    "UPDATE import_runs SET status = $2, mode = $3, commit = $4, previous_commit = $5,"
	    " added = $6, updated = $7, unchanged = $8, removed = $9, rejected = $10,"
	    " message = $11, finished_at = clock_timestamp(),"
	    " duration_ms = extract(epoch FROM clock_timestamp() - started_at) * 1000"
	    " WHERE id = $1",
	    11, p);
	if (r == NULL)
		return WW_EDB;
	PQclear(r);
	/* every daemon LISTENs (db_route.h): delivered when the run commits */
	if (strcmp(status, "succeeded") == 0) {
		const char *np[2] = {DB_ROUTE_CHANNEL, id};
		if ((r = db_query(c, e, "notify the daemons of the new evidence",
		                  "SELECT pg_notify($1, $2)", 2, np)) == NULL)
			return WW_EDB;
		PQclear(r);
	}
	return 0;
}

int db_run_errors(PGconn *c, long long run_id, const struct ev_errors *errs, struct err *e)
{
	json_t *arr = json_array();
	char id[24], *text;
	int rc = 0;

	if (arr == NULL)
		return err_set(e, WW_ENOMEM, "out of memory");
	for (size_t i = 0; i < errs->n; i++) {
		const struct ev_error *x = &errs->v[i];
		json_array_append_new(arr, json_pack("{s:s, s:i, s:i, s:s, s:s}", "path",
		                                     x->path ? x->path : "", "line", x->line, "col",
		                                     x->col, "field", x->field ? x->field : "",
		                                     "message", x->message ? x->message : ""));
	}
	if (errs->dropped > 0) {
		char msg[128];
		snprintf(msg, sizeof(msg), "%zu more errors not recorded", errs->dropped);
		json_array_append_new(arr,
		                      json_pack("{s:s, s:i, s:i, s:s, s:s}", "path", "", "line", 0,
		                                "col", 0, "field", "", "message", msg));
	}
	text = json_dumps(arr, JSON_COMPACT);
	json_decref(arr);
	if (text == NULL)
		return err_set(e, WW_ENOMEM, "out of memory");
	snprintf(id, sizeof(id), "%lld", run_id);
	const char *p[2] = {id, text};
	PGresult *r = db_query(
	    c, e, "record the import errors",
	    "INSERT INTO import_errors (run_id, path, line, col, field, message)"
	    " SELECT $1, x->>'path', (x->>'line')::int, (x->>'col')::int, x->>'field',"
	    " x->>'message' FROM jsonb_array_elements($2::jsonb) WITH ORDINALITY AS t(x, n)"
	    " ORDER BY n",
	    2, p);
	if (r == NULL)
		rc = WW_EDB;
	PQclear(r);
	free(text);
	return rc;
}

/*
 * A JSON array of strings as an SQL array. "x = ANY (ARRAY(SELECT ...))" is
 * computed once and compared through the index of each table of the union
 * below; "x IN (SELECT ...)" was planned as a scan of every current record, so
 * a one-file import grew with the size of the evidence base.
 */
#define JSON_TEXTS(param) "ARRAY(SELECT jsonb_array_elements_text(" param "::jsonb))"

/* The current records of every kind, with their source. */
#define CURRENT_SQL                                                                                \
	"WITH cur AS ("                                                                            \
	" SELECT 'intervention'::text AS kind, id, path, blob, source_id, NULL::text AS ref"       \
	"  FROM interventions WHERE valid_to IS NULL"                                              \
	" UNION ALL SELECT 'evaluation', id, path, blob, source_id, intervention"                  \
	"  FROM evaluations WHERE valid_to IS NULL"                                                \
	" UNION ALL SELECT kind, id, path, blob, source_id, NULL"                                  \
	"  FROM reference_data WHERE valid_to IS NULL)"                                            \
	" SELECT c.kind, c.id, c.path, c.blob, c.source_id, s.name, c.ref"                         \
	" FROM cur c JOIN sources s ON s.id = c.source_id "

static int records(struct db_records *out, PGconn *c, struct err *e, const char *sql, int n,
                   const char *const *p)
{
	PGresult *r = db_query(c, e, "read the current records", sql, n, p);
	int rows;

	out->v = NULL;
	out->n = 0;
	if (r == NULL)
		return WW_EDB;
	rows = PQntuples(r);
	if (rows > 0 && (out->v = calloc((size_t)rows, sizeof(*out->v))) == NULL) {
		PQclear(r);
		return err_set(e, WW_ENOMEM, "out of memory");
	}
	for (int i = 0; i < rows; i++) {
		struct db_record *x = &out->v[i];
		copy(x->kind, sizeof(x->kind), r, i, 0);
		copy(x->id, sizeof(x->id), r, i, 1);
		x->path = strdup(PQgetvalue(r, i, 2));
		copy(x->blob, sizeof(x->blob), r, i, 3);
		x->source_id = atoll(PQgetvalue(r, i, 4));
		copy(x->source_name, sizeof(x->source_name), r, i, 5);
		copy(x->ref, sizeof(x->ref), r, i, 6);
		out->n++;
		if (x->path == NULL) {
			PQclear(r);
			db_records_free(out);
			return err_set(e, WW_ENOMEM, "out of memory");
		}
	}
	PQclear(r);
	return 0;
}

void db_records_free(struct db_records *r)
{
	if (r == NULL)
		return;
	for (size_t i = 0; i < r->n; i++)
		free(r->v[i].path);
	free(r->v);
	r->v = NULL;
	r->n = 0;
}

static int with_json(struct db_records *out, PGconn *c, struct err *e, const char *sql,
                     const char *first, const json_t *j)
{
	char *text = json_dumps(j, JSON_COMPACT);
	int rc;

	if (text == NULL)
		return err_set(e, WW_ENOMEM, "out of memory");
	const char *p[2] = {first ? first : text, text};
	rc = records(out, c, e, sql, first ? 2 : 1, p);
	free(text);
	return rc;
}

int db_current_by_paths(struct db_records *out, PGconn *c, long long source_id, const json_t *paths,
                        struct err *e)
{
	char id[24];
	const char *p[1] = {id};

	snprintf(id, sizeof(id), "%lld", source_id);
	if (paths == NULL)
		return records(out, c, e, CURRENT_SQL "WHERE c.source_id = $1", 1, p);
	return with_json(out, c, e,
	                 CURRENT_SQL "WHERE c.source_id = $1 AND c.path = ANY"
	                             " (" JSON_TEXTS("$2") ")",
	                 id, paths);
}

int db_current_by_keys(struct db_records *out, PGconn *c, const json_t *keys, struct err *e)
{
	return with_json(out, c, e,
	                 CURRENT_SQL "WHERE c.id = ANY (ARRAY(SELECT x->>1"
	                             " FROM jsonb_array_elements($1::jsonb) x))"
	                             " AND (c.kind, c.id) IN (SELECT x->>0, x->>1"
	                             " FROM jsonb_array_elements($1::jsonb) x)",
	                 NULL, keys);
}

int db_current_referencing(struct db_records *out, PGconn *c, const json_t *ids, struct err *e)
{
	return with_json(out, c, e,
	                 CURRENT_SQL "WHERE c.kind = 'evaluation' AND c.ref = ANY"
	                             " (" JSON_TEXTS("$1") ")",
	                 NULL, ids);
}

int db_intervention_ids(char ***ids, size_t *n, PGconn *c, struct err *e)
{
	PGresult *r =
	    db_query(c, e, "read the intervention ids",
	             "SELECT id FROM interventions WHERE valid_to IS NULL ORDER BY id", 0, NULL);
	int rows;

	*ids = NULL;
	*n = 0;
	if (r == NULL)
		return WW_EDB;
	rows = PQntuples(r);
	if (rows > 0 && (*ids = calloc((size_t)rows, sizeof(char *))) == NULL) {
		PQclear(r);
		return err_set(e, WW_ENOMEM, "out of memory");
	}
	for (int i = 0; i < rows; i++)
		if (((*ids)[(*n)++] = strdup(PQgetvalue(r, i, 0))) == NULL) {
			PQclear(r);
			return err_set(e, WW_ENOMEM, "out of memory");
		}
	PQclear(r);
	return 0;
}

int db_records_retract(PGconn *c, long long run_id, const char *commit, const json_t *keys,
                       struct err *e)
{
	static const char *const sql[3] = {
	    "UPDATE interventions SET valid_to = $1, removed_in = $2 WHERE valid_to IS NULL"
	    " AND id = ANY (ARRAY(SELECT x->>1 FROM jsonb_array_elements($3::jsonb) x"
	    " WHERE x->>0 = 'intervention'))",
	    "UPDATE evaluations SET valid_to = $1, removed_in = $2 WHERE valid_to IS NULL"
	    " AND id = ANY (ARRAY(SELECT x->>1 FROM jsonb_array_elements($3::jsonb) x"
	    " WHERE x->>0 = 'evaluation'))",
	    "UPDATE reference_data SET valid_to = $1, removed_in = $2 WHERE valid_to IS NULL"
	    " AND (kind, id) IN (SELECT x->>0, x->>1 FROM jsonb_array_elements($3::jsonb) x"
	    " WHERE x->>0 NOT IN ('intervention', 'evaluation'))",
	};
	char run[24], *text;
	int rc = 0;

	if (json_array_size(keys) == 0)
		return 0;
	if ((text = json_dumps(keys, JSON_COMPACT)) == NULL)
		return err_set(e, WW_ENOMEM, "out of memory");
	snprintf(run, sizeof(run), "%lld", run_id);
	const char *p[3] = {run, commit, text};
	for (int i = 0; i < 3 && rc == 0; i++) {
		PGresult *r = db_query(c, e, "retract records", sql[i], 3, p);
		if (r == NULL)
			rc = WW_EDB;
		PQclear(r);
	}
	free(text);
	return rc;
}

/* The text ->> gives of a scalar member: a string's value, a number's digits. */
static const char *member_text(const json_t *obj, const char *key, char *buf, size_t size)
{
	const json_t *v = json_object_get(obj, key);

	if (json_is_string(v))
		return json_string_value(v);
	if (json_is_integer(v))
		snprintf(buf, size, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
	else if (json_is_real(v))
		snprintf(buf, size, "%.15g", json_real_value(v));
	else if (json_is_boolean(v))
		snprintf(buf, size, "%s", json_is_true(v) ? "true" : "false");
	else
		return NULL;
	return buf;
}

/* A list of strings as a text[] field. */
static void copy_list(struct db_copy *b, const json_t *obj, const char *key)
{
	const json_t *list = json_object_get(obj, key);
	size_t size = json_array_size(list), n = 0;
	const char *few[16], **v = size <= 16 ? few : malloc(size * sizeof(*v));

	if (v == NULL) {
		b->oom = 1;
		return;
	}
	for (size_t i = 0; i < size; i++) {
		const char *s = json_string_value(json_array_get(list, i));
		if (s != NULL)
			v[n++] = s;
	}
	db_copy_array(b, v, n);
	if (v != few)
		free(v);
}

/* The columns every versioned record has, up to and including body. */
static void copy_common(struct db_copy *b, const struct db_doc *d, const char *const *meta)
{
	db_copy_text(b, d->id);
	for (int i = 0; i < 5; i++) /* source_id, commit, author, committed_at, valid_from */
		db_copy_text(b, meta[i]);
	db_copy_text(b, d->path);
	db_copy_text(b, d->blob);
	db_copy_begin_field(b);
	/* 15 significant digits: what a partner wrote (0.8) is what is stored */
	jsontext_put(b, d->body, 1);
}

int db_records_write(PGconn *c, long long run_id, long long source_id,
                     const struct db_commit_meta *m, const struct db_doc *docs, size_t n,
                     struct err *e)
{
#define COMMON "id, source_id, commit, author, committed_at, valid_from, path, blob, body"
	static const char *const copy_sql[3] = {
	    "COPY interventions (" COMMON ", name, themes, level, sectors, tags) FROM STDIN",
	    "COPY evaluations (" COMMON ", intervention, title, design, quality, country, areas,"
	    " published) FROM STDIN",
	    "COPY reference_data (" COMMON ", kind) FROM STDIN",
	};
#undef COMMON
	static const char outcomes_sql[] =
	    "INSERT INTO outcomes (evaluation_version, ordinal, crime_type, measure, body)"
	    " SELECT e.version_id, o.n - 1, o.x->>'crime_type', o.x->'effect'->>'measure', o.x"
	    " FROM evaluations e, jsonb_array_elements(e.body->'outcomes') WITH ORDINALITY o(x, n)"
	    " WHERE e.valid_from = $2 AND e.source_id = $1 AND e.valid_to IS NULL"
	    " AND NOT EXISTS (SELECT 1 FROM outcomes x WHERE x.evaluation_version = e.version_id)";
	char src[24], run[24], ts[48], buf[64];
	struct db_copy b = {0};
	size_t evaluations = 0;
	int rc = 0;

	if (n == 0)
		return 0;
	snprintf(src, sizeof(src), "%lld", source_id);
	snprintf(run, sizeof(run), "%lld", run_id);
	/* committed_at as COPY reads a timestamptz: ISO 8601 in UTC */
	if (m->committed_at) {
		struct tm tm;
		gmtime_r(&m->committed_at, &tm);
		strftime(ts, sizeof(ts), "%Y-%m-%d %H:%M:%S+00", &tm);
	}
	const char *meta[5] = {src, m->commit, m->author, m->committed_at ? ts : NULL, run};
	/* one COPY per table that gets rows */
	for (int t = 0; t < 3 && rc == 0; t++) {
		int started = 0;
		for (size_t i = 0; i < n && rc == 0; i++) {
			const struct db_doc *d = &docs[i];
			const json_t *body = d->body;
			int table = strcmp(d->kind, "intervention") == 0 ? 0
			            : strcmp(d->kind, "evaluation") == 0 ? 1
			                                                 : 2;
			if (table != t || (!started && (rc = db_copy_begin(&b, c, "write records",
			                                                   copy_sql[t], e)) < 0))
				continue;
			started = 1;
			copy_common(&b, d, meta);
			if (t == 0) {
				db_copy_text(&b, member_text(body, "name", buf, sizeof(buf)));
				copy_list(&b, body, "themes");
				db_copy_text(&b, member_text(body, "level", buf, sizeof(buf)));
				copy_list(&b, body, "sectors");
				copy_list(&b, body, "tags");
			} else if (t == 1) {
				db_copy_text(&b,
				             member_text(body, "intervention", buf, sizeof(buf)));
				db_copy_text(&b, member_text(body, "title", buf, sizeof(buf)));
				db_copy_text(&b, member_text(body, "design", buf, sizeof(buf)));
				db_copy_text(&b, member_text(body, "quality", buf, sizeof(buf)));
				db_copy_text(&b, member_text(body, "country", buf, sizeof(buf)));
				copy_list(&b, body, "areas");
				db_copy_text(&b, member_text(json_object_get(body, "source"),
				                             "published", buf, sizeof(buf)));
			} else {
				db_copy_text(&b, d->kind);
			}
			db_copy_end_row(&b);
		}
		if (t == 1)
			evaluations = b.rows;
		if (started && rc == 0)
			rc = db_copy_end(&b, e);
	}
	db_copy_free(&b);
	if (rc == 0 && evaluations > 0) {
		const char *op[2] = {src, run};
		PGresult *r = db_query(c, e, "write outcomes", outcomes_sql, 2, op);
		if (r == NULL)
			rc = WW_EDB;
		PQclear(r);
	}
	return rc;
}

int db_source_advance(PGconn *c, long long source_id, const char *commit, long long run_id,
                      struct err *e)
{
	char src[24], run[24];
	const char *p[3] = {src, commit, run};
	PGresult *r;

	snprintf(src, sizeof(src), "%lld", source_id);
	snprintf(run, sizeof(run), "%lld", run_id);
	r = db_query(c, e, "record the source's new commit",
	             "UPDATE sources SET last_commit = $2, last_run_id = $3 WHERE id = $1", 3, p);
	if (r == NULL)
		return WW_EDB;
	PQclear(r);
	return 0;
}

int db_imports(json_t **out, PGconn *c, int limit, long long run_id, struct err *e)
{
	char lim[16], id[24];
	const char *p[2] = {lim, id};

	snprintf(lim, sizeof(lim), "%d", limit);
	snprintf(id, sizeof(id), "%lld", run_id);
	return db_query_json(
	    out, c, e, "read the import runs",
	    "SELECT coalesce(json_agg(x ORDER BY x.id DESC), '[]')::text FROM ("
	    " SELECT r.id, s.name AS source, s.kind, r.status, r.mode, r.commit, r.trigger,"
	    "  r.added, r.updated, r.unchanged, r.removed, r.rejected, r.started_at,"
	    "  r.duration_ms, r.message,"
	    "  (SELECT coalesce(json_agg(json_build_object('path', ie.path, 'line', ie.line,"
	    "    'col', ie.col, 'field', ie.field, 'message', ie.message) ORDER BY ie.id), '[]')"
	    "   FROM import_errors ie WHERE ie.run_id = r.id) AS errors"
	    " FROM import_runs r JOIN sources s ON s.id = r.source_id"
	    " WHERE $2::bigint = 0 OR r.id = $2::bigint"
	    " ORDER BY r.id DESC LIMIT $1::int) x",
	    2, p);
}

int db_analyze_evidence(PGconn *c, struct err *e)
{
	PGresult *r = db_query(c, e, "refresh the planner statistics",
	                       /* the columns that imports look records up by: the
	                        * rest, bodies above all, would take most of the time
	                        * and help no plan */
	                       "ANALYZE interventions (id, source_id, path, valid_from,"
	                       " valid_to),"
	                       " evaluations (id, source_id, path, valid_from, valid_to,"
	                       " intervention),"
	                       " outcomes (evaluation_version, crime_type),"
	                       " reference_data (kind, id, source_id, path, valid_from,"
	                       " valid_to), evaluation_counts,"
	                       " scores (intervention, crime_type, headline)",
	                       0, NULL);
	if (r == NULL)
		return WW_EDB;
	PQclear(r);
	return 0;
}
