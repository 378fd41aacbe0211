/*
 * api_scores.c - /v1/scores and /v1/scoring/parameters
 *
 * /v1/scores is the flat table of value-for-money scores, one row per
 * current intervention and crime type, with the intervention's name, themes
 * and level and the intermediate figures an analyst needs to re-derive the
 * result in a spreadsheet (the rest are in figures on /v1/interventions/{id}).
 *
 * Scores are not versioned: the table holds the scores of the current
 * evidence base only. So /v1/scores takes no as_of, and a cursor made
 * before an import changed the evidence version is refused with
 * WW_ECONFLICT (start the walk again) rather than mixing two versions in
 * one walk.
 *
 * /v1/scoring/parameters gives the parameters this process scores with
 * (score_params_load: imports run by this server use them) and the distinct
 * parameter sets the stored scores were computed with, with counts; a set
 * other than the one in force marks stale scores (the next import rescores
 * everything).
 */
#include "api_internal.h"
#include "db_score.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const list_allowed[] = {
    "intervention", "theme",    "level", "crime_type", "band",   "min_evidence", "harmful",
    "min_bcr",      "headline", "sort",  "limit",      "offset", "cursor",       NULL};

/* Byte order for ids, whatever the database's collation. */
static const struct api_sort_col list_sort[] = {
    {"intervention", "intervention COLLATE \"C\""},
    {"intervention_name", "intervention_name"},
    {"crime_type", "crime_type COLLATE \"C\""},
    {"level", "level"},
    {"headline", "headline"},
    {"band", "band_rank"}, /* implausible < insufficient < poor < ... < very-high */
    {"bcr", "bcr"},
    {"npv", "npv"},
    {"p_bcr_gt1", "p_bcr_gt1"},
    {"bcr_p05", "bcr_p05"},
    {"bcr_p95", "bcr_p95"},
    {"evidence_rating", "evidence_rating"},
    {"pct_change", "pct_change"},
    {"pv_benefits", "pv_benefits"},
    {"pv_costs", "pv_costs"},
    {"cost_per_crime_prevented", "cost_per_crime_prevented"},
    {NULL, NULL},
};

/* The JSON keys of a row, which are also the CSV columns, in order. The
 * first group are columns of scores, the second keys of scores.figures. */
static const char *const list_columns[] = {"intervention",
                                           "intervention_name",
                                           "themes",
                                           "level",
                                           "crime_type",
                                           "headline",
                                           "band",
                                           "bcr",
                                           "npv",
                                           "p_bcr_gt1",
                                           "bcr_p05",
                                           "bcr_p95",
                                           "evidence_rating",
                                           "pct_change",
                                           "harmful",
                                           "insufficient_reason",
                                           "k",
                                           "mu",
                                           "se",
                                           "tau2",
                                           "i2",
                                           "quality_multiplier",
                                           "mu_adj",
                                           "se_adj",
                                           "r",
                                           "unit_cost_b",
                                           "cost_b",
                                           "horizon_years",
                                           "discount",
                                           "decay",
                                           "pv_benefits",
                                           "pv_costs",
                                           "cost_per_crime_prevented",
                                           "base_year",
                                           "run_id",
                                           "computed_at",
                                           NULL};

/* Index in list_columns of the first key read from figures. */
#define FIRST_FIGURE 16
#define FIRST_AFTER_FIGURES 34

/* Appends " AND <cond>" for each filter given; values are bound. */
static int add_filters(struct qb *q, const struct api_params *p, struct err *e)
{
	char arr[QB_VALUE_MAX];
	int b, rc;

	if ((rc = api_param_list(p, "intervention", API_LIST_ID, NULL, arr, sizeof(arr), e)) < 0)
		return rc;
	if (rc)
		qb_sql(q, " AND s.intervention = ANY($%d::text[])", qb_param(q, arr));
	if ((rc = api_param_list(p, "theme", API_LIST_ENUM, vocab_themes, arr, sizeof(arr), e)) < 0)
		return rc;
	if (rc)
		qb_sql(q, " AND i.themes && $%d::text[]", qb_param(q, arr));
	if ((rc = api_param_list(p, "level", API_LIST_ENUM, vocab_levels, arr, sizeof(arr), e)) < 0)
		return rc;
	if (rc)
		qb_sql(q, " AND i.level = ANY($%d::text[])", qb_param(q, arr));
	if ((rc = api_param_list(p, "crime_type", API_LIST_ID, NULL, arr, sizeof(arr), e)) < 0)
		return rc;
	if (rc)
		qb_sql(q, " AND s.crime_type = ANY($%d::text[])", qb_param(q, arr));
	if ((rc = api_score_filters(q, p, e)) < 0)
		return rc;
	if ((rc = api_param_bool(p, "headline", &b, e)) < 0)
		return rc;
	if (rc)
		qb_sql(q, " AND s.headline = $%d::boolean", qb_param(q, b ? "true" : "false"));
	return 0;
}

