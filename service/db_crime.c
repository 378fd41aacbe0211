/*
 * db_crime.c - recorded crime from data.police.uk in the database
 */
#include "db_crime.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Runs sql with a run id and a JSON document as the last parameter. */
static int with_json(PGconn *c, struct err *e, const char *what, const char *sql, const char *a,
                     const char *b, const json_t *doc)
{
	char *text = json_dumps(doc, JSON_COMPACT);
	PGresult *r;

	if (text == NULL)
		return err_set(e, WW_ENOMEM, "out of memory");
	const char *p[3] = {a, b ? b : text, text};
	r = db_query(c, e, what, sql, b ? 3 : 2, p);
	free(text);
	if (r == NULL)
		return WW_EDB;
	PQclear(r);
	return 0;
}

int db_crime_forces_write(PGconn *c, long long run_id, const json_t *forces, struct err *e)
{
	char run[24];

	snprintf(run, sizeof(run), "%lld", run_id);
	return with_json(c, e, "store the forces",
	                 "INSERT INTO police_forces (id, name, run_id)"
	                 " SELECT x->>'id', x->>'name', $1 FROM jsonb_array_elements($2::jsonb) x"
	                 " ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name,"
	                 "  run_id = EXCLUDED.run_id, updated_at = now()"
	                 " WHERE police_forces.name IS DISTINCT FROM EXCLUDED.name",
	                 run, NULL, forces);
}

int db_crime_categories_write(PGconn *c, long long run_id, const char *month, const json_t *cats,
                              struct err *e)
{
	char run[24];

	snprintf(run, sizeof(run), "%lld", run_id);
	return with_json(c, e, "store the crime categories",
	                 "INSERT INTO police_categories (month, id, name, run_id)"
	                 " SELECT ($2::text || '-01')::date, x->>'url', x->>'name', $1"
	                 " FROM jsonb_array_elements($3::jsonb) x"
	                 " ON CONFLICT (month, id) DO UPDATE SET name = EXCLUDED.name,"
	                 "  run_id = EXCLUDED.run_id"
	                 " WHERE police_categories.name IS DISTINCT FROM EXCLUDED.name",
	                 run, month, cats);
}

int db_crime_units_done(json_t **out, PGconn *c, const char *published, struct err *e)
{
	const char *p[1] = {published};

	return db_query_json(
	    out, c, e, "read the stored units",
	    "SELECT coalesce(json_object_agg(to_char(month, 'YYYY-MM') || '/' || force, true),"
	    " '{}')::text FROM crime_units WHERE published = $1",
	    1, p);
}

int db_crime_unit_write(PGconn *c, long long run_id, const char *published, const char *force,
                        const char *month, const json_t *counts, long rows, struct db_counts *n,
                        struct err *e)
{
	char run[24], nrows[24], *text;
	PGresult *r;
	int rc;

	if ((text = json_dumps(counts, JSON_COMPACT)) == NULL)
		return err_set(e, WW_ENOMEM, "out of memory");
	snprintf(run, sizeof(run), "%lld", run_id);
	/* rows < 0: a gap, the publication holds no file for the unit */
	snprintf(nrows, sizeof(nrows), "%ld", rows < 0 ? 0 : rows);
	const char *p[4] = {run, force, month, text};
	if ((rc = db_begin(c, e)) < 0) {
		free(text);
		return rc;
	}
	/* xmax = 0 tells a row this statement inserted from one it updated */
	r = db_query(c, e, "store the crime counts",
	             "WITH new AS (SELECT x->>'category' AS category, (x->>'count')::int AS count"
	             "  FROM jsonb_array_elements($4::jsonb) x),"
	             " del AS (DELETE FROM crime_counts k WHERE k.force = $2"
	             "  AND k.month = ($3::text || '-01')::date"
	             "  AND k.category NOT IN (SELECT category FROM new) RETURNING 1),"
	             " up AS (INSERT INTO crime_counts (force, month, category, count, run_id)"
	             "  SELECT $2, ($3::text || '-01')::date, category, count, $1 FROM new"
	             "  ON CONFLICT (force, month, category) DO UPDATE SET count = EXCLUDED.count,"
	             "   run_id = EXCLUDED.run_id WHERE crime_counts.count <> EXCLUDED.count"
	             "  RETURNING (xmax = 0) AS inserted)"
	             " SELECT (SELECT count(*) FROM up WHERE inserted),"
	             "  (SELECT count(*) FROM up WHERE NOT inserted), (SELECT count(*) FROM del),"
	             "  (SELECT count(*) FROM new)",
	             4, p);
	free(text);
	if (r == NULL) {
		db_rollback(c);
		return WW_EDB;
	}
	int added = atoi(PQgetvalue(r, 0, 0)), updated = atoi(PQgetvalue(r, 0, 1));
	int removed = atoi(PQgetvalue(r, 0, 2)), total = atoi(PQgetvalue(r, 0, 3));
	PQclear(r);
	const char *u[6] = {run, force, month, published, nrows, rows < 0 ? "true" : "false"};
	r = db_query(c, e, "record the stored unit",
	             "INSERT INTO crime_units (force, month, published, run_id, rows, gap)"
	             " VALUES ($2, ($3::text || '-01')::date, $4, $1, $5::int, $6::bool)"
	             " ON CONFLICT (force, month) DO UPDATE SET published = EXCLUDED.published,"
	             "  run_id = EXCLUDED.run_id, rows = EXCLUDED.rows, gap = EXCLUDED.gap,"
	             "  completed_at = clock_timestamp()",
	             6, u);
	if (r == NULL) {
		db_rollback(c);
		return WW_EDB;
	}
	PQclear(r);
	if ((rc = db_commit(c, e)) < 0)
		return rc;
	n->added += added;
	n->updated += updated;
	n->removed += removed;
	n->unchanged += total - added - updated;
	return 0;
}

int db_crime_low_units(json_t **out, PGconn *c, const char *published, struct err *e)
{
	const char *p[1] = {published};
	return db_query_json(
	    out, c, e, "compare the stored units",
	    "WITH u AS (SELECT force, month, rows FROM crime_units"
	    "  WHERE published = $1 AND NOT gap),"
	    " m AS (SELECT force, percentile_cont(0.5) WITHIN GROUP (ORDER BY rows) AS median,"
	    "  count(*) AS n FROM u GROUP BY force)"
	    " SELECT coalesce(json_agg(json_build_object('unit', to_char(u.month, 'YYYY-MM')"
	    "  || '/' || u.force, 'rows', u.rows, 'median', m.median)"
	    "  ORDER BY u.force, u.month), '[]')::text"
	    " FROM u JOIN m USING (force) WHERE m.n >= 3 AND u.rows * 4 < m.median",
	    1, p);
}
