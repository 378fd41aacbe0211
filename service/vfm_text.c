/*
 * vfm_text.c - a plain-words appraisal of an intervention's scores, for
 * `whatworks score ID` and a commissioner's board paper
 *
 * Reads only the JSON a score carries (vfm_out.c), so what the text says is
 * exactly what the API serves.
 */
#include "vfm.h"
#include "buf.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vfm_internal.h"

static void add(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void add(struct buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(b, fmt, ap);
	va_end(ap);
}

static double num(const json_t *o, const char *key)
{
	double x;

	return vfm_jnum(&x, o, key) ? x : NAN;
}

static const char *str(const json_t *o, const char *key, const char *dflt)
{
	const char *s = vfm_jstr(o, key);

	return s ? s : dflt;
}

static void evidence_text(struct buf *b, const json_t *s)
{
	const json_t *outs = json_object_get(s, "outcomes"), *o, *rc;
	size_t i;
	int review = strcmp(str(s, "basis_kind", ""), "review") == 0;

	add(b, "Evidence. ");
	if (review)
		add(b, "At least one review covers this outcome, so the estimate rests on the "
		       "single best review (reviews already pool their studies):");
	else
		add(b, "No review covers this outcome, so the estimate pools the primary "
		       "evaluations:");
	json_array_foreach(outs, i, o)
	{
		if (!json_is_true(json_object_get(o, "in_basis")))
			continue;
		add(b, "\n  - %s (%s, quality %d/5, %lld stud%s", str(o, "evaluation", "?"),
		    str(o, "design", "design not given"),
		    (int)json_integer_value(json_object_get(o, "quality")),
		    (long long)json_integer_value(json_object_get(o, "studies")),
		    json_integer_value(json_object_get(o, "studies")) == 1 ? "y" : "ies");
		if (json_is_integer(json_object_get(o, "sample_size")))
			add(b, ", n = %lld",
			    (long long)json_integer_value(json_object_get(o, "sample_size")));
		if (json_is_string(json_object_get(o, "error")))
			add(b, "): not usable: %s", str(o, "error", ""));
		else if (json_is_number(json_object_get(o, "s")))
			add(b, "): %s, log risk ratio %.4f, standard error %.4f [%s]",
			    str(o, "measure", "?"), num(o, "y"), num(o, "s"), str(o, "note", ""));
		else
			add(b, "): %s, log risk ratio %.4f with no measure of uncertainty [%s]",
			    str(o, "measure", "?"), num(o, "y"), str(o, "note", ""));
		if (json_is_true(json_object_get(o, "approximated")))
			add(b, " (approximated: no baseline risk to convert the odds ratio)");
	}
	add(b, "\n");
	if (json_is_null(json_object_get(s, "mu")))
		return;
	if (json_is_true(json_object_get(s, "no_uncertainty")))
		add(b,
		    "Pooled effect. No outcome reports a confidence interval or standard error, "
		    "so the estimate is the plain mean: a risk ratio of %.3f (%+.1f %%), with "
		    "no measure of uncertainty.\n",
		    num(s, "rr"), num(s, "pct_change"));
	else
		add(b,
		    "Pooled effect. Random-effects (DerSimonian-Laird) pooling of %lld outcome%s "
		    "gives a risk ratio of %.3f (95 %% CI %.3f to %.3f), a %+.1f %% change in "
		    "%s; heterogeneity Q = %.2f, I2 = %.1f %%, tau2 = %.4f.\n",
		    (long long)json_integer_value(json_object_get(s, "k")),
		    json_integer_value(json_object_get(s, "k")) == 1 ? "" : "s", num(s, "rr"),
		    exp(num(s, "ci_low")), exp(num(s, "ci_high")), num(s, "pct_change"),
		    str(s, "crime_type", "?"), num(s, "q"), num(s, "i2"), num(s, "tau2"));
	add(b,
	    "Adjustment. The weakest pooled design is quality %d/5, so the effect is multiplied "
	    "by %.2f (WSIPP-style): adjusted risk ratio %.3f (%+.1f %%).\n",
	    (int)json_integer_value(json_object_get(s, "quality")), num(s, "quality_multiplier"),
	    num(s, "rr_adj"), num(s, "pct_change_adj"));
	rc = json_object_get(s, "rating_components");
	add(b, "Evidence rating %lld/5: quality %lld",
	    (long long)json_integer_value(json_object_get(s, "evidence_rating")),
	    (long long)json_integer_value(json_object_get(rc, "quality")));
	if (json_integer_value(json_object_get(rc, "single_study_penalty")))
		add(b, ", minus 1 because it rests on a single study");
	if (json_integer_value(json_object_get(rc, "small_sample_penalty")))
		add(b, ", minus 1 because the total sample is under 100");
	add(b, ".\n");
}

static void money_text(struct buf *b, const json_t *s)
{
	const json_t *a = json_object_get(s, "crimes_prevented"), *v;
	int place = strcmp(str(s, "level", ""), "place") == 0;
	const char *unit = place ? "area" : "participant";
	size_t i;

	add(b,
	    "Monetisation, step by step (%lld prices, HM Treasury GDP deflator):\n"
	    "  1. One %s costs GBP %.0f in %lld prices (%s); x %.4f / %.4f = GBP %.0f in %lld "
	    "prices%s.\n",
	    (long long)json_integer_value(json_object_get(s, "base_year")),
	    str(s, "crime_type", "?"), num(s, "unit_cost"),
	    (long long)json_integer_value(json_object_get(s, "unit_cost_price_year")),
	    str(s, "unit_cost_flag", "flag not given"), num(s, "deflator_base"),
	    num(s, "unit_cost_deflator"), num(s, "unit_cost_b"),
	    (long long)json_integer_value(json_object_get(s, "base_year")),
	    json_is_true(json_object_get(s, "unit_cost_interpolated")) ? " (deflator interpolated)"
	                                                               : "");
	add(b,
	    "  2. Without the intervention, %.4f crimes per %s a year (%g over %g year(s), from "
	    "%s).\n",
	    num(s, "r"), unit, num(s, "baseline_rate"), num(s, "baseline_years"),
	    str(s, "r_evaluation", "?"));
	add(b, "  3. Crimes prevented per %s, r x (1 - %.3f) x (1 - %g)^t, over %lld year(s) (%s):",
	    unit, num(s, "rr_adj"), num(s, "decay"),
	    (long long)json_integer_value(json_object_get(s, "horizon_years")),
	    str(s, "horizon_source", "?"));
	json_array_foreach(a, i, v) add(b, " %.4f", json_number_value(v));
	add(b, " (total %.4f).\n", num(s, "crimes_prevented_total"));
	add(b, "  4. Present value of benefits at %.1f %% a year: GBP %.2f.\n",
	    100 * num(s, "discount"), num(s, "pv_benefits"));
	add(b, "  5. Cost GBP %.2f per %s in %lld prices (%s); present value GBP %.2f.\n",
	    num(s, "cost_b"), place ? "area a year" : "participant, one-off",
	    (long long)json_integer_value(json_object_get(s, "base_year")), str(s, "cost_rule", ""),
	    num(s, "pv_costs"));
	add(b,
	    "Result. Benefit-cost ratio %.2f (%s value for money): every GBP 1 returns GBP %.2f; "
	    "net present value GBP %.2f",
	    num(s, "bcr"), str(s, "band", "?"), num(s, "bcr"), num(s, "npv"));
	if (json_is_number(json_object_get(s, "cost_per_crime_prevented")))
		add(b, "; GBP %.0f per crime prevented", num(s, "cost_per_crime_prevented"));
	add(b, ".\n");
	if (json_is_number(json_object_get(s, "p_bcr_gt1")))
		add(b,
		    "Uncertainty. In %lld Monte Carlo draws of the adjusted effect, benefits "
		    "exceed costs %.0f %% of the time (closed form %.1f %%); the benefit-cost "
		    "ratio lies between %.2f and %.2f nine times in ten.\n",
		    (long long)json_integer_value(json_object_get(s, "draws")),
		    100 * num(s, "p_bcr_gt1"), 100 * num(s, "p_bcr_gt1_closed"), num(s, "bcr_p05"),
		    num(s, "bcr_p95"));
	else
		add(b, "Uncertainty. The evidence gives no measure of uncertainty, so no chance "
		       "of breaking even can be stated: treat the ratio with caution.\n");
}

static void score_text(struct buf *b, const json_t *s, int headline)
{
	const json_t *rs = json_object_get(s, "insufficient_reasons"), *r;
	size_t i;

	add(b, "\n== %s%s ==\n", str(s, "crime_type", "?"), headline ? " (headline)" : "");
	evidence_text(b, s);
	if (json_is_true(json_object_get(s, "harmful")))
		add(b,
		    "WARNING: the adjusted 95 %% interval lies wholly above zero: the evidence "
		    "says this intervention increases %s.\n",
		    str(s, "crime_type", "crime"));
	if (json_array_size(rs) == 0) {
		money_text(b, s);
		return;
	}
	add(b, "No value-for-money figure can be given yet:");
	json_array_foreach(rs, i, r) add(b, "\n  - %s", str(r, "message", ""));
	add(b, "\nSupplying what is listed would complete the appraisal.\n");
}

char *vfm_appraisal_text(const json_t *intervention, const json_t *scores)
{
	struct buf b = {0};
	const json_t *head = vfm_headline(scores), *s;
	size_t i;

	add(&b, "Value-for-money appraisal: %s (%s)\n", str(intervention, "name", "?"),
	    str(intervention, "id", "?"));
	add(&b,
	    "Level: %s. Method: whatworks value-for-money model version 1 (WSIPP-style "
	    "meta-analysis and Monte Carlo, HM Treasury Green Book discounting and prices).\n",
	    str(intervention, "level", "?"));
	if (json_array_size(scores) == 0)
		add(&b, "\nNo evaluation reports a crime outcome for this intervention yet: an "
		        "evaluation with an effect on a costed crime type, a baseline rate and a "
		        "delivery cost would allow an appraisal.\n");
	if (head)
		score_text(&b, head, json_array_size(scores) > 1);
	json_array_foreach(scores, i, s)
	{
		if (s != head)
			score_text(&b, s, 0);
	}
	if (b.failed) {
		buf_free(&b);
		return NULL;
	}
	return b.data;
}
