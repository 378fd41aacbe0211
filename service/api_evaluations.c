/*
 * api_evaluations.c - /v1/evaluations, /v1/evaluations/{id} and its history
 *
 * published is kept as written (YYYY, YYYY-MM or YYYY-MM-DD). The
 * published_from / published_to bounds compare on the common prefix of the
 * two values: an evaluation published "2019" matches published_from=2019-06
 * (it may be from June or later), one published "2019-05-02" does not.
 */
#include "api_internal.h"

#include <stdio.h>
#include <string.h>

static const char *const list_allowed[] = {
    "intervention", "theme", "design", "min_quality", "country", "area",  "published_from",
    "published_to", "sort",  "limit",  "offset",      "cursor",  "as_of", NULL};

static const struct api_sort_col list_sort[] = {
    {"id", "id"},           {"title", "title"},         {"design", "design"},
    {"quality", "quality"}, {"published", "published"}, {"intervention", "intervention"},
    {NULL, NULL},
};

static const char *const list_columns[] = {"id",
                                           "intervention",
                                           "title",
                                           "design",
                                           "quality",
                                           "studies",
                                           "sample_size",
                                           "country",
                                           "areas",
                                           "published",
                                           "citation",
                                           "submitted_by",
                                           "provenance.commit",
                                           "provenance.path",
                                           NULL};

static const char *const history_columns[] = {
    "version",    "commit", "author", "committed_at", "valid_from", "valid_to",
    "removed_in", "source", "path",   "blob",         "body",       NULL};

/* Common-prefix comparison of e.published with the bound $k (op is < or >). */
static void published_bound(struct qb *q, const char *op, const char *v)
{
	int k = qb_param(q, v);
	qb_sql(q,
	       " AND e.published IS NOT NULL AND left(e.published, least(length(e.published),"
	       " length($%d::text))) %s= left($%d::text, least(length(e.published),"
	       " length($%d::text)))",
	       k, op, k, k);
}

static int add_filters(struct qb *q, const struct api_params *p, struct err *e)
{
	char arr[QB_VALUE_MAX];
	const char *date;
	long long n;
	int rc;

	if ((rc = api_param_list(p, "intervention", API_LIST_ID, NULL, arr, sizeof(arr), e)) < 0)
		return rc;
	if (rc)
		qb_sql(q, " AND e.intervention = ANY($%d::text[])", qb_param(q, arr));
	if ((rc = api_param_list(p, "theme", API_LIST_ENUM, vocab_themes, arr, sizeof(arr), e)) < 0)
		return rc;
	if (rc)
		qb_sql(q,
		       " AND EXISTS (SELECT 1 FROM interventions i WHERE i.id = e.intervention"
		       " AND " API_VISIBLE("i") " AND i.themes && $%d::text[])",
		       qb_param(q, arr));
	if ((rc = api_param_list(p, "design", API_LIST_ENUM, vocab_designs, arr, sizeof(arr), e)) <
	    0)
		return rc;
	if (rc)
		qb_sql(q, " AND e.design = ANY($%d::text[])", qb_param(q, arr));
	if ((rc = api_param_int(p, "min_quality", 1, 5, &n, e)) < 0)
		return rc;
	if (rc)
		qb_sql(q, " AND e.quality >= $%d::int", qb_param_ll(q, n));
	if ((rc = api_param_list(p, "country", API_LIST_COUNTRY, NULL, arr, sizeof(arr), e)) < 0)
		return rc;
	if (rc)
		qb_sql(q, " AND e.country = ANY($%d::text[])", qb_param(q, arr));
	if ((rc = api_param_list(p, "area", API_LIST_ID, NULL, arr, sizeof(arr), e)) < 0)
		return rc;
	if (rc)
		qb_sql(q, " AND e.areas && $%d::text[]", qb_param(q, arr));
	if ((rc = api_param_date_prefix(p, "published_from", &date, e)) < 0)
		return rc;
	if (rc)
		published_bound(q, ">", date);
	if ((rc = api_param_date_prefix(p, "published_to", &date, e)) < 0)
		return rc;
	if (rc)
		published_bound(q, "<", date);
	return 0;
}

int api_evaluations_list(struct api_result *out, PGconn *db, const struct api_params *p,
                         struct err *e)
{
	struct api_page pg;
	struct qb q, filters;
	char order[512];
	json_t *doc;
	int rc;