/* The json_build_object arguments of one row of p. */
static void row_object(struct qb *q)
{
	qb_sql(q, "json_build_object('intervention', p.intervention, 'intervention_name',"
	          " p.intervention_name, 'themes', p.themes, 'level', p.level, 'crime_type',"
	          " p.crime_type, 'headline', p.headline, 'band', p.band, 'bcr', p.bcr, 'npv',"
	          " p.npv, 'p_bcr_gt1', p.p_bcr_gt1, 'bcr_p05', p.bcr_p05, 'bcr_p95', p.bcr_p95,"
	          " 'evidence_rating', p.evidence_rating, 'pct_change', p.pct_change,"
	          " 'harmful', p.harmful, 'insufficient_reason', p.insufficient_reason");
	for (int c = FIRST_FIGURE; c < FIRST_AFTER_FIGURES; c++)
		qb_sql(q, ", '%s', p.figures->'%s'", list_columns[c], list_columns[c]);
	qb_sql(q, ", 'run_id', p.run_id, 'computed_at', p.computed_at)");
}

int api_scores_list(struct api_result *out, PGconn *db, const struct api_params *p, struct err *e)
{
	struct api_page pg;
	struct qb q, filters;
	char order[1024], bands[128];
	json_t *doc;
	int rc;

	memset(out, 0, sizeof(*out));
	out->total = -1;
	if ((rc = api_check_params(p, list_allowed, e)) < 0)
		return rc;
	if ((rc = api_parse_sort(p, list_sort, "intervention", "intervention", order, sizeof(order),
	                         e)) < 0)
		return rc;
	/* filters first, so a bad one is named before a bad cursor */
	qb_init(&filters);
	for (int k = 0; k < 3; k++)
		qb_param(&filters, NULL);
	if ((rc = add_filters(&filters, p, e)) < 0)
		return rc;
	if ((rc = api_parse_page(&pg, db, p, "scores", list_allowed, 100, 1000, e)) < 0)
		return rc;
	/* $1 NULL: the current evidence base, the only one scores exist for */
	qb_init(&q);
	qb_param(&q, NULL);
	qb_param_ll(&q, pg.limit);
	qb_param_ll(&q, pg.offset);
	for (int k = 3; k < filters.n; k++)
		qb_param(&q, filters.values[k]);
	if (vocab_band_order_sql(bands, sizeof(bands)) < 0)
		return err_set(e, WW_ENOMEM, "band order does not fit %zu bytes", sizeof(bands));
	qb_sql(&q,
	       "WITH m AS (SELECT s.intervention, i.name AS intervention_name, i.themes, i.level,"
	       " s.crime_type, s.headline, s.band, array_position(%s, s.band) AS band_rank,"
	       " s.bcr, s.npv,"
	       " s.p_bcr_gt1, s.bcr_p05, s.bcr_p95, s.evidence_rating, s.pct_change, s.harmful,"
	       " s.insufficient_reason, s.figures, s.run_id, s.computed_at,"
	       " (s.figures->>'pv_benefits')::float8 AS pv_benefits,"
	       " (s.figures->>'pv_costs')::float8 AS pv_costs,"
	       " (s.figures->>'cost_per_crime_prevented')::float8 AS cost_per_crime_prevented"
	       " FROM scores s JOIN interventions i ON i.id = s.intervention AND i.valid_to IS NULL"
	       " WHERE true%s),",
	       bands, filters.sql);
	/* (intervention, crime_type) is the key: the order is total */
	qb_sql(&q,
	       " p AS (SELECT * FROM m ORDER BY %s, crime_type COLLATE \"C\" LIMIT $2 OFFSET $3)",
	       order);
	qb_sql(&q, " SELECT json_build_object('total', (SELECT count(*) FROM m),"
	           " 'version', " API_VERSION_SQL ", 'data', coalesce((SELECT json_agg(");
	row_object(&q);
	qb_sql(&q, " ORDER BY %s, p.crime_type COLLATE \"C\") FROM p), '[]'::json))::text", order);
	if ((rc = qb_exec_json(&q, db, &doc, e)) < 0)
		return rc;
	if (pg.from_cursor) {
		struct api_version now;
		api_version_from_json(&now, json_object_get(doc, "version"));
		if (now.run_id != pg.run) {
			json_decref(doc);
			return err_set(e, WW_ECONFLICT,
			               "the scores changed since the cursor was made (evidence "
			               "version %lld, now %lld); start again without \"cursor\"",
			               pg.run, now.run_id);
		}
	}
	return api_finish_list(out, doc, &pg, list_columns, -1, e);
}

