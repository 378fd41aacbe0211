/*
 * web_projection.c - the local projection page: a force area and a scale in
 * a form, the projection by the API's rules, the area's recorded crime drawn
 *
 * Rendered from /v1/interventions/{id}/projection. When no projection can be
 * made (no score, no recorded crime, a crime type without a police.uk
 * category) the page says why, in the API's words, and still draws the
 * area's recorded crime when there is some.
 */
#include "api_internal.h"
#include "web.h"

#include <string.h>

static const char *const as_of_only[] = {"as_of", NULL};

static const char *const projection_allowed[] = {"area", "units", "coverage", "crime_type", NULL};

static int area_listed(const json_t *areas, const char *id)
{
	const json_t *a;
	size_t i;

	json_array_foreach(areas, i,
	                   a) if (web_str(a, "id") && strcmp(web_str(a, "id"), id) == 0) return 1;
	return 0;
}

static void projection_form(struct buf *b, const char *id, const json_t *iv, const json_t *areas,
                            const struct api_params *p)
{
	const char *area = api_param(p, "area"), *ct = api_param(p, "crime_type");
	const json_t *a, *s;
	size_t i;
	int place = web_str(iv, "level") && strcmp(web_str(iv, "level"), "place") == 0;

	buf_adds(b, "<form class=\"filters\" method=\"get\" action=\"/interventions/");
	web_url_part(b, id);
	buf_adds(b, "/projection\" aria-labelledby=\"proj-form-h\"><h2 id=\"proj-form-h\">"
	            "Your area and scale</h2><div class=\"field\"><label for=\"p-area\">Police "
	            "force area</label><select id=\"p-area\" name=\"area\" required>"
	            "<option value=\"\">Choose an area</option>");
	json_array_foreach(areas, i, a)
	{
		const char *aid = web_str(a, "id");
		buf_adds(b, "<option value=\"");
		web_attr(b, aid);
		buf_printf(b, "\"%s>", area && aid && strcmp(area, aid) == 0 ? " selected" : "");
		web_text(b, web_str(a, "name"));
		buf_adds(b, "</option>");
	}
	if (area != NULL && !area_listed(areas, area)) {
		/* an area with recorded crime that the reference list does not name */
		buf_adds(b, "<option selected value=\"");
		web_attr(b, area);
		buf_adds(b, "\">");
		web_text(b, area);
		buf_adds(b, "</option>");
	}
	buf_adds(b, "</select></div><div class=\"field\"><label for=\"p-units\">");
	buf_adds(b, place ? "Number of places (areas) covered" : "Number of people taking part");
	buf_adds(b, "</label><input type=\"number\" id=\"p-units\" name=\"units\" min=\"0\" "
	            "step=\"any\" inputmode=\"decimal\" value=\"");
	web_attr(b, api_param(p, "units") ? api_param(p, "units") : "100");
	buf_adds(b, "\"></div>");
	if (place) {
		buf_adds(b, "<div class=\"field\"><label for=\"p-cov\">Share of the area's crime "
		            "covered (0 to 1)</label><input type=\"number\" id=\"p-cov\" "
		            "name=\"coverage\" min=\"0\" max=\"1\" step=\"any\" required "
		            "value=\"");
		/* no default: how much of the area a place intervention covers is the
		 * commissioner's to say (the API refuses a place projection without it) */
		web_attr(b, api_param(p, "coverage") ? api_param(p, "coverage") : "");
		buf_adds(b, "\"></div>");
	}
	if (json_array_size(json_object_get(iv, "scores")) > 1) {
		buf_adds(b, "<div class=\"field\"><label for=\"p-ct\">Outcome</label>"
		            "<select id=\"p-ct\" name=\"crime_type\">");
		json_array_foreach(json_object_get(iv, "scores"), i, s)
		{
			const char *c = web_str(s, "crime_type");
			buf_adds(b, "<option value=\"");
			web_attr(b, c);
			buf_printf(b, "\"%s>", ct && c && strcmp(ct, c) == 0 ? " selected" : "");
			web_text(b, c);
			buf_adds(b, i == 0 ? " (headline)</option>" : "</option>");
		}
		buf_adds(b, "</select></div>");
	}
	buf_adds(b, "<div class=\"actions\"><button type=\"submit\">Show the "
	            "projection</button></div></form>\n");
}

