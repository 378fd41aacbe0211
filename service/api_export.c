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

/*
 * The page is chosen over narrow rows (kind, id and which row of which table)
 * and only its documents are read with their bodies: every page sorts the
 * whole evidence base, and the bodies would make that sort spill to disk.
 * The JSON PostgreSQL renders is passed through as text.
 *
 * PAGE_DOCS: the documents of the page from table (its rows tagged t in m).
 */
#define PAGE_DOCS(t, table)                                                                        \
	"SELECT p.kind, p.id, x.body, x.source_id, x.commit, x.path, x.blob, x.author,"            \
	" x.committed_at FROM p JOIN " table " x ON p.t = " t " AND x.version_id = p.v"

int api_export(struct api_result *out, PGconn *db, const struct api_params *p, struct err *e)
{
	struct api_page pg;
	struct qb q;
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
	/* m: every document visible in the run, t naming its table, v its row */
	qb_sql(&q, "WITH m AS (SELECT 'intervention'::text AS kind, i.id, 0 AS t,"
	           " i.version_id AS v FROM interventions i WHERE " API_VISIBLE("i"));
	qb_sql(&q, " UNION ALL SELECT 'evaluation'::text, e.id, 1, e.version_id"
	           " FROM evaluations e WHERE " API_VISIBLE("e"));
	qb_sql(&q, " UNION ALL SELECT r.kind, r.id, 2, r.version_id"
	           " FROM reference_data r WHERE " API_VISIBLE("r") "),");
	qb_sql(&q, " p AS (SELECT * FROM m ORDER BY kind COLLATE \"C\", id COLLATE \"C\""
	           " LIMIT $2 OFFSET $3),");
	qb_sql(&q, " d AS (" PAGE_DOCS("0", "interventions") " UNION ALL " PAGE_DOCS(
	               "1", "evaluations") " UNION ALL " PAGE_DOCS("2", "reference_data") ")");
	/* total, version, items on the page, the page */
	qb_sql(&q, " SELECT (SELECT count(*) FROM m), " API_VERSION_SQL "::text,"
	           " (SELECT count(*) FROM p),"
	           " coalesce((SELECT json_agg(json_build_object('kind', d.kind, 'id', d.id,"
	           " 'body', d.body, 'provenance', json_build_object('source', src.name,"
	           " 'commit', d.commit, 'path', d.path, 'blob', d.blob, 'author', d.author,"
	           " 'committed_at', d.committed_at))"
	           " ORDER BY d.kind COLLATE \"C\", d.id COLLATE \"C\")"
	           " FROM d LEFT JOIN sources src ON src.id = d.source_id), '[]'::json)::text");
	return api_list_text(out, &q, db, &pg, columns, -1, e);
}
