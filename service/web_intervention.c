/*
 * web_intervention.c - one intervention in the order a commissioner reads it
 * (EMMIE: effect, mechanism, moderators, implementation, economics), then
 * its evaluations and provenance
 *
 * Rendered from /v1/interventions/{id} (the headline score's figures).
 * Figures the score does not have are said to be missing, never shown as
 * zero; keys added to the score later (the break-even figures) are shown
 * when present.
 */
#include "api_internal.h"
#include "web.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The headline score: the first (the API orders headline first). */
static const json_t *headline(const json_t *iv)
{
	return json_array_get(json_object_get(iv, "scores"), 0);
}

/* ---- the summary box ---- */

static void effect_words(struct buf *b, const json_t *fig, const char *crime_type)
{
	int ok, lo_ok, hi_ok;
	double v = web_dbl(fig, "pct_change_adj", &ok);
	double lo = web_dbl(fig, "ci_adj_low", &lo_ok), hi = web_dbl(fig, "ci_adj_high", &hi_ok);

	if (!ok) {
		buf_adds(b, "No usable estimate of the effect yet.");
		return;
	}
	if (fabs(v) < 0.5)
		buf_adds(b, "No change in ");
	else
		buf_adds(b, v < 0 ? "About " : "An increase of about ");
	if (fabs(v) >= 0.5) {
		web_pct(b, fabs(v));
		buf_adds(b, v < 0 ? " less " : " in ");
	}
	web_text(b, crime_type ? crime_type : "crime");
	buf_adds(b, " where it was evaluated, after adjusting for evidence quality");
	if (lo_ok && hi_ok) {
		buf_adds(b, " (95% interval ");
		web_pct(b, 100 * expm1(lo));
		buf_adds(b, " to ");
		web_pct(b, 100 * expm1(hi));
		buf_adds(b, ")");
	} else {
		buf_adds(b, "; the evaluations give no measure of uncertainty");
	}
	buf_adds(b, ".");
}

/* The per-unit words of the score's cost basis. */
static const char *per_words(const json_t *fig)
{
	const char *per = web_str(fig, "breakeven_per");
	if (per == NULL)
		per = web_str(fig, "cost_per");
	if (per != NULL && strcmp(per, "area-year") == 0)
		return "area a year";
	return per != NULL ? per : "unit";
}

/* " It pays for itself if it costs less than £X per participant (90 %
 * interval £A to £B)." from the score's break-even cost; a break-even at or
 * below zero pays back at no cost. */
static void breakeven_words(struct buf *b, const json_t *fig)
{
	int ok, ok5, ok95;
	double x = web_dbl(fig, "breakeven_cost", &ok);
	double lo = web_dbl(fig, "breakeven_p05", &ok5), hi = web_dbl(fig, "breakeven_p95", &ok95);

	if (!ok)
		return;
	if (x <= 0) {
		buf_adds(b, " It does not pay for itself at any cost: the benefits it brings are "
		            "not positive.");
		return;
	}
	buf_adds(b, " It pays for itself if it costs less than ");
	web_money(b, x);
	buf_adds(b, " per ");
	web_text(b, per_words(fig));
	if (ok5 && ok95) {
		buf_adds(b, " (90 % interval ");
		web_money(b, lo);
		buf_adds(b, " to ");
		web_money(b, hi);
		buf_adds(b, ")");
	}
	buf_adds(b, ".");
}