static void trend(struct buf *b, const json_t *months, const char *what)
{
	const char *labels[240];
	double values[240];
	size_t n = 0, i;
	const json_t *m;

	json_array_foreach(months, i, m)
	{
		if (n == 240)
			break;
		labels[n] = web_str(m, "month") ? web_str(m, "month") : "";
		values[n++] = json_number_value(json_object_get(m, "count"));
	}
	if (n == 0)
		return;
	buf_adds(b, "<h3>Recorded crime in the area</h3><figure class=\"chart\">");
	web_svg_trend(b, labels, values, n, "trend");
	buf_adds(b, "<figcaption>");
	web_text(b, what);
	buf_adds(b, " recorded by the police each month (data.police.uk).</figcaption></figure>"
	            "<div class=\"scroll\" role=\"region\" aria-labelledby=\"trend-t\" "
	            "tabindex=\"0\"><table class=\"compact\"><caption id=\"trend-t\">Recorded "
	            "crime by month</caption><thead><tr><th scope=\"col\">Month</th>"
	            "<th scope=\"col\" class=\"num\">Crimes</th></tr></thead><tbody>");
	for (i = 0; i < n; i++) {
		buf_adds(b, "<tr><th scope=\"row\">");
		web_text(b, labels[i]);
		buf_adds(b, "</th><td class=\"num\">");
		web_num(b, values[i], 0);
		buf_adds(b, "</td></tr>");
	}
	buf_adds(b, "</tbody></table></div>\n");
}

static void projection_result(struct buf *b, const json_t *pr)
{
	static const char *const rows[][3] = {
	    {"crimes_prevented_total", "Crimes prevented over the horizon", "n"},
	    {"crimes_prevented_per_year", "Crimes prevented in the first year", "n"},
	    {"crimes_prevented_p05", "Low end (5th percentile)", "n"},
	    {"crimes_prevented_p95", "High end (95th percentile)", "n"},
	    {"pv_benefits", "Present value of the benefits", "m"},
	    {"pv_costs", "Present value of the costs", "m"},
	    {"npv", "Net present value", "m"},
	    {"bcr", "Benefit-cost ratio", "r"},
	    {"area_count", "Crimes a year in the area (the baseline)", "n"},
	    {"horizon_years", "Years counted", "n"},
	    {NULL, NULL, NULL}};
	int ok;
	double x;

	buf_adds(b, "<section aria-labelledby=\"proj-h\"><h2 id=\"proj-h\">Projection for ");
	web_text(b, web_str(pr, "area_name") ? web_str(pr, "area_name") : web_str(pr, "area"));
	buf_adds(b, "</h2><dl class=\"figures\">");
	for (size_t i = 0; rows[i][0] != NULL; i++) {
		if ((x = web_dbl(pr, rows[i][0], &ok)), !ok)
			continue;
		web_dt(b, rows[i][1]);
		if (rows[i][2][0] == 'm')
			web_money(b, x);
		else
			web_num(b, x, rows[i][2][0] == 'r' ? 2 : 1);
		buf_adds(b, "</dd>");
	}
	if ((x = web_dbl(pr, "p_bcr_gt1", &ok)), ok) {
		web_dt(b, "Chance the benefits exceed the cost");
		buf_printf(b, "%.0f%%</dd>", x * 100);
	}
	buf_adds(b, "</dl>");
	if (json_is_true(json_object_get(pr, "annualised")))
		buf_adds(b, "<p class=\"hint\">Fewer than 12 months of recorded crime were "
		            "available, so the baseline is scaled to a year.</p>");
	trend(b, json_object_get(pr, "baseline_months"),
	      web_str(pr, "category") ? web_str(pr, "category") : "Crimes");
	buf_adds(b, "</section>\n");
}