	memset(out, 0, sizeof(*out));
	out->total = -1;
	if ((rc = api_check_params(p, list_allowed, e)) < 0)
		return rc;
	if ((rc = api_parse_sort(p, list_sort, "id", "id", order, sizeof(order), e)) < 0)
		return rc;
	qb_init(&filters);
	for (int k = 0; k < 3; k++) /* $1 run, $2 limit, $3 offset */
		qb_param(&filters, NULL);
	if ((rc = add_filters(&filters, p, e)) < 0)
		return rc;
	if ((rc = api_parse_page(&pg, db, p, "evaluations", list_allowed, 50, 500, e)) < 0)
		return rc;
	qb_init(&q);
	api_bind_run(&q, pg.run);
	qb_param_ll(&q, pg.limit);
	qb_param_ll(&q, pg.offset);
	for (int k = 3; k < filters.n; k++)
		qb_param(&q, filters.values[k]);
	qb_sql(&q,
	       "WITH m AS (SELECT e.id, e.intervention, e.title, e.design, e.quality,"
	       " e.body->'studies' AS studies, e.body->'sample_size' AS sample_size, e.country,"
	       " e.areas, e.published, e.body->'source'->>'citation' AS citation,"
	       " e.body->>'submitted_by' AS submitted_by, e.commit, e.path"
	       " FROM evaluations e WHERE " API_VISIBLE(
	           "e") "%s),"
	                " p AS (SELECT * FROM m ORDER BY %s LIMIT $2 OFFSET $3)"
	                " SELECT json_build_object('total', (SELECT count(*) FROM m),"
	                " 'version', " API_VERSION_SQL ","
	                " 'data', coalesce((SELECT json_agg(json_build_object('id', p.id,"
	                " 'intervention', p.intervention, 'title', p.title, 'design', p.design,"
	                " 'quality', p.quality, 'studies', p.studies, 'sample_size', p.sample_size,"
	                " 'country', p.country, 'areas', p.areas, 'published', p.published,"
	                " 'citation', p.citation, 'submitted_by', p.submitted_by,"
	                " 'provenance', json_build_object('commit', p.commit, 'path', p.path))"
	                " ORDER BY %s) FROM p), '[]'::json))::text",
	       filters.sql, order, order);
	if ((rc = qb_exec_json(&q, db, &doc, e)) < 0)
		return rc;
	return api_finish_list(out, doc, &pg, list_columns, -1, e);
}

static const char *const get_allowed[] = {"as_of", NULL};

int api_evaluation_get(struct api_result *out, PGconn *db, const char *id,
                       const struct api_params *p, struct err *e)
{
	long long run;
	struct qb q;
	json_t *doc;
	int rc;

	memset(out, 0, sizeof(*out));
	out->total = -1;
	if ((rc = api_check_params(p, get_allowed, e)) < 0)
		return rc;
	if ((rc = api_parse_as_of(&run, db, p, e)) < 0)
		return rc;
	if (!api_is_id(id))
		return err_set(e, WW_ENOTFOUND, "evaluation \"%.80s\" does not exist", id);
	qb_init(&q);
	api_bind_run(&q, run);
	qb_param(&q, id);
	qb_sql(&q, "SELECT json_build_object('version', " API_VERSION_SQL ", 'data',"
	           " (SELECT json_build_object('id', e.id, 'intervention', e.intervention,"
	           " 'title', e.title, 'design', e.design, 'quality', e.quality,"
	           " 'country', e.country, 'areas', e.areas, 'published', e.published,"
	           " 'body', e.body, 'provenance', " API_PROVENANCE(
	               "e") ")"
	                    " FROM evaluations e WHERE e.id = $2 AND " API_VISIBLE("e") "))::text");
	if ((rc = qb_exec_json(&q, db, &doc, e)) < 0)
		return rc;
	return api_finish_item(out, doc, "evaluation", id, NULL, NULL, e);
}

int api_evaluation_history(struct api_result *out, PGconn *db, const char *id,
                           const struct api_params *p, struct err *e)
{
	struct api_page pg = {0};
	struct qb q;
	json_t *doc;
	int rc;

	memset(out, 0, sizeof(*out));
	out->total = -1;
	if ((rc = api_check_params(p, get_allowed, e)) < 0)
		return rc;
	if ((rc = api_parse_as_of(&pg.run, db, p, e)) < 0)
		return rc;
	if (!api_is_id(id))
		return err_set(e, WW_ENOTFOUND, "evaluation \"%.80s\" does not exist", id);
	qb_init(&q);
	api_bind_run(&q, pg.run);
	qb_param(&q, id);
	/* with as_of: the versions that existed by then (valid_to past it shown as it is now) */
	qb_sql(&q, "WITH h AS (SELECT e.* FROM evaluations e WHERE e.id = $2"
	           " AND ($1::bigint IS NULL OR e.valid_from <= $1::bigint))"
	           " SELECT json_build_object('total', (SELECT count(*) FROM h),"
	           " 'version', " API_VERSION_SQL ","
	           " 'data', coalesce((SELECT json_agg(json_build_object('version', h.version_id,"
	           " 'commit', h.commit, 'author', h.author, 'committed_at', h.committed_at,"
	           " 'valid_from', h.valid_from, 'valid_to', h.valid_to,"
	           " 'removed_in', h.removed_in,"
	           " 'source', (SELECT src.name FROM sources src WHERE src.id = h.source_id),"
	           " 'path', h.path, 'blob', h.blob, 'body', h.body)"
	           " ORDER BY h.valid_from, h.version_id) FROM h), '[]'::json))::text");
	if ((rc = qb_exec_json(&q, db, &doc, e)) < 0)
		return rc;
	if (json_integer_value(json_object_get(doc, "total")) == 0) {
		json_decref(doc);
		return err_set(e, WW_ENOTFOUND, "evaluation \"%.80s\" does not exist", id);
	}
	pg.limit = json_integer_value(json_object_get(doc, "total"));
	rc = api_finish_list(out, doc, &pg, history_columns, -1, e);
	out->unpaged = 1;
	return rc;
}