static const char *const params_allowed[] = {NULL};

static const char *const params_columns[] = {"current",
                                             "scores",
                                             "interventions",
                                             "first_computed_at",
                                             "last_computed_at",
                                             "params.model_version",
                                             "params.discount",
                                             "params.decay",
                                             "params.draws",
                                             "params.base_year",
                                             "params.horizon_years",
                                             "params.horizon_cap",
                                             "params.quality_multipliers",
                                             "params.seed_salt",
                                             NULL};

/* The parameters in force as compact JSON (*text, owned) and as an object
 * (*obj, owned); on a bad environment both NULL and the reason in why. */
static int params_in_force(json_t **obj, char **text, struct err *why, struct err *e)
{
	struct vfm_params vp;

	*obj = NULL;
	*text = NULL;
	if (score_params_load(&vp, why) < 0)
		return 0;
	/* dumped as db_score_refresh dumps it, so the comparison agrees with it */
	if ((*obj = vfm_params_to_json(&vp)) == NULL ||
	    (*text = json_dumps(*obj, JSON_COMPACT | JSON_REAL_PRECISION(15))) == NULL) {
		json_decref(*obj);
		*obj = NULL;
		return err_set(e, WW_ENOMEM, "out of memory");
	}
	return 0;
}

int api_scoring_parameters(struct api_result *out, PGconn *db, const struct api_params *p,
                           struct err *e)
{
	struct err why = {0};
	json_t *in_force = NULL, *doc, *data;
	char *text = NULL;
	struct qb q;
	int rc;

	memset(out, 0, sizeof(*out));
	out->total = -1;
	if ((rc = api_check_params(p, params_allowed, e)) < 0)
		return rc;
	if ((rc = params_in_force(&in_force, &text, &why, e)) < 0)
		return rc;
	qb_init(&q);
	qb_param(&q, NULL);
	qb_param(&q, text); /* NULL when the environment is bad: nothing is current */
	free(text);
	qb_sql(&q,
	       "WITH g AS (SELECT s.params, count(*) AS scores,"
	       " count(DISTINCT s.intervention) AS interventions,"
	       " min(s.computed_at) AS first_computed_at, max(s.computed_at) AS last_computed_at,"
	       " coalesce(s.params = $2::jsonb, false) AS current"
	       " FROM scores s GROUP BY s.params)"
	       " SELECT json_build_object('version', " API_VERSION_SQL ", 'data',"
	       " json_build_object('stored', coalesce((SELECT json_agg(json_build_object("
	       "'params', g.params, 'current', g.current, 'scores', g.scores,"
	       " 'interventions', g.interventions, 'first_computed_at', g.first_computed_at,"
	       " 'last_computed_at', g.last_computed_at)"
	       " ORDER BY g.current DESC, g.last_computed_at DESC, g.params::text) FROM g),"
	       " '[]'::json),"
	       " 'scores', (SELECT coalesce(sum(g.scores), 0) FROM g),"
	       " 'stale_scores', (SELECT coalesce(sum(g.scores), 0) FROM g WHERE NOT g.current)))"
	       "::text");
	if ((rc = qb_exec_json(&q, db, &doc, e)) < 0) {
		json_decref(in_force);
		return rc;
	}
	/* in force first, then what is stored */
	data = json_pack("{s:o, s:o}", "in_force", in_force ? in_force : json_null(),
	                 "in_force_error", why.msg[0] ? json_string(why.msg) : json_null());
	if (data == NULL || json_object_update(data, json_object_get(doc, "data")) < 0) {
		json_decref(data);
		json_decref(doc);
		return err_set(e, WW_ENOMEM, "out of memory building the response");
	}
	if (json_object_set_new(doc, "data", data) < 0) { /* data is released */
		json_decref(doc);
		return err_set(e, WW_ENOMEM, "out of memory building the response");
	}
	return api_finish_item(out, doc, "scoring parameters", "", "stored", params_columns, e);
}