static void summary_box(struct buf *b, const json_t *iv, const json_t *sc)
{
	const json_t *fig = json_object_get(sc, "figures");
	const char *ct = web_str(sc, "crime_type");
	long long rating = (long long)json_integer_value(json_object_get(sc, "evidence_rating"));
	int ok, lo_ok, hi_ok;
	double bcr = web_dbl(sc, "bcr", &ok), pg;

	buf_adds(b, "<section class=\"summary\" aria-labelledby=\"glance-h\">"
	            "<h2 id=\"glance-h\">At a glance</h2>\n");
	if (json_is_true(json_object_get(sc, "harmful")))
		buf_adds(b, "<div class=\"warning\" role=\"note\"><p><strong>Warning: this "
		            "intervention may cause harm.</strong> The evidence says it "
		            "increases crime: the whole 95% interval of its effect lies above "
		            "zero. Do not commission it to reduce crime.</p></div>\n");
	web_markdown(b, web_str(iv, "summary"));
	buf_adds(b, "<dl class=\"glance\">");
	web_dt(b, "What it achieves");
	if (sc == NULL)
		buf_adds(b, "It has not been scored yet.");
	else
		effect_words(b, fig, ct);
	buf_adds(b, "</dd>");
	web_dt(b, "How sure we are");
	buf_printf(b, "Evidence rating %lld of 5: %s", rating, web_rating_words(rating));
	buf_printf(b, ", from %zu evaluation%s.</dd>",
	           json_array_size(json_object_get(iv, "evaluations")),
	           json_array_size(json_object_get(iv, "evaluations")) == 1 ? "" : "s");
	web_dt(b, "What it is worth");
	if (ok) {
		buf_adds(b, "<strong>");
		web_text(b, web_band_name(web_str(sc, "band")));
		buf_adds(b, "</strong>: every \xC2\xA3"
		            "1 spent avoids about ");
		web_money(b, bcr);
		buf_adds(b, " of harm and costs");
		double lo = web_dbl(sc, "bcr_p05", &lo_ok), hi = web_dbl(sc, "bcr_p95", &hi_ok);
		if (lo_ok && hi_ok) {
			buf_adds(b, " (90% interval ");
			web_money(b, lo);
			buf_adds(b, " to ");
			web_money(b, hi);
			buf_adds(b, ")");
		}
		pg = web_dbl(sc, "p_bcr_gt1", &ok);
		if (ok)
			buf_printf(b, "; a %.0f%% chance that the benefits exceed the cost",
			           pg * 100);
		buf_adds(b, ".");
	} else {
		buf_adds(b, "Not enough information to put a value on it yet");
		const json_t *rs = json_object_get(fig, "insufficient_reasons");
		if (json_array_size(rs) > 0)
			buf_adds(b, " (see Economics below for what is missing)");
		buf_adds(b, ".");
	}
	breakeven_words(b, fig);
	buf_adds(b, "</dd></dl></section>\n");
}

/* ---- effect ---- */

