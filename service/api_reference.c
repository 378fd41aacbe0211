/*
 * api_reference.c - /v1/themes, /v1/reference/unit-costs,
 * /v1/reference/deflators and /v1/areas
 *
 * Small, unpaged lists. Reference documents hold their rows in an "entries"
 * array; each entry comes out flat with the id of its document, the
 * document's source citation and the entry's own flag. An areas document may
 * also be one area by itself (no entries): it then counts as one entry.
 */
#include "api_internal.h"

#include <string.h>

static const char *const allowed[] = {"as_of", NULL};

static const char *const theme_columns[] = {"id", "name", "interventions", "evaluations", NULL};
static const char *const unit_cost_columns[] = {
    "document", "crime_type", "amount", "unit", "price_year", "flag", "note", "source", NULL};
static const char *const deflator_columns[] = {"document", "base",   "year", "index",
                                               "flag",     "source", NULL};
static const char *const area_columns[] = {"id", "name", "country", "document", NULL};

/* Runs q (which yields {total, version, data}) and finishes an unpaged list. */
static int finish_unpaged(struct api_result *out, PGconn *db, struct qb *q,
                          const char *const *columns, struct err *e)
{
	struct api_page pg = {0};
	json_t *doc;
	int rc;

	if ((rc = qb_exec_json(q, db, &doc, e)) < 0)
		return rc;
	pg.limit = json_integer_value(json_object_get(doc, "total"));
	rc = api_finish_list(out, doc, &pg, columns, -1, e);
	out->unpaged = 1;
	return rc;
}

static int start(struct api_result *out, PGconn *db, const struct api_params *p, struct qb *q,
                 struct err *e)
{
	long long run;
	int rc;

	memset(out, 0, sizeof(*out));
	out->total = -1;
	if ((rc = api_check_params(p, allowed, e)) < 0)
		return rc;
	if ((rc = api_parse_as_of(&run, db, p, e)) < 0)
		return rc;
	qb_init(q);
	api_bind_run(q, run);
	return 0;
}

int api_themes(struct api_result *out, PGconn *db, const struct api_params *p, struct err *e)
{
	struct qb q;
	int rc;

	if ((rc = start(out, db, p, &q, e)) < 0)
		return rc;
	qb_sql(
	    &q,
	    "SELECT json_build_object('total', count(*), 'version', " API_VERSION_SQL ","
	    " 'data', json_agg(json_build_object('id', t.id, 'name', t.name,"
	    " 'interventions', (SELECT count(*) FROM interventions i WHERE " API_VISIBLE(
	        "i") " AND t.id = ANY(i.themes)),"
	             " 'evaluations', (SELECT count(*) FROM evaluations e JOIN interventions i"
	             " ON i.id = e.intervention AND " API_VISIBLE("i") " WHERE " API_VISIBLE(
	                 "e") " AND t.id = ANY(i.themes))) ORDER BY t.ord))::text"
	                      " FROM (VALUES (1, 'knife-crime', 'Knife crime'),"
	                      " (2, 'substance-misuse', 'Substance misuse'),"
	                      " (3, 'vawg', 'Violence against women and girls')) t(ord, id, name)");
	return finish_unpaged(out, db, &q, theme_columns, e);
}

/*
 * The entries of the current documents of one kind ($2), each made into a
 * JSON object by item (SQL over r, the document, and x.e, the entry),
 * ordered by order.
 */
static int entries(struct api_result *out, PGconn *db, const struct api_params *p, const char *kind,
                   const char *item, const char *order, const char *const *columns, struct err *e)
{
	struct qb q;
	int rc;

	if ((rc = start(out, db, p, &q, e)) < 0)
		return rc;
	qb_param(&q, kind);
	qb_sql(&q,
	       "SELECT json_build_object('total', count(*), 'version', " API_VERSION_SQL ","
	       " 'data', coalesce(json_agg(%s ORDER BY %s), '[]'::json))::text"
	       " FROM reference_data r CROSS JOIN LATERAL jsonb_array_elements(CASE"
	       " WHEN jsonb_typeof(r.body->'entries') = 'array' THEN r.body->'entries'"
	       " WHEN $2 = 'areas' THEN jsonb_build_array(r.body) ELSE '[]'::jsonb END)"
	       " WITH ORDINALITY x(e, ord)"
	       " WHERE r.kind = $2 AND " API_VISIBLE("r"),
	       item, order);
	return finish_unpaged(out, db, &q, columns, e);
}

int api_unit_costs(struct api_result *out, PGconn *db, const struct api_params *p, struct err *e)
{
	return entries(out, db, p, "unit-costs",
	               "json_build_object('document', r.id, 'title', r.body->>'title',"
	               " 'crime_type', x.e->>'crime_type', 'amount', x.e->'amount',"
	               " 'unit', x.e->>'unit', 'price_year', x.e->'price_year',"
	               " 'flag', x.e->>'flag', 'note', x.e->>'note',"
	               " 'source', r.body->'source'->>'citation',"
	               " 'provenance', json_build_object('commit', r.commit, 'path', r.path))",
	               "r.id, x.ord", unit_cost_columns, e);
}

int api_deflators(struct api_result *out, PGconn *db, const struct api_params *p, struct err *e)
{
	return entries(out, db, p, "deflators",
	               "json_build_object('document', r.id, 'title', r.body->>'title',"
	               " 'base', r.body->'base', 'year', x.e->'year', 'index', x.e->'index',"
	               " 'flag', x.e->>'flag', 'source', r.body->'source'->>'citation',"
	               " 'provenance', json_build_object('commit', r.commit, 'path', r.path))",
	               "r.id, x.ord", deflator_columns, e);
}

int api_areas(struct api_result *out, PGconn *db, const struct api_params *p, struct err *e)
{
	return entries(out, db, p, "areas",
	               "json_build_object('id', x.e->>'id', 'name', x.e->>'name',"
	               " 'country', x.e->>'country', 'document', r.id, 'body', x.e,"
	               " 'provenance', json_build_object('commit', r.commit, 'path', r.path))",
	               "x.e->>'id', r.id, x.ord", area_columns, e);
}
