/*
 * api_export.c - /v1/export: the whole evidence base as documents
 *
 * Interventions, evaluations and reference documents, ordered by kind then
 * id (byte order, so every instance pages the same way), each with its
 * canonical body and provenance. A feed source on another instance reads it
 * page by page with the cursor; the cursor pins the import run of the first
 * page, so the pages together are exactly one version of the evidence base,
 * each document once, even when an import lands during the walk.
 */
#include "api_internal.h"

#include <string.h>

static const char *const allowed[] = {"limit", "offset", "cursor", "as_of", NULL};

static const char *const columns[] = {"kind",
                                      "id",
                                      "provenance.source",
                                      "provenance.commit",
                                      "provenance.path",
                                      "provenance.blob",
                                      "provenance.author",
                                      "provenance.committed_at",
                                      "body",
                                      NULL};

#define DOC_FIELDS(a)                                                                              \
	a ".id, " a ".body, " a ".source_id, " a ".commit, " a ".path, " a ".blob, " a             \
	  ".author, " a ".committed_at"

int api_export(struct api_result *out, PGconn *db, const struct api_params *p, struct err *e)
{
	struct api_page pg;
	struct qb q;
	json_t *doc;
	int rc;

	memset(out, 0, sizeof(*out));
	out->total = -1;
	if ((rc = api_check_params(p, allowed, e)) < 0)
		return rc;
	if ((rc = api_parse_page(&pg, db, p, "export", allowed, 500, 1000, e)) < 0)
		return rc;
	qb_init(&q);
	api_bind_run(&q, pg.run);
	qb_param_ll(&q, pg.limit);
	qb_param_ll(&q, pg.offset);
	qb_sql(&q,
	       "WITH m AS (SELECT 'intervention'::text AS kind, %s FROM interventions i"
	       " WHERE " API_VISIBLE("i"),
	       DOC_FIELDS("i"));
	qb_sql(
	    &q,
	    " UNION ALL SELECT 'evaluation'::text, %s FROM evaluations e WHERE " API_VISIBLE("e"),
	    DOC_FIELDS("e"));
	qb_sql(&q,
	       " UNION ALL SELECT r.kind, %s FROM reference_data r WHERE " API_VISIBLE("r") "),",
	       DOC_FIELDS("r"));
	qb_sql(&q, " p AS (SELECT * FROM m ORDER BY kind COLLATE \"C\", id COLLATE \"C\""
	           " LIMIT $2 OFFSET $3)");
	qb_sql(&q, " SELECT json_build_object('total', (SELECT count(*) FROM m),"
	           " 'version', " API_VERSION_SQL ","
	           " 'data', coalesce((SELECT json_agg(json_build_object('kind', p.kind,"
	           " 'id', p.id, 'body', p.body, 'provenance', json_build_object("
	           "'source', src.name, 'commit', p.commit, 'path', p.path, 'blob', p.blob,"
	           " 'author', p.author, 'committed_at', p.committed_at))"
	           " ORDER BY p.kind COLLATE \"C\", p.id COLLATE \"C\")"
	           " FROM p LEFT JOIN sources src ON src.id = p.source_id), '[]'::json))::text");
	if ((rc = qb_exec_json(&q, db, &doc, e)) < 0)
		return rc;
	return api_finish_list(out, doc, &pg, columns, -1, e);
}