static void effect_section(struct buf *b, const json_t *iv, const json_t *sc)
{
	const json_t *fig = json_object_get(sc, "figures");
	const json_t *outs = json_object_get(fig, "outcomes"), *o, *s;
	struct web_forest_row rows[40];
	size_t n = 0, i;
	int ok, ok2;

	buf_adds(b, "<section aria-labelledby=\"effect-h\"><h2 id=\"effect-h\">Effect</h2>\n");
	if (sc == NULL) {
		buf_adds(b, "<p>Not scored yet.</p></section>\n");
		return;
	}
	buf_adds(b, "<p>Outcome: <strong>");
	web_text(b, web_str(sc, "crime_type"));
	buf_adds(b, "</strong>. ");
	effect_words(b, fig, web_str(sc, "crime_type"));
	buf_adds(b, "</p>\n");
	json_array_foreach(outs, i, o)
	{
		double y = web_dbl(o, "y", &ok);
		if (!ok || n + 2 >= sizeof(rows) / sizeof(rows[0]))
			continue;
		rows[n].label = web_str(o, "evaluation");
		rows[n].y = y;
		rows[n].s = web_dbl(o, "s", &ok2);
		if (!ok2)
			rows[n].s = 0;
		rows[n++].kind = 0;
	}
	if (web_dbl(fig, "mu", &ok), ok) {
		rows[n].label = "Pooled";
		rows[n].y = web_dbl(fig, "mu", &ok);
		rows[n].s = web_dbl(fig, "se", &ok2);
		if (!ok2)
			rows[n].s = 0;
		rows[n++].kind = 1;
	}
	if (web_dbl(fig, "mu_adj", &ok), ok) {
		rows[n].label = "Adjusted for quality";
		rows[n].y = web_dbl(fig, "mu_adj", &ok);
		rows[n].s = web_dbl(fig, "se_adj", &ok2);
		if (!ok2)
			rows[n].s = 0;
		rows[n++].kind = 2;
	}
	if (n > 0) {
		buf_adds(b, "<figure class=\"chart\">");
		web_svg_forest(b, rows, n, "forest");
		buf_adds(b, "<figcaption>Squares: each evaluation's estimate; lines: 95% "
		            "intervals; diamonds: the pooled and the quality-adjusted "
		            "estimate. Left of the vertical line means less crime.</figcaption>"
		            "</figure>\n");
	}
	buf_adds(b, "<div class=\"scroll\" role=\"region\" aria-labelledby=\"effect-t\" "
	            "tabindex=\"0\"><table><caption id=\"effect-t\">The estimates in the "
	            "forest plot</caption><thead><tr><th scope=\"col\">Estimate</th>"
	            "<th scope=\"col\">Design</th><th scope=\"col\" class=\"num\">Quality</th>"
	            "<th scope=\"col\" class=\"num\">Change</th>"
	            "<th scope=\"col\">95% interval</th><th scope=\"col\">Used</th>"
	            "</tr></thead><tbody>\n");
	json_array_foreach(outs, i, o)
	{
		double y = web_dbl(o, "y", &ok), se = web_dbl(o, "s", &ok2);
		buf_adds(b, "<tr><th scope=\"row\">");
		web_text(b, web_str(o, "evaluation"));
		buf_adds(b, "</th><td>");
		web_text(b, web_str(o, "design"));
		buf_printf(b, "</td><td class=\"num\">%lld of 5</td><td class=\"num\">",
		           (long long)json_integer_value(json_object_get(o, "quality")));
		if (ok)
			web_pct(b, 100 * expm1(y));
		else
			buf_adds(b, "<span class=\"na\">n/a</span>");
		buf_adds(b, "</td><td>");
		if (ok && ok2) {
			web_pct(b, 100 * expm1(y - 1.96 * se));
			buf_adds(b, " to ");
			web_pct(b, 100 * expm1(y + 1.96 * se));
		} else {
			buf_adds(b, "not reported");
		}
		buf_adds(b, "</td><td>");
		if (json_is_true(json_object_get(o, "in_basis")))
			buf_adds(b, "yes");
		else {
			buf_adds(b, "no");
			if (web_str(o, "error") != NULL) {
				buf_adds(b, ": ");
				web_text(b, web_str(o, "error"));
			}
		}
		buf_adds(b, "</td></tr>\n");
	}
	for (int k = 0; k < 2; k++) {
		double m = web_dbl(fig, k ? "mu_adj" : "mu", &ok);
		double lo = web_dbl(fig, k ? "ci_adj_low" : "ci_low", &ok2);
		int ok3;
		double hi = web_dbl(fig, k ? "ci_adj_high" : "ci_high", &ok3);
		if (!ok)
			continue;
		buf_printf(b,
		           "<tr class=\"pooled\"><th scope=\"row\">%s</th><td>%s</td><td></td>"
		           "<td class=\"num\">",
		           k ? "Adjusted for quality" : "Pooled",
		           k ? "quality multiplier applied" : "random effects");
		web_pct(b, 100 * expm1(m));
		buf_adds(b, "</td><td>");
		if (ok2 && ok3) {
			web_pct(b, 100 * expm1(lo));
			buf_adds(b, " to ");
			web_pct(b, 100 * expm1(hi));
		} else {
			buf_adds(b, "no interval");
		}
		buf_adds(b, "</td><td>headline</td></tr>\n");
	}
	buf_adds(b, "</tbody></table></div>\n");
	/* the other outcomes scored */
	if (json_array_size(json_object_get(iv, "scores")) > 1) {
		buf_adds(b, "<h3>Other outcomes</h3><ul>");
		json_array_foreach(json_object_get(iv, "scores"), i, s)
		{
			if (i == 0)
				continue;
			buf_adds(b, "<li>");
			web_text(b, web_str(s, "crime_type"));
			buf_adds(b, ": ");
			double v = web_dbl(s, "pct_change", &ok);
			if (ok) {
				web_pct(b, v);
				buf_adds(b, " change, ");
			}
			web_text(b, web_band_name(web_str(s, "band")));
			buf_printf(
			    b, ", evidence rating %lld of 5</li>",
			    (long long)json_integer_value(json_object_get(s, "evidence_rating")));
		}
		buf_adds(b, "</ul>\n");
	}
	buf_adds(b, "</section>\n");
}

