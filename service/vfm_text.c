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

/* Pounds for a reader: "£18,839", "-£1,204", "£4.50" under £10. */
static const char *gbp(char *out, size_t size, double x)
{
	char digits[64], *p;
	size_t n, lead, o = 0;
	int neg = x < 0;

	if (!isfinite(x)) {
		snprintf(out, size, "n/a");
		return out;
	}
	if (fabs(x) < 10) {
		snprintf(out, size, "%s\u00a3%.2f", neg ? "-" : "", fabs(x));
		return out;
	}
	snprintf(digits, sizeof(digits), "%.0f", fabs(x));
	n = strlen(digits);
	lead = n % 3 ? n % 3 : 3;
	o = (size_t)snprintf(out, size, "%s\u00a3", neg ? "-" : "");
	for (p = digits; *p && o + 2 < size; p++) {
		size_t i = (size_t)(p - digits);

		if (i > 0 && (i - lead) % 3 == 0 && i >= lead)
			out[o++] = ',';
		out[o++] = *p;
	}
	out[o < size ? o : size - 1] = '\0';
	return out;
}

/* What the outcome counts, in plain words and the plural: by the unit of its
 * unit cost, else the crime type with spaces. */
static const char *noun(char *out, size_t size, const json_t *s)
{
	static const char *const units[][2] = {
	    {"crime", "crimes"},
	    {"victim", "victims"},
	    {"reoffence", "reoffences"},
	    {"reoffender", "reoffenders"},
	    {"attendance", "A&E attendances"},
	    {"user-year", "years of problem drug use"},
	};
	const char *u = vfm_jstr(s, "unit_cost_unit"), *ct = vfm_jstr(s, "crime_type");
	size_t i;

	snprintf(out, size, "%s", ct ? ct : "the outcome");
	for (i = 0; u && i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(u, units[i][0]) != 0)
			continue;
		if (i == 0 && ct && strcmp(ct, "all-crime") != 0)
			snprintf(out, size, "crimes (%s)", ct);
		else
			snprintf(out, size, "%s", units[i][1]);
		break;
	}
	for (i = 0; out[i]; i++)
		if (out[i] == '-')
			out[i] = ' ';
	return out;
}

static const char *per_unit(const json_t *s)
{
	return strcmp(str(s, "level", ""), "place") == 0 ? "per area a year" : "per participant";
}

/* The one-paragraph summary for a board paper: effect, confidence, money, who
 * gains; the derivation follows it. */
