/*
 * api_crime.c - /v1/areas/{id}/crime and /v1/interventions/{id}/projection
 *
 * Recorded crime is not versioned with the evidence (a police-uk run
 * replaces counts in place), so neither endpoint takes as_of; both report
 * the latest succeeded run as their version, which a police-uk run advances
 * like any other, so ETags change when the counts do.
 *
 * The projection (vfm-model.md section 9) reads the intervention's score for
 * the requested crime type (or its headline score), maps the crime type to a
 * data.police.uk category through the current category-map reference data,
 * sums the area's recorded crime in that category over the latest 12 months
 * the area has (annualised when fewer are stored), and scales the score with
 * vfm_project_json. For person interventions the baseline comes from the
 * score (evaluation or reference) and the area's counts only bound it.
 *
 * units and coverage mean one thing each (service/VFM.md): units is how many
 * are treated, participants (person) or areas such as hot spots (place), and
 * scales the costs (and, for person, the baseline crime); coverage (place
 * only, required) is the share of the force area's recorded crime in the
 * mapped category that the treated areas hold together, and scales the
 * baseline crime. Only the 43 territorial forces of England and Wales in the
 * areas reference data can be projected: the unit costs are theirs.
 */
#include "api_internal.h"

#include "vfm.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const crime_allowed[] = {"category", "from", "to", NULL};
static const char *const crime_columns[] = {"area", "month", "category", "count", NULL};
static const char *const projection_allowed[] = {"area", "units", "coverage", "crime_type", NULL};
static const char *const projection_columns[] = {"intervention",
                                                 "area",
                                                 "crime_type",
                                                 "category",
                                                 "level",
                                                 "units",
                                                 "coverage",
                                                 "area_count",
                                                 "r_total",
                                                 "crimes_prevented_per_year",
                                                 "crimes_prevented_total",
                                                 "crimes_prevented_p05",
                                                 "crimes_prevented_p95",
                                                 "pv_benefits",
                                                 "pv_costs",
                                                 "npv",
                                                 "bcr",
                                                 "band",
                                                 "p_bcr_gt1",
                                                 "bcr_p05",
                                                 "bcr_p95",
                                                 NULL};

/* YYYY-MM with a real month, or absent. */
static int param_month(const struct api_params *p, const char *name, const char **out,
                       struct err *e)
{
	const char *v = api_param(p, name);

	*out = NULL;
	if (v == NULL)
		return 0;
	if (strlen(v) != 7 || !isdigit((unsigned char)v[0]) || !isdigit((unsigned char)v[1]) ||
	    !isdigit((unsigned char)v[2]) || !isdigit((unsigned char)v[3]) || v[4] != '-' ||
	    !isdigit((unsigned char)v[5]) || !isdigit((unsigned char)v[6]) || atoi(v + 5) < 1 ||
	    atoi(v + 5) > 12)
		return err_set(e, WW_EINVALID, "parameter \"%s\" must be a month: YYYY-MM", name);
	*out = v;
	return 1;
}

/* param: the query parameter, or "id" for the path segment */
static int bad_area(const char *param, const char *id, struct err *e)
{
	return err_set(e, WW_EINVALID,
	               "%sparameter \"%s\": area \"%.80s\" is not a force id (lower-case letters, "
	               "digits and '-')",
	               strcmp(param, "id") == 0 ? "path " : "", param, id);
}

int api_area_crime(struct api_result *out, PGconn *db, const char *id, const struct api_params *p,
                   struct err *e)
{
	const char *category = api_param(p, "category"), *from, *to;
	struct qb q;
	json_t *doc;
	int rc;