static void text_section(struct buf *b, const char *id, const char *title, const char *md)
{
	buf_printf(b, "<section aria-labelledby=\"%s-h\"><h2 id=\"%s-h\">%s</h2>\n", id, id, title);
	if (md != NULL && md[0] != '\0')
		web_markdown(b, md);
	else
		buf_adds(b, "<p class=\"na\">Not recorded in the evidence yet.</p>\n");
	buf_adds(b, "</section>\n");
}

/* ---- economics ---- */

static void flag_text(struct buf *b, const char *flag)
{
	if (flag == NULL)
		return;
	buf_adds(b, " <span class=\"tag flag\">");
	web_text(b, strcmp(flag, "verified") == 0    ? "verified in the source"
	            : strcmp(flag, "secondary") == 0 ? "secondary source"
	                                             : flag);
	buf_adds(b, "</span>");
}

/* "; source [flag]; note", each part only when given. */
static void provenance(struct buf *b, const char *source, const char *flag, const char *note)
{
	if (source != NULL) {
		buf_adds(b, "; ");
		web_text(b, source);
	}
	flag_text(b, flag);
	if (note != NULL) {
		buf_adds(b, "; ");
		web_text(b, note);
	}
}

static void economics_section(struct buf *b, const json_t *sc)
{
	const json_t *fig = json_object_get(sc, "figures"), *c;
	int ok, lo_ok, hi_ok;
	double bcr = web_dbl(sc, "bcr", &ok), lo = web_dbl(sc, "bcr_p05", &lo_ok),
	       hi = web_dbl(sc, "bcr_p95", &hi_ok), x;
	size_t i;

	buf_adds(b, "<section aria-labelledby=\"econ-h\"><h2 id=\"econ-h\">Economics</h2>\n");
	if (ok) {
		buf_adds(b, "<figure class=\"chart\">");
		web_svg_bcr(b, bcr, lo_ok ? lo : NAN, hi_ok ? hi : NAN, "bcr");
		buf_adds(b, "<figcaption>The dot is the benefit-cost ratio, the bar its 90% "
		            "interval from the simulation; right of the break-even line the "
		            "benefits exceed the cost.</figcaption></figure>\n");
	}
	buf_adds(b, "<dl class=\"figures\">");
	web_dt(b, "Value for money");
	web_text(b, web_band_name(web_str(sc, "band")));
	buf_adds(b, "</dd>");
	web_dt(b, "Benefit-cost ratio");
	if (ok) {
		web_num(b, bcr, 2);
		if (lo_ok && hi_ok) {
			buf_adds(b, " (90% interval ");
			web_num(b, lo, 2);
			buf_adds(b, " to ");
			web_num(b, hi, 2);
			buf_adds(b, ")");
		}
	} else {
		buf_adds(b, "<span class=\"na\">not available</span>");
	}
	buf_adds(b, "</dd>");
	if ((x = web_dbl(sc, "p_bcr_gt1", &ok)), ok) {
		web_dt(b, "Chance the benefits exceed the cost");
		buf_printf(b, "%.0f%%</dd>", x * 100);
	}
	static const char *const money_keys[][2] = {
	    {"npv", "Net present value"},
	    {"pv_benefits", "Present value of benefits"},
	    {"pv_costs", "Present value of costs"},
	    {"cost_per_crime_prevented", "Cost per crime prevented"},
	    {NULL, NULL}};
	for (i = 0; money_keys[i][0] != NULL; i++)
		if ((x = web_dbl(fig, money_keys[i][0], &ok)), ok) {
			web_dt(b, money_keys[i][1]);
			web_money(b, x);
			buf_adds(b, "</dd>");
		}
	if ((x = web_dbl(fig, "crimes_prevented_total", &ok)), ok) {
		web_dt(b, "Crimes prevented per unit");
		web_num(b, x, 3);
		buf_adds(b, "</dd>");
	}
	/* break-even: the cost below which it pays for itself, with its interval */
	if ((x = web_dbl(fig, "breakeven_cost", &ok)), ok) {
		int ok5, ok95;
		double b5 = web_dbl(fig, "breakeven_p05", &ok5),
		       b95 = web_dbl(fig, "breakeven_p95", &ok95);
		buf_adds(b, "<dt>Break-even cost</dt><dd>");
		if (x <= 0) {
			buf_adds(b, "none: it does not pay for itself at any cost");
		} else {
			web_money(b, x);
			buf_adds(b, " per ");
			web_text(b, per_words(fig));
			if (ok5 && ok95) {
				buf_adds(b, " (90 % interval ");
				web_money(b, b5);
				buf_adds(b, " to ");
				web_money(b, b95);
				buf_adds(b, ")");
			}
		}
		buf_adds(b, "</dd>");
	}
	if ((x = web_dbl(fig, "breakeven_k", &ok)), ok) {
		buf_adds(b, "<dt>Break-even effect</dt><dd>the cost is repaid by a reduction of ");
		web_pct(b, 100 * x);
		buf_adds(b, "</dd>");
	}
	buf_adds(b, "</dl>\n");
	const json_t *rs = json_object_get(fig, "insufficient_reasons");
	if (json_array_size(rs) > 0) {
		buf_adds(b, "<h3>What is missing for a valuation</h3><ul>");
		json_array_foreach(rs, i, c)
		{
			buf_adds(b, "<li>");
			web_text(b, web_str(c, "message"));
			buf_adds(b, "</li>");
		}
		buf_adds(b, "</ul>\n");
	}
	/* the inputs, each with its source and flag */
	buf_adds(b, "<h3>Inputs</h3><div class=\"scroll\" role=\"region\" "
	            "aria-labelledby=\"inputs-t\" tabindex=\"0\"><table>"
	            "<caption id=\"inputs-t\">What the valuation uses</caption>"
	            "<thead><tr><th scope=\"col\">Input</th><th scope=\"col\">Value</th>"
	            "<th scope=\"col\">Source and flag</th></tr></thead><tbody>\n");
	buf_adds(b, "<tr><th scope=\"row\">Unit cost of one ");
	web_text(b, web_str(fig, "unit_cost_unit") ? web_str(fig, "unit_cost_unit") : "crime");
	buf_adds(b, "</th><td>");
	if ((x = web_dbl(fig, "unit_cost", &ok)), ok) {
		web_money(b, x);
		buf_printf(
		    b, " (%lld prices)",
		    (long long)json_integer_value(json_object_get(fig, "unit_cost_price_year")));
	} else {
		buf_adds(b, "<span class=\"na\">none</span>");
	}
	buf_adds(b, "</td><td>");
	web_text(b, web_str(fig, "unit_cost_source"));
	if (web_str(fig, "unit_cost_key") != NULL) {
		buf_adds(b, " (reference key ");
		web_text(b, web_str(fig, "unit_cost_key"));
		buf_adds(b, ")");
	}
	flag_text(b, web_str(fig, "unit_cost_flag"));
	if (web_str(fig, "unit_cost_rule") != NULL) {
		buf_adds(b, " ");
		web_text(b, web_str(fig, "unit_cost_rule"));
	}
	buf_adds(b, "</td></tr>\n<tr><th scope=\"row\">Baseline rate</th><td>");
	if ((x = web_dbl(fig, "baseline_rate", &ok)), ok) {
		web_num(b, x, 4);
		buf_adds(b, " per ");
		web_text(b, web_str(fig, "baseline_per"));
		if ((x = web_dbl(fig, "baseline_years", &ok)), ok) {
			buf_adds(b, " over ");
			web_num(b, x, 1);
			buf_adds(b, x == 1 ? " year" : " years");
		}
	} else {
		buf_adds(b, "<span class=\"na\">none</span>");
	}
	buf_adds(b, "</td><td>");
	if (web_str(fig, "r_evaluation") != NULL) {
		buf_adds(b, "evaluation ");
		web_text(b, web_str(fig, "r_evaluation"));
	} else if (web_str(fig, "r_reference") != NULL) {
		buf_adds(b, "national reference ");
		web_text(b, web_str(fig, "r_reference"));
		if (web_str(fig, "r_cohort") != NULL) {
			buf_adds(b, ", cohort ");
			web_text(b, web_str(fig, "r_cohort"));
		}
	} else {
		web_text(b, web_str(fig, "r_source"));
	}
	provenance(b, web_str(fig, "baseline_source"), web_str(fig, "baseline_flag"),
	           web_str(fig, "baseline_note"));
	buf_adds(b, "</td></tr>\n");
	json_array_foreach(json_object_get(fig, "costs"), i, c)
	{
		buf_adds(b, "<tr><th scope=\"row\">Cost per ");
		web_text(b, web_str(fig, "cost_per"));
		buf_adds(b, "</th><td>");
		if ((x = web_dbl(c, "amount", &ok)), ok)
			web_money(b, x);
		if (json_is_integer(json_object_get(c, "price_year")))
			buf_printf(b, " (%lld prices)",
			           (long long)json_integer_value(json_object_get(c, "price_year")));
		buf_adds(b, "</td><td>evaluation ");
		web_text(b, web_str(c, "evaluation"));
		provenance(b, web_str(c, "source"), web_str(c, "flag"), web_str(c, "note"));
		buf_adds(b, "</td></tr>\n");
	}
	buf_printf(b, "<tr><th scope=\"row\">Discount rate</th><td>");
	web_pct(b, 100 * web_dbl(fig, "discount", &ok));
	buf_adds(b, " a year</td><td>HM Treasury Green Book</td></tr>\n"
	            "<tr><th scope=\"row\">Horizon</th><td>");
	long long years = (long long)json_integer_value(json_object_get(fig, "horizon_years"));
	buf_printf(b, "%lld year%s</td><td>", years, years == 1 ? "" : "s");
	web_text(b, web_str(fig, "horizon_source"));
	buf_adds(b, "</td></tr>\n</tbody></table></div></section>\n");
}

