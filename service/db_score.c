/*
 * db_score.c - reading scoring inputs, writing score rows
 */
#include "db_score.h"
#include "log.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int env_double(double *v, const char *name, struct err *e)
{
	const char *s = getenv(name);
	char *end;

	if (s == NULL || s[0] == '\0')
		return 0;
	*v = strtod(s, &end);
	if (*end != '\0')
		return err_set(e, WW_EINVALID, "%s=\"%s\" is not a number", name, s);
	return 0;
}

static int env_int(int *v, const char *name, struct err *e)
{
	const char *s = getenv(name);
	char *end;
	long x;

	if (s == NULL || s[0] == '\0')
		return 0;
	x = strtol(s, &end, 10);
	if (*end != '\0' || x < 0 || x > 100000000)
		return err_set(e, WW_EINVALID, "%s=\"%s\" is not a whole number", name, s);
	*v = (int)x;
	return 0;
}

int score_params_load(struct vfm_params *out, struct err *e)
{
	struct vfm_params p = vfm_params_default();
	struct err ce = {0};
	int rc;

	if ((rc = env_double(&p.discount, "WHATWORKS_VFM_DISCOUNT", e)) < 0 ||
	    (rc = env_double(&p.decay, "WHATWORKS_VFM_DECAY", e)) < 0 ||
	    (rc = env_int(&p.draws, "WHATWORKS_VFM_DRAWS", e)) < 0 ||
	    (rc = env_int(&p.base_year, "WHATWORKS_VFM_BASE_YEAR", e)) < 0 ||
	    (rc = env_int(&p.horizon_years, "WHATWORKS_VFM_HORIZON", e)) < 0)
		return rc;
	if (vfm_params_check(&p, &ce) < 0)
		return err_set(e, WW_EINVALID, "scoring parameters: %s", ce.msg);
	*out = p;
	return 0;
}

static double ms_between(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) * 1e3 + (double)(b->tv_nsec - a->tv_nsec) / 1e6;
}

static json_t *load_text(PGresult *r, int row, int col, struct err *e)
{
	json_error_t je;
	json_t *j = json_loads(PQgetvalue(r, row, col), 0, &je);
	if (j == NULL)
		err_set(e, WW_EDB, "could not read scoring input: %s", je.text);
	return j;
}

int db_score_reference(json_t **out, PGconn *c, struct err *e)
{
	PGresult *r =
	    db_query(c, e, "read the reference data",
	             "SELECT json_build_object("
	             " 'unit_costs', coalesce((SELECT jsonb_agg(x ORDER BY d.id, x->>'crime_type')"
	             "   FROM reference_data d, jsonb_array_elements(d.body->'entries') x"
	             "   WHERE d.kind = 'unit-costs' AND d.valid_to IS NULL), '[]'),"
	             " 'deflators', coalesce((SELECT jsonb_agg(x ORDER BY (x->>'year')::int, d.id)"
	             "   FROM reference_data d, jsonb_array_elements(d.body->'entries') x"
	             "   WHERE d.kind = 'deflators' AND d.valid_to IS NULL), '[]'))::text",
	             0, NULL);

	*out = NULL;
	if (r == NULL)
		return WW_EDB;
	*out = load_text(r, 0, 0, e);
	PQclear(r);
	return *out ? 0 : WW_EDB;
}

/* One score object to the row the scores table holds. */
/* One score object to the scalar columns of its row; the figures travel apart. */
static json_t *score_row(const json_t *s, const char *iv, int headline)
{
	static const char *const columns[] = {"band",
	                                      "bcr",
	                                      "npv",
	                                      "p_bcr_gt1",
	                                      "bcr_p05",
	                                      "bcr_p95",
	                                      "evidence_rating",
	                                      "pct_change",
	                                      "harmful",
	                                      "insufficient_reason"};
	json_t *row = json_object();

	if (row == NULL)
		return NULL;
	json_object_set_new(row, "intervention", json_string(iv));
	json_object_set(row, "crime_type", json_object_get(s, "crime_type"));
	for (size_t i = 0; i < sizeof(columns) / sizeof(columns[0]); i++) {
		json_t *v = json_object_get(s, columns[i]);
		json_object_set(row, columns[i], v ? v : json_null());
	}
	json_object_set_new(row, "headline", json_boolean(headline));
	return row;
}

/*
 * Writes the rows. The scalar columns travel as one jsonb array, the figures
 * as a json array in the same order (json, not jsonb: PostgreSQL only checks
 * its syntax instead of converting every number, which was most of the cost
 * of writing 3,000 scores), and the parameters once.
 */