	memset(out, 0, sizeof(*out));
	out->total = -1;
	if ((rc = api_check_params(p, crime_allowed, e)) < 0)
		return rc;
	if (!api_is_id(id))
		return bad_area("id", id, e);
	if (category != NULL && !api_is_id(category))
		return err_set(e, WW_EINVALID,
		               "parameter \"category\" must be a data.police.uk category id, such "
		               "as burglary, violent-crime or all-crime");
	if ((rc = param_month(p, "from", &from, e)) < 0 || (rc = param_month(p, "to", &to, e)) < 0)
		return rc;
	if (from != NULL && to != NULL && strcmp(from, to) > 0)
		return err_set(e, WW_EINVALID, "parameter \"from\" (%s) is after \"to\" (%s)", from,
		               to);
	qb_init(&q);
	api_bind_run(&q, 0);
	qb_param(&q, id);
	qb_param(&q, category);
	qb_param(&q, from);
	qb_param(&q, to);
	/* the window: to defaults to the area's latest month, from to 11 months before */
	qb_sql(&q,
	       "WITH lim AS (SELECT coalesce(($5::text || '-01')::date, (SELECT max(month) FROM"
	       "  crime_units WHERE force = $2)) AS hi),"
	       " win AS (SELECT coalesce(($4::text || '-01')::date, hi - interval '11 "
	       "months')::date AS lo,"
	       "  hi FROM lim),"
	       " rows AS (SELECT k.month, CASE WHEN $3 = 'all-crime' THEN 'all-crime'"
	       "  ELSE k.category END AS category, sum(k.count)::bigint AS n"
	       "  FROM crime_counts k, win WHERE k.force = $2 AND k.month BETWEEN win.lo AND win.hi"
	       "  AND ($3::text IS NULL OR $3 = 'all-crime' OR k.category = $3)"
	       "  GROUP BY 1, 2)"
	       " SELECT json_build_object('version', " API_VERSION_SQL ","
	       " 'known_category', $3::text IS NULL OR $3 = 'all-crime' OR EXISTS (SELECT 1 FROM"
	       "  police_categories c WHERE c.id = $3),"
	       " 'known_area', EXISTS (SELECT 1 FROM reference_data r, jsonb_array_elements(CASE"
	       "  WHEN jsonb_typeof(r.body->'entries') = 'array' THEN r.body->'entries'"
	       "  ELSE jsonb_build_array(r.body) END) x(e) WHERE r.kind = 'areas'"
	       "  AND r.valid_to IS NULL AND x.e->>'id' = $2),"
	       " 'data', CASE WHEN EXISTS (SELECT 1 FROM police_forces f WHERE f.id = $2)"
	       "  OR EXISTS (SELECT 1 FROM crime_units u WHERE u.force = $2) THEN"
	       "  json_build_object('area', $2::text,"
	       "  'name', (SELECT f.name FROM police_forces f WHERE f.id = $2),"
	       "  'category', $3::text,"
	       "  'from', (SELECT to_char(lo, 'YYYY-MM') FROM win),"
	       "  'to', (SELECT to_char(hi, 'YYYY-MM') FROM win),"
	       "  'months', (SELECT count(*) FROM crime_units u, win WHERE u.force = $2"
	       "   AND u.month BETWEEN win.lo AND win.hi),"
	       "  'total', (SELECT coalesce(sum(n), 0) FROM rows),"
	       "  'counts', (SELECT coalesce(json_agg(json_build_object('area', $2::text,"
	       "   'month', to_char(month, 'YYYY-MM'), 'category', category, 'count', n)"
	       "   ORDER BY month, category), '[]') FROM rows)) END)::text");
	if ((rc = qb_exec_json(&q, db, &doc, e)) < 0)
		return rc;
	if (!json_is_true(json_object_get(doc, "known_category"))) {
		json_decref(doc);
		return err_set(e, WW_EINVALID,
		               "parameter \"category\": \"%.80s\" is not a data.police.uk category "
		               "of any imported month",
		               category);
	}
	if (json_is_null(json_object_get(doc, "data")) &&
	    json_is_true(json_object_get(doc, "known_area"))) {
		json_decref(doc);
		return err_set(e, WW_ENOTFOUND,
		               "area \"%.80s\" has no recorded crime imported yet: run `whatworks "
		               "import police-uk`",
		               id);
	}
	return api_finish_item(out, doc, "area", id, "counts", crime_columns, e);
}

/* A positive or [0, 1] number parameter with a default. */
static int param_double(const struct api_params *p, const char *name, double def, double lo,
                        double hi, int lo_open, double *out, struct err *e)
{
	char buf[64];
	int rc;

	*out = def;
	if ((rc = api_param_number(p, name, buf, sizeof(buf), e)) <= 0)
		return rc;
	*out = strtod(buf, NULL);
	if (!isfinite(*out) || *out > hi || (lo_open ? *out <= lo : *out < lo))
		return err_set(e, WW_EINVALID, "parameter \"%s\" must be a number %s %g%s%g", name,
		               lo_open ? "above" : "from", lo, lo_open ? " and at most " : " to ",
		               hi);
	return 1;
}