/* ---- evaluations and provenance ---- */

static void evaluation(struct buf *b, const json_t *ev, const struct api_params *p)
{
	const json_t *body = json_object_get(ev, "body");
	const json_t *src = json_object_get(body, "source"), *o;
	const char *id = web_str(ev, "id");
	size_t i;

	buf_adds(b, "<article class=\"evaluation\"><h3>");
	web_text(b, web_str(ev, "title"));
	buf_adds(b, "</h3><dl class=\"meta\">");
	web_dt(b, "Design");
	web_text(b, web_str(ev, "design"));
	buf_printf(b, ", quality %lld of 5</dd>",
	           (long long)json_integer_value(json_object_get(ev, "quality")));
	if (json_is_integer(json_object_get(body, "sample_size"))) {
		web_dt(b, "Sample");
		buf_printf(b, "%lld",
		           (long long)json_integer_value(json_object_get(body, "sample_size")));
		buf_adds(b, "</dd>");
	}
	if (web_str(body, "country") != NULL) {
		web_dt(b, "Country");
		web_text(b, web_str(body, "country"));
		buf_adds(b, "</dd>");
	}
	web_dt(b, "Citation");
	web_text(b, web_str(src, "citation"));
	if (web_str(src, "doi") != NULL) {
		struct buf u = {0};
		buf_adds(&u, "https://doi.org/");
		buf_adds(&u, web_str(src, "doi"));
		buf_adds(b, " DOI: ");
		web_link_out(b, u.data, web_str(src, "doi"));
		buf_free(&u);
	}
	if (web_str(src, "url") != NULL) {
		buf_adds(b, " ");
		web_link_out(b, web_str(src, "url"), "Read the source");
	}
	buf_adds(b, "</dd></dl>");
	if (json_array_size(json_object_get(body, "outcomes")) > 0) {
		buf_adds(b, "<ul class=\"outcomes\">");
		json_array_foreach(json_object_get(body, "outcomes"), i, o)
		{
			const json_t *ef = json_object_get(o, "effect");
			int ok;
			double est = web_dbl(ef, "estimate", &ok);
			buf_adds(b, "<li>");
			web_text(b, web_str(o, "crime_type"));
			if (web_str(o, "description") != NULL) {
				buf_adds(b, " (");
				web_text(b, web_str(o, "description"));
				buf_adds(b, ")");
			}
			if (ok) {
				buf_adds(b, ": ");
				web_text(b, web_str(ef, "measure"));
				buf_adds(b, " ");
				web_num(b, est, 3);
			}
			buf_adds(b, "</li>");
		}
		buf_adds(b, "</ul>");
	}
	if (web_str(body, "notes") != NULL) {
		buf_adds(b, "<details><summary>Notes on this evaluation</summary>");
		web_markdown(b, web_str(body, "notes"));
		buf_adds(b, "</details>");
	}
	buf_adds(b, "<p class=\"formats\"><a href=\"/v1/evaluations/");
	web_url_part(b, id);
	web_as_of_query(b, p, '?');
	buf_adds(b, "\">JSON</a> \xC2\xB7 <a href=\"/v1/evaluations/");
	web_url_part(b, id);
	buf_adds(b, "/history\">History</a> \xC2\xB7 file <code>");
	web_text(b, web_str(json_object_get(ev, "provenance"), "path"));
	buf_adds(b, "</code></p></article>\n");
}