int web_projection(struct api_result *out, PGconn *db, const char *id, const struct api_params *p,
                   struct err *e)
{
	struct api_result areas = {0}, pr = {0}, crime = {0};
	struct web_params wp;
	struct buf b = {0};
	struct err pe = {0};
	const json_t *iv;
	int rc, prc = 1;

	if ((rc = api_check_params(p, projection_allowed, e)) < 0)
		return rc;
	web_params_init(&wp, p, as_of_only);
	if ((rc = api_intervention_get(out, db, id, &wp.p, e)) < 0 ||
	    (rc = api_result_json(out, e)) < 0 || (rc = api_areas(&areas, db, &wp.p, e)) < 0 ||
	    (rc = api_result_json(&areas, e)) < 0)
		goto done;
	iv = json_object_get(out->body, "data");
	if (api_param(p, "area") != NULL) {
		prc = api_intervention_projection(&pr, db, id, p, &pe);
		if (prc == 0)
			prc = api_result_json(&pr, &pe);
		if (prc == WW_EDB || prc == WW_ENOMEM) {
			rc = err_set(e, prc, "%s", pe.msg);
			goto done;
		}
		if (prc < 0 && api_is_id(api_param(p, "area"))) {
			/* no projection: still show the area's recorded crime */
			struct web_params cp;
			web_params_init(&cp, NULL, NULL);
			web_params_set(&cp, "category", "all-crime");
			struct err ce = {0};
			if (api_area_crime(&crime, db, api_param(p, "area"), &cp.p, &ce) < 0 ||
			    api_result_json(&crime, &ce) < 0)
				api_result_free(&crime);
		}
	}
	web_page_begin(&b, "Local projection", NULL);
	buf_adds(&b, "<p class=\"crumbs\"><a href=\"/interventions\">Interventions</a> / "
	             "<a href=\"/interventions/");
	web_url_part(&b, id);
	buf_adds(&b, "\">");
	web_text(&b, web_str(iv, "name"));
	buf_adds(&b, "</a></p>\n<h1>Local projection: ");
	web_text(&b, web_str(iv, "name"));
	buf_adds(&b, "</h1>\n<p>What the intervention might achieve in one police force area "
	             "at the scale you choose, from its score and the area's recorded crime "
	             "over the latest 12 months. The same rules as the API's projection "
	             "apply.</p>\n");
	projection_form(&b, id, iv, json_object_get(areas.body, "data"), p);
	if (prc < 0) {
		buf_adds(&b, "<div class=\"warning\" role=\"alert\"><p><strong>No projection "
		             "can be made.</strong> ");
		web_text(&b, pe.msg);
		buf_adds(&b, "</p></div>\n");
		const json_t *cd = json_object_get(crime.body, "data");
		if (cd != NULL)
			trend(&b, json_object_get(cd, "counts"), "All crimes");
	} else if (prc == 0) {
		projection_result(&b, json_object_get(pr.body, "data"));
		buf_adds(&b,
		         "<p class=\"formats\">This projection as <a href=\"/v1/interventions/");
		web_url_part(&b, id);
		buf_adds(&b, "/projection?");
		web_query(&b, p, NULL);
		buf_adds(&b, "\">JSON</a>.</p>\n");
	}
	web_page_end(&b, &out->version, NULL);
	json_decref(out->body);
	out->body = NULL;
	free(out->text);
	out->text = NULL;
	out->columns = NULL;
	out->rows_key = NULL;
	rc = web_finish(out, &b, e);
done:
	api_result_free(&areas);
	api_result_free(&pr);
	api_result_free(&crime);
	return rc;
}