int api_intervention_projection(struct api_result *out, PGconn *db, const char *id,
                                const struct api_params *p, struct err *e)
{
	const char *area = api_param(p, "area"), *crime_type = api_param(p, "crime_type");
	const char *level, *category;
	json_t *doc = NULL, *proj = NULL, *months, *body;
	double units, coverage, sum = 0, area_count;
	struct qb q;
	size_t i, nmonths;
	int rc;

	memset(out, 0, sizeof(*out));
	out->total = -1;
	if ((rc = api_check_params(p, projection_allowed, e)) < 0)
		return rc;
	if (area == NULL)
		return err_set(e, WW_EINVALID,
		               "parameter \"area\" is required: a force id such as merseyside");
	if (!api_is_id(area))
		return bad_area("area", area, e);
	if (crime_type != NULL && !api_is_id(crime_type))
		return err_set(e, WW_EINVALID, "parameter \"crime_type\" must be a crime type id");
	if ((rc = param_double(p, "units", 1, 0, 1e9, 1, &units, e)) < 0 ||
	    (rc = param_double(p, "coverage", -1, 0, 1, 1, &coverage, e)) < 0)
		return rc;
	qb_init(&q);
	api_bind_run(&q, 0);
	qb_param(&q, id);
	qb_param(&q, crime_type);
	qb_param(&q, area);
	qb_sql(
	    &q,
	    "WITH s AS (SELECT crime_type, figures, insufficient_reason FROM scores"
	    "  WHERE intervention = $2"
	    "  AND CASE WHEN $3::text IS NULL THEN headline ELSE crime_type = $3 END),"
	    " map AS (SELECT x.e->>'police_uk_category' AS cat, r.id AS doc"
	    "  FROM reference_data r, jsonb_array_elements(CASE WHEN jsonb_typeof("
	    "  r.body->'entries') = 'array' THEN r.body->'entries' ELSE '[]' END) x(e)"
	    "  WHERE r.kind = 'category-map' AND r.valid_to IS NULL"
	    "  AND x.e->>'crime_type' = (SELECT crime_type FROM s) ORDER BY r.id LIMIT 1),"
	    " mo AS (SELECT month FROM crime_units WHERE force = $4 ORDER BY month DESC LIMIT 12)"
	    " SELECT json_build_object('version', " API_VERSION_SQL ","
	    " 'england_wales', (SELECT r.id FROM reference_data r, jsonb_array_elements(CASE WHEN"
	    "  jsonb_typeof(r.body->'entries') = 'array' THEN r.body->'entries' ELSE '[]' END) x(e)"
	    "  WHERE r.kind = 'areas' AND r.valid_to IS NULL AND x.e->>'id' = $4"
	    "  ORDER BY r.id LIMIT 1),"
	    " 'intervention', (SELECT json_build_object('id', i.id, 'name', i.name, 'level',"
	    "  i.level) FROM interventions i WHERE i.id = $2 AND i.valid_to IS NULL),"
	    " 'crime_types', (SELECT json_agg(crime_type ORDER BY crime_type) FROM scores"
	    "  WHERE intervention = $2),"
	    " 'score', (SELECT json_build_object('crime_type', crime_type, 'figures', figures,"
	    "  'insufficient_reason', insufficient_reason)"
	    "  FROM s),"
	    " 'category', (SELECT cat FROM map), 'category_map', (SELECT doc FROM map),"
	    " 'area', (SELECT json_build_object('id', f.id, 'name', f.name) FROM police_forces f"
	    "  WHERE f.id = $4),"
	    " 'months', (SELECT coalesce(json_agg(json_build_object('month', to_char(mo.month,"
	    "  'YYYY-MM'), 'count', (SELECT coalesce(sum(k.count), 0) FROM crime_counts k"
	    "  WHERE k.force = $4 AND k.month = mo.month AND ((SELECT cat FROM map) = 'all-crime'"
	    "  OR k.category = (SELECT cat FROM map)))) ORDER BY mo.month), '[]') FROM mo))::text");
	if ((rc = qb_exec_json(&q, db, &doc, e)) < 0)
		return rc;
	const json_t *iv = json_object_get(doc, "intervention");
	const json_t *score = json_object_get(json_object_get(doc, "score"), "figures");
	const char *ct =
	    json_string_value(json_object_get(json_object_get(doc, "score"), "crime_type"));
	if (!json_is_object(iv)) {
		rc = err_set(e, WW_ENOTFOUND, "intervention \"%.80s\" does not exist", id);
		goto done;
	}
	if (!json_is_object(score)) {
		char *types = json_dumps(json_object_get(doc, "crime_types"), JSON_ENCODE_ANY);
		rc = crime_type
		         ? err_set(e, WW_ENOTFOUND,
		                   "intervention \"%.80s\" has no score for crime type "
		                   "\"%.80s\" (scored: %s)",
		                   id, crime_type, types && strcmp(types, "null") ? types : "none")
		         : err_set(e, WW_ENOTFOUND, "intervention \"%.80s\" has no scores yet", id);
		free(types);
		goto done;
	}
	/* a score without a BCR cannot be projected: the request was fine, the
	 * intervention is in a state that does not allow it (409, not 400) */
	if (!json_is_number(json_object_get(score, "bcr"))) {
		const char *why = json_string_value(
		    json_object_get(json_object_get(doc, "score"), "insufficient_reason"));
		rc = err_set(e, WW_ECONFLICT,
		             "intervention \"%.80s\" cannot be projected: its score for \"%.80s\" "
		             "is insufficient (%s)",
		             id, ct ? ct : "?", why ? why : "no benefit-cost ratio");
		goto done;
	}
	level = json_string_value(json_object_get(iv, "level"));
	category = json_string_value(json_object_get(doc, "category"));
	if (!json_is_string(json_object_get(doc, "england_wales"))) {
		rc = err_set(e, WW_EINVALID,
		             "parameter \"area\": area \"%.80s\" is not one of the 43 territorial "
		             "police forces of "
		             "England and Wales in the areas reference data: the unit costs and "
		             "recorded crime the projection uses are theirs (Northern Ireland, "
		             "Scotland and British Transport Police are outside the model)",
		             area);
		goto done;
	}
	int is_place = level != NULL && strcmp(level, "place") == 0;
	if (is_place && coverage < 0) {
		rc = err_set(e, WW_EINVALID,
		             "parameter \"coverage\" is required for a place intervention: the "
		             "share (above 0, at most 1) of the area's recorded crime that the "
		             "treated areas hold together; there is no default");
		goto done;
	}
	if (!is_place && coverage >= 0) {
		rc = err_set(e, WW_EINVALID,
		             "parameter \"coverage\" applies to place interventions only: for a "
		             "person intervention, units is the number of participants");
		goto done;
	}
	months = json_object_get(doc, "months");
	nmonths = json_array_size(months);
	if (json_is_null(json_object_get(doc, "area")) && nmonths == 0) {
		rc = err_set(
		    e, WW_ENOTFOUND,
		    "area \"%.80s\" has no recorded crime: it is not a data.police.uk force, "
		    "or `whatworks import police-uk` has not run",
		    area);
		goto done;
	}
	int place = level != NULL && strcmp(level, "place") == 0;
	if (place && category == NULL) {
		rc = err_set(e, WW_ECONFLICT,
		             "intervention \"%.80s\" cannot be projected for crime type \"%s\": it "
		             "has no data.police.uk category in the category map, which a place "
		             "projection needs (ask with crime_type= for a mapped type)",
		             id, ct ? ct : "?");
		goto done;
	}
	if (place && nmonths == 0) {
		rc = err_set(e, WW_ENOTFOUND, "area \"%.80s\" has no recorded crime imported yet",
		             area);
		goto done;
	}
	for (i = 0; i < nmonths; i++)
		sum += json_number_value(json_object_get(json_array_get(months, i), "count"));
	area_count = nmonths > 0 ? sum * 12.0 / (double)nmonths : 0;
	if ((rc = vfm_project_json(&proj, score, level, area_count, coverage, units, e)) < 0) {
		if (rc == WW_EINVALID) /* the stored score, not the request */
			rc = WW_ECONFLICT;
		goto done;
	}
	json_object_set_new(proj, "intervention", json_string(id));
	json_object_set_new(proj, "area", json_string(area));
	json_object_set(proj, "area_name",
	                json_object_get(json_object_get(doc, "area"), "name")
	                    ? json_object_get(json_object_get(doc, "area"), "name")
	                    : json_null());
	json_object_set_new(proj, "category", category ? json_string(category) : json_null());
	json_object_set(proj, "category_map", json_object_get(doc, "category_map"));
	json_object_set(proj, "baseline_months", months);
	json_object_set_new(
	    proj, "baseline_from",
	    nmonths ? json_deep_copy(json_object_get(json_array_get(months, 0), "month"))
	            : json_null());
	json_object_set_new(
	    proj, "baseline_to",
	    nmonths ? json_deep_copy(json_object_get(json_array_get(months, nmonths - 1), "month"))
	            : json_null());
	json_object_set_new(proj, "area_recorded", json_real(sum));
	json_object_set_new(proj, "annualised", json_boolean(nmonths > 0 && nmonths < 12));
	json_object_set_new(proj, "intervention_name", json_deep_copy(json_object_get(iv, "name")));
	body = json_pack("{s:O, s:o}", "version", json_object_get(doc, "version"), "data", proj);
	proj = NULL;
	json_decref(doc);
	doc = NULL;
	if (body == NULL)
		return err_set(e, WW_ENOMEM, "out of memory building the response");
	rc = api_finish_item(out, body, "intervention", id, NULL, NULL, e);
	if (rc == 0) {
		json_t *one = json_array();
		json_array_append(one, json_object_get(out->body, "data"));
		out->columns = projection_columns;
		out->rows = api_flatten_rows(one, projection_columns);
		json_decref(one);
	}
	return rc;
done:
	json_decref(doc);
	json_decref(proj);
	return rc;
}