static void provenance_section(struct buf *b, const json_t *iv, const json_t *sc)
{
	const json_t *pv = json_object_get(iv, "provenance"), *t;
	size_t i;

	buf_adds(b, "<section aria-labelledby=\"prov-h\"><h2 id=\"prov-h\">Provenance</h2>"
	            "<dl class=\"meta\">");
	web_dt(b, "Source");
	web_text(b, web_str(pv, "source"));
	buf_adds(b, "</dd>");
	web_dt(b, "File");
	buf_adds(b, "<code>");
	web_text(b, web_str(pv, "path"));
	buf_adds(b, "</code></dd>");
	web_dt(b, "Commit");
	buf_adds(b, "<code>");
	web_text(b, web_str(pv, "commit"));
	buf_adds(b, "</code></dd>");
	web_dt(b, "Partner");
	web_text(b, web_str(pv, "author"));
	buf_adds(b, "</dd>");
	web_dt(b, "Committed");
	web_text(b, web_str(pv, "committed_at"));
	buf_adds(b, "</dd>");
	if (sc != NULL) {
		web_dt(b, "Scored");
		web_text(b, web_str(sc, "computed_at"));
		buf_printf(b, " (import run %lld)</dd>",
		           (long long)json_integer_value(json_object_get(sc, "run_id")));
	}
	buf_adds(b, "</dl>");
	t = json_object_get(json_object_get(iv, "body"), "toolkit_ratings");
	if (json_array_size(t) > 0) {
		const json_t *r;
		buf_adds(b, "<h3>What other toolkits say</h3><ul>");
		json_array_foreach(t, i, r)
		{
			buf_adds(b, "<li>");
			web_text(b, web_str(r, "toolkit"));
			buf_adds(b, ": ");
			if (web_str(r, "url") != NULL)
				web_link_out(b, web_str(r, "url"), web_str(r, "rating"));
			else
				web_text(b, web_str(r, "rating"));
			if (web_str(r, "seen") != NULL) {
				buf_adds(b, " (seen ");
				web_text(b, web_str(r, "seen"));
				buf_adds(b, ")");
			}
			buf_adds(b, "</li>");
		}
		buf_adds(b, "</ul>");
	}
	buf_adds(b, "</section>\n");
}