static void summary_text(struct buf *b, const json_t *iv, const json_t *s)
{
	char what[64], m1[40], m2[40], m3[40];
	const json_t *rc = json_object_get(s, "rating_components");
	double pct = num(s, "pct_change_adj"), q = num(s, "quality");
	long studies = (long)json_integer_value(json_object_get(rc, "studies_total"));
	int review = strcmp(str(s, "basis_kind", ""), "review") == 0;

	noun(what, sizeof(what), s);
	add(b, "Summary. ");
	if (!json_is_number(json_object_get(s, "mu"))) {
		add(b, "No evaluation of %s gives a usable estimate of its effect on %s.",
		    str(iv, "name", "this intervention"), what);
	} else if (!(num(s, "quality_multiplier") > 0)) {
		add(b,
		    "The evidence on %s and %s is too weakly controlled (quality %.0f/5) to claim "
		    "any effect.",
		    str(iv, "name", "this intervention"), what, q);
	} else {
		add(b,
		    "On the best-controlled evidence (%s%ld stud%s, quality %.0f/5, evidence "
		    "rating "
		    "%lld/5), %s %s %s by %.0f %% after adjusting for design quality",
		    review ? "a review of " : "", studies, studies == 1 ? "y" : "ies", q,
		    (long long)json_integer_value(json_object_get(s, "evidence_rating")),
		    str(iv, "name", "the intervention"),
		    pct < 0   ? "reduces"
		    : pct > 0 ? "increases"
		              : "does not change",
		    what, fabs(pct));
		if (json_is_number(json_object_get(s, "ci_adj_low")))
			add(b, " (95 %% interval %+.0f %% to %+.0f %%)",
			    100 * expm1(num(s, "ci_adj_low")), 100 * expm1(num(s, "ci_adj_high")));
		else
			add(b, " (the evidence gives no measure of uncertainty)");
		add(b, ".");
	}
	if (json_is_true(json_object_get(s, "harmful")))
		add(b,
		    " It does harm: the whole 95 %% interval lies on the side of more %s, so it "
		    "does not pay back at any cost.",
		    what);
	if (json_is_true(json_object_get(s, "implausible"))) {
		add(b,
		    " The computed benefit-cost ratio of %.1f is implausible and is not given a "
		    "value-for-money band: %s.",
		    num(s, "bcr"), str(s, "implausible_reason", ""));
	} else if (json_is_number(json_object_get(s, "bcr"))) {
		add(b,
		    " At %s %s, every \u00a31 spent returns %s (benefit-cost ratio %.2f, %s value "
		    "for money",
		    gbp(m1, sizeof(m1), num(s, "cost_b")), per_unit(s),
		    gbp(m2, sizeof(m2), num(s, "bcr")), num(s, "bcr"), str(s, "band", "?"));
		if (json_is_number(json_object_get(s, "p_bcr_gt1")))
			add(b,
			    "; 90 %% interval %.2f to %.2f; benefits exceed costs in %.0f %% of "
			    "simulations",
			    num(s, "bcr_p05"), num(s, "bcr_p95"), 100 * num(s, "p_bcr_gt1"));
		add(b, ").");
	} else if (json_is_number(json_object_get(s, "breakeven_cost")) &&
	           !json_is_true(json_object_get(s, "harmful"))) {
		if (num(s, "breakeven_cost") > 0) {
			add(b,
			    " No public source gives its cost: it pays back if it costs less than "
			    "%s %s",
			    gbp(m1, sizeof(m1), num(s, "breakeven_cost")), per_unit(s));
			if (json_is_number(json_object_get(s, "breakeven_p05")))
				add(b, " (90 %% interval %s to %s)",
				    gbp(m2, sizeof(m2), num(s, "breakeven_p05")),
				    gbp(m3, sizeof(m3), num(s, "breakeven_p95")));
			add(b, ": compare this with a provider's quote.");
		} else {
			add(b,
			    " It does not pay back at any cost: its estimated effect does not "
			    "reduce %s.",
			    what);
		}
	} else if (json_array_size(json_object_get(s, "insufficient_reasons")) > 0) {
		add(b, " No money figure can be given: %s.",
		    str(json_array_get(json_object_get(s, "insufficient_reasons"), 0), "message",
		        "?"));
	}
	if (json_is_number(json_object_get(s, "pv_benefits_public")) &&
	    num(s, "pv_benefits_per_unit") > 0)
		add(b,
		    " Of the %s of benefits %s (present value), %s would fall to the public purse "
		    "(police, criminal justice, NHS) and %s to victims and society.",
		    gbp(m1, sizeof(m1), num(s, "pv_benefits_per_unit")), per_unit(s),
		    gbp(m2, sizeof(m2), num(s, "pv_benefits_public")),
		    gbp(m3, sizeof(m3), num(s, "pv_benefits_victims_society")));
	else if (num(s, "pv_benefits_per_unit") > 0)
		add(b, " The unit cost's source does not say how much of the benefit falls to the "
		       "public purse.");
	add(b, "\n");
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

/* Steps 1-4: the unit cost, the baseline, what is prevented, its present
 * value. Needs the unit cost and the baseline; the cost may be missing. */
static void benefits_text(struct buf *b, const json_t *s)
{
	int place = strcmp(str(s, "level", ""), "place") == 0;
	const char *unit = place ? "area" : "participant";
	const char *key = str(s, "unit_cost_key", str(s, "crime_type", "?"));
	double total = 0, pv = num(s, "pv_benefits_per_unit"), gain = -expm1(num(s, "mu_adj"));
	double annuity = 0, keep = 1, disc = 1;
	char what[64], m1[40], m2[40];
	long t, horizon = (long)json_integer_value(json_object_get(s, "horizon_years"));

	noun(what, sizeof(what), s);
	add(b,
	    "Monetisation, step by step (%lld prices, HM Treasury GDP deflator):\n"
	    "  1. Unit cost \"%s\"%s%s%s: %s in %lld prices (%s; %s); x %.4f / %.4f = %s in "
	    "%lld prices%s.\n",
	    (long long)json_integer_value(json_object_get(s, "base_year")), key,
	    strcmp(str(s, "unit_cost_via", ""), "crosswalk") == 0 ? ", by the crosswalk from \""
	                                                          : "",
	    strcmp(str(s, "unit_cost_via", ""), "crosswalk") == 0 ? str(s, "crime_type", "?") : "",
	    strcmp(str(s, "unit_cost_via", ""), "crosswalk") == 0 ? "\"" : "",
	    gbp(m1, sizeof(m1), num(s, "unit_cost")),
	    (long long)json_integer_value(json_object_get(s, "unit_cost_price_year")),
	    str(s, "unit_cost_flag", "flag not given"),
	    str(s, "unit_cost_source", str(s, "unit_cost_reference", "source not given")),
	    num(s, "deflator_base"), num(s, "unit_cost_deflator"),
	    gbp(m2, sizeof(m2), num(s, "unit_cost_b")),
	    (long long)json_integer_value(json_object_get(s, "base_year")),
	    json_is_true(json_object_get(s, "unit_cost_interpolated")) ? " (deflator interpolated)"
	                                                               : "");
	if (strcmp(str(s, "r_source", ""), "reference") == 0)
		add(b,
		    "  2. Without the intervention, %.4f %s per %s a year (%g over %g year(s)): "
		    "the "
		    "national reference baseline for cohort %s (%s, %s; %s), as no basis "
		    "evaluation "
		    "gives one.\n",
		    num(s, "r"), what, unit, num(s, "baseline_rate"), num(s, "baseline_years"),
		    str(s, "r_cohort", "?"), str(s, "r_reference", "?"),
		    str(s, "baseline_flag", "flag not given"), str(s, "baseline_source", "?"));
	else
		add(b,
		    "  2. Without the intervention, %.4f %s per %s a year (%g over %g year(s), the "
		    "control group of %s).\n",
		    num(s, "r"), what, unit, num(s, "baseline_rate"), num(s, "baseline_years"),
		    str(s, "r_evaluation", "?"));
	add(b, "  3. %c%s prevented per %s, r x (1 - %.3f) x (1 - %g)^t, over %ld year(s) (%s):",
	    what[0] >= 'a' && what[0] <= 'z' ? what[0] - 'a' + 'A' : what[0], what + 1, unit,
	    num(s, "rr_adj"), num(s, "decay"), horizon, str(s, "horizon_source", "?"));
	for (t = 0; t < horizon; t++) {
		add(b, " %.4f", num(s, "r") * gain * keep);
		total += num(s, "r") * gain * keep;
		annuity += 1 / disc;
		keep *= 1 - num(s, "decay");
		disc *= 1 + num(s, "discount");
	}
	add(b, " (total %.4f).\n", total);
	add(b, "  4. Present value of benefits at %.1f %% a year: %s %s.\n",
	    100 * num(s, "discount"), gbp(m1, sizeof(m1), pv), per_unit(s));
	if (json_is_number(json_object_get(s, "pv_benefits_public")))
		add(b,
		    "     Who gains: %.0f %% of the unit cost is paid from public budgets, so %s "
		    "to "
		    "the public purse and %s to victims and society.\n",
		    100 * num(s, "public_purse_share"),
		    gbp(m1, sizeof(m1), num(s, "pv_benefits_public")),
		    gbp(m2, sizeof(m2), num(s, "pv_benefits_victims_society")));
	if (!json_is_number(json_object_get(s, "bcr")) && pv > 0 &&
	    !json_is_true(json_object_get(s, "harmful"))) {
		add(b, "Break-even. It pays back if it costs less than %s %s",
		    gbp(m1, sizeof(m1), num(s, "breakeven_cost")), per_unit(s));
		if (place)
			add(b,
			    " (the present value of benefits over %.4f, the present value of one "
			    "pound a year for %ld years)",
			    annuity, horizon);
		if (json_is_number(json_object_get(s, "breakeven_p05")))
			add(b, "; 90 %% interval %s to %s",
			    gbp(m1, sizeof(m1), num(s, "breakeven_p05")),
			    gbp(m2, sizeof(m2), num(s, "breakeven_p95")));
		add(b, ".\n");
	}
}

static void money_text(struct buf *b, const json_t *s)
{
	int place = strcmp(str(s, "level", ""), "place") == 0;
	char what[64], m1[40], m2[40], m3[40];
	const json_t *c;
	size_t i;

	noun(what, sizeof(what), s);
	benefits_text(b, s);
	add(b, "  5. Cost %s per %s in %lld prices (%s); present value %s.",
	    gbp(m1, sizeof(m1), num(s, "cost_b")), place ? "area a year" : "participant, one-off",
	    (long long)json_integer_value(json_object_get(s, "base_year")), str(s, "cost_rule", ""),
	    gbp(m2, sizeof(m2), num(s, "pv_costs")));
	json_array_foreach(json_object_get(s, "costs"), i, c)
	{
		if (json_is_true(json_object_get(c, "used")))
			add(b, " From %s: %s (%lld prices, %s%s%s).", str(c, "evaluation", "?"),
			    gbp(m3, sizeof(m3), num(c, "amount")),
			    (long long)json_integer_value(json_object_get(c, "price_year")),
			    str(c, "flag", "flag not given"),
			    json_is_string(json_object_get(c, "source")) ? "; seen in " : "",
			    str(c, "source", ""));
	}
	add(b, "\n");
	if (json_is_true(json_object_get(s, "implausible")))
		add(b,
		    "Result. IMPLAUSIBLE: %s. The benefit-cost ratio of %.2f is not given a "
		    "band.\n",
		    str(s, "implausible_reason", ""), num(s, "bcr"));
	else
		add(b,
		    "Result. Benefit-cost ratio %.2f (%s value for money): every \u00a31 returns "
		    "%s",
		    num(s, "bcr"), str(s, "band", "?"), gbp(m1, sizeof(m1), num(s, "bcr")));
	add(b, "; net present value %s %s", gbp(m1, sizeof(m1), num(s, "npv")), per_unit(s));
	if (json_is_number(json_object_get(s, "cost_per_crime_prevented")))
		add(b, "; %s per one of the %s prevented",
		    gbp(m1, sizeof(m1), num(s, "cost_per_crime_prevented")), what);
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
	if (json_is_number(json_object_get(s, "breakeven_cost")))
		benefits_text(b, s);
	add(b, "No benefit-cost ratio can be given yet:");
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
	if (head)
		summary_text(&b, intervention, head);
	add(&b,
	    "Level: %s (%s). Method: whatworks value-for-money model 1.1 (WSIPP-style "
	    "meta-analysis and Monte Carlo, HM Treasury Green Book discounting and prices).\n",
	    str(intervention, "level", "?"),
	    strcmp(str(intervention, "level", ""), "place") == 0
	        ? "costs and effects per area a year"
	        : "costs and effects per participant");
	if (json_array_size(scores) == 0)
		add(&b, "\nNo evaluation reports a crime outcome for this intervention yet: an "
		        "evaluation with an effect on a costed crime type, a baseline rate and a "
		        "delivery cost would allow an appraisal.\n");
	add(&b, "\nHow the figures are derived (every input with its source and flag):\n");
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