static int write_rows(PGconn *c, long long run_id, const json_t *rows, const json_t *figs,
                      const char *params_text, const json_t *ids, int all, struct err *e)
{
	char run[24], *rows_text = NULL, *ids_text = NULL, *figs_text = NULL;
	PGresult *r;
	int rc = 0;

	snprintf(run, sizeof(run), "%lld", run_id);
	rows_text = json_dumps(rows, JSON_COMPACT | JSON_REAL_PRECISION(15));
	ids_text = json_dumps(ids, JSON_COMPACT);
	figs_text = json_dumps(figs, JSON_COMPACT | JSON_REAL_PRECISION(15));
	if (rows_text == NULL || ids_text == NULL || figs_text == NULL) {
		rc = err_set(e, WW_ENOMEM, "out of memory");
		goto cleanup;
	}
	const char *dp[2] = {all ? "t" : "f", ids_text};
	/* two statements, not "$1 OR ...", so the partial case uses the index */
	r = db_query(c, e, "delete old scores",
	             all ? "DELETE FROM scores WHERE $1::bool AND $2::jsonb IS NOT NULL"
	                 : "DELETE FROM scores WHERE NOT $1::bool AND intervention = ANY"
	                   " (ARRAY(SELECT jsonb_array_elements_text($2::jsonb)))",
	             2, dp);
	if (r == NULL) {
		rc = WW_EDB;
		goto cleanup;
	}
	PQclear(r);
	const char *ip[4] = {run, rows_text, figs_text, params_text};
	r = db_query(
	    c, e, "write scores",
	    "INSERT INTO scores (intervention, crime_type, run_id, params, figures, band, bcr,"
	    " npv, p_bcr_gt1, bcr_p05, bcr_p95, evidence_rating, pct_change, harmful,"
	    " insufficient_reason, headline)"
	    " SELECT x->>'intervention', x->>'crime_type',"
	    " CASE WHEN $1::bigint > 0 THEN $1::bigint ELSE"
	    "  (SELECT max(id) FROM import_runs WHERE status = 'succeeded'"
	    "   AND mode IS DISTINCT FROM 'unchanged') END,"
	    " $4::jsonb, f.figures,"
	    " x->>'band', (x->>'bcr')::float8, (x->>'npv')::float8,"
	    " (x->>'p_bcr_gt1')::float8, (x->>'bcr_p05')::float8, (x->>'bcr_p95')::float8,"
	    " coalesce((x->>'evidence_rating')::int, 0), (x->>'pct_change')::float8,"
	    " coalesce((x->>'harmful')::bool, false), x->>'insufficient_reason',"
	    " (x->>'headline')::bool"
	    " FROM jsonb_array_elements($2::jsonb) WITH ORDINALITY AS r(x, n)"
	    " JOIN json_array_elements($3::json) WITH ORDINALITY AS f(figures, n) USING (n)",
	    4, ip);
	if (r == NULL) {
		rc = WW_EDB;
		goto cleanup;
	}
	PQclear(r);
	/* every stored score now uses these parameters (a change rescored them all) */
	const char *pp[1] = {params_text};
	r = db_query(c, e, "record the scoring parameters",
	             "INSERT INTO score_params (id, params) VALUES (1, $1::jsonb)"
	             " ON CONFLICT (id) DO UPDATE SET params = EXCLUDED.params",
	             1, pp);
	if (r == NULL) {
		rc = WW_EDB;
		goto cleanup;
	}
	PQclear(r);
cleanup:
	free(rows_text);
	free(ids_text);
	free(figs_text);
	return rc;
}