int web_intervention(struct api_result *out, PGconn *db, const char *id, const struct api_params *p,
                     struct err *e)
{
	struct buf b = {0}, json = {0};
	const json_t *iv, *sc, *body, *ev;
	size_t i;
	int rc;

	if ((rc = api_intervention_get(out, db, id, p, e)) < 0 ||
	    (rc = api_result_json(out, e)) < 0)
		return rc;
	iv = json_object_get(out->body, "data");
	sc = headline(iv);
	body = json_object_get(iv, "body");
	buf_adds(&json, "/v1/interventions/");
	web_url_part(&json, id);
	web_page_begin(&b, web_str(iv, "name"), json.data);
	buf_adds(&b, "<p class=\"crumbs\"><a href=\"/interventions\">Interventions</a></p>\n"
	             "<h1>");
	web_text(&b, web_str(iv, "name"));
	buf_adds(&b, "</h1>\n<p class=\"meta\">");
	web_themes_text(&b, json_object_get(iv, "themes"));
	buf_adds(&b, " \xC2\xB7 works with ");
	web_text(&b, web_str(iv, "level") && strcmp(web_str(iv, "level"), "place") == 0 ? "places"
	                                                                                : "people");
	buf_adds(&b, "</p>\n<nav class=\"actions\" aria-label=\"This intervention\"><ul>"
	             "<li><a href=\"/interventions/");
	web_url_part(&b, id);
	buf_adds(&b, "/projection\">Local projection for your area</a></li>"
	             "<li><a href=\"/compare?a=");
	web_url_part(&b, id);
	web_as_of_query(&b, p, '&');
	buf_adds(&b, "\">Compare with others</a></li><li><a href=\"");
	web_attr(&b, json.data);
	web_as_of_query(&b, p, '?');
	buf_adds(&b, "\">JSON</a></li><li><a href=\"");
	web_attr(&b, json.data);
	buf_adds(&b, "?format=csv");
	web_as_of_query(&b, p, '&');
	buf_adds(&b, "\">Scores as CSV</a></li></ul></nav>\n");
	summary_box(&b, iv, sc);
	effect_section(&b, iv, sc);
	text_section(&b, "mech", "Mechanism: how it works", web_str(body, "mechanism"));
	text_section(&b, "mod", "Moderators: where and for whom", web_str(body, "moderators"));
	text_section(&b, "impl", "Implementation", web_str(body, "implementation"));
	economics_section(&b, sc);
	buf_adds(&b, "<section aria-labelledby=\"evals-h\" class=\"evals\"><h2 "
	             "id=\"evals-h\">Evaluations</h2>\n");
	json_array_foreach(json_object_get(iv, "evaluations"), i, ev) evaluation(&b, ev, p);
	if (json_array_size(json_object_get(iv, "evaluations")) == 0)
		buf_adds(&b, "<p>No evaluations yet.</p>");
	buf_adds(&b, "</section>\n");
	provenance_section(&b, iv, sc);
	web_page_end(&b, &out->version, api_param(p, "as_of"));
	buf_free(&json);
	json_decref(out->body);
	out->body = NULL;
	free(out->text);
	out->text = NULL;
	out->columns = NULL;
	out->rows_key = NULL;
	return web_finish(out, &b, e);
}