int db_score_refresh(PGconn *c, long long run_id, const json_t *touched, int all, int *rescored,
                     struct err *e)
{
	struct vfm_params p;
	json_t *params = NULL, *ref = NULL, *rows = NULL, *figs = NULL, *ids = NULL;
	char *params_text = NULL, *touched_text = NULL;
	PGresult *r = NULL;
	struct timespec t0, t1, t2;
	int rc;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	t1 = t0;
	if (rescored)
		*rescored = 0;
	if ((rc = score_params_load(&p, e)) < 0)
		return rc;
	if ((params = vfm_params_to_json(&p)) == NULL ||
	    (params_text = json_dumps(params, JSON_COMPACT | JSON_REAL_PRECISION(15))) == NULL ||
	    (touched_text = touched ? json_dumps(touched, JSON_COMPACT) : strdup("[]")) == NULL ||
	    (rows = json_array()) == NULL || (figs = json_array()) == NULL ||
	    (ids = json_array()) == NULL) {
		rc = err_set(e, WW_ENOMEM, "out of memory");
		goto cleanup;
	}
	if (!all) {
		/* parameters changed since the stored scores: everything is stale */
		const char *pp[1] = {params_text};
		r = db_query(c, e, "compare scoring parameters",
		             "SELECT EXISTS (SELECT 1 FROM score_params WHERE params <> $1::jsonb)",
		             1, pp);
		if (r == NULL) {
			rc = WW_EDB;
			goto cleanup;
		}
		all = strcmp(PQgetvalue(r, 0, 0), "t") == 0;
		PQclear(r);
		r = NULL;
	}
	if ((rc = db_score_reference(&ref, c, e)) < 0)
		goto cleanup;
	const char *ip[2] = {all ? "t" : "f", touched_text};
	r = db_query(
	    c, e, "read the evidence to score",
	    "SELECT i.id, i.body::text, coalesce((SELECT jsonb_agg(v.body ORDER BY v.id)"
	    "  FROM evaluations v WHERE v.intervention = i.id AND v.valid_to IS NULL),"
	    "  '[]')::text"
	    " FROM interventions i WHERE i.valid_to IS NULL"
	    " AND ($1::bool OR i.id = ANY (ARRAY(SELECT jsonb_array_elements_text($2::jsonb))))"
	    " ORDER BY i.id",
	    2, ip);
	if (r == NULL) {
		rc = WW_EDB;
		goto cleanup;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	for (int i = 0; i < PQntuples(r); i++) {
		const char *id = PQgetvalue(r, i, 0);
		json_t *iv = load_text(r, i, 1, e), *evs = load_text(r, i, 2, e), *scores = NULL;
		struct err se = {0};

		if (iv == NULL || evs == NULL) {
			json_decref(iv);
			json_decref(evs);
			rc = WW_EDB;
			goto cleanup;
		}
		rc = vfm_score_intervention(&scores, iv, evs, ref, &p, &se);
		json_decref(iv);
		json_decref(evs);
		if (rc < 0) {
			rc = err_set(e, rc, "could not score intervention \"%s\": %s", id, se.msg);
			goto cleanup;
		}
		const json_t *head = vfm_headline(scores);
		for (size_t k = 0; k < json_array_size(scores); k++) {
			const json_t *s = json_array_get(scores, k);
			json_array_append_new(rows, score_row(s, id, s == head));
			json_array_append(figs, (json_t *)s);
		}
		json_array_append_new(ids, json_string(id));
		json_decref(scores);
	}
	/* touched ids that no longer exist lose their scores too */
	for (size_t k = 0; touched && k < json_array_size(touched); k++)
		json_array_append(ids, json_array_get(touched, k));
	struct timespec t_write;
	clock_gettime(CLOCK_MONOTONIC, &t_write);
	rc = write_rows(c, run_id, rows, figs, params_text, ids, all, e);
	if (rc == 0 && rescored)
		*rescored = PQntuples(r);
	clock_gettime(CLOCK_MONOTONIC, &t2);
	if (rc == 0)
		log_info("scored",
		         "run=%lld interventions=%d rows=%zu all=%d read_ms=%.1f score_ms=%.1f "
		         "total_ms=%.1f",
		         run_id, PQntuples(r), json_array_size(rows), all, ms_between(&t0, &t1),
		         ms_between(&t1, &t_write), ms_between(&t0, &t2));
cleanup:
	PQclear(r);
	json_decref(params);
	json_decref(ref);
	json_decref(rows);
	json_decref(figs);
	json_decref(ids);
	free(params_text);
	free(touched_text);
	return rc;
}

int db_score_get(json_t **intervention, json_t **scores, PGconn *c, const char *id, struct err *e)
{
	const char *p[1] = {id};
	PGresult *r =
	    db_query(c, e, "read the scores",
	             "SELECT i.body::text, coalesce((SELECT json_agg(s.figures ORDER BY"
	             "  s.crime_type) FROM scores s WHERE s.intervention = i.id), '[]')::text"
	             " FROM interventions i WHERE i.id = $1 AND i.valid_to IS NULL",
	             1, p);

	*intervention = *scores = NULL;
	if (r == NULL)
		return WW_EDB;
	if (PQntuples(r) == 0) {
		PQclear(r);
		return err_set(e, WW_ENOTFOUND, "intervention \"%s\" does not exist", id);
	}
	*intervention = load_text(r, 0, 0, e);
	*scores = load_text(r, 0, 1, e);
	PQclear(r);
	if (*intervention == NULL || *scores == NULL) {
		json_decref(*intervention);
		json_decref(*scores);
		*intervention = *scores = NULL;
		return WW_EDB;
	}
	return 0;
}

int db_score_headlines(json_t **rows, PGconn *c, struct err *e)
{
	PGresult *r =
	    db_query(c, e, "read the scores",
	             "SELECT coalesce(json_agg(json_build_object('intervention', s.intervention,"
	             " 'crime_type', s.crime_type, 'band', s.band, 'bcr', s.bcr,"
	             " 'p_bcr_gt1', s.p_bcr_gt1, 'evidence_rating', s.evidence_rating)"
	             " ORDER BY s.bcr DESC NULLS LAST, s.intervention), '[]')::text"
	             " FROM scores s WHERE s.headline",
	             0, NULL);

	*rows = NULL;
	if (r == NULL)
		return WW_EDB;
	*rows = load_text(r, 0, 0, e);
	PQclear(r);
	return *rows ? 0 : WW_EDB;
}
