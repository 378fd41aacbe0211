/*
 * test_vfm_rules.c - the rules of model 1.1 (issue 9): the crosswalk, the
 * reference baselines, the break-even cost, odds ratios with a multi-year
 * baseline, the headline choice, the plausibility guards, who gains, and the
 * plain words
 *
 * Expected figures are worked out here by hand from the model's formulas, so
 * each test reads as the calculation a reviewer would do.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "vfm.h"
#include "vfm_testutil.h"

#define NEAR(got, want, tol)                                                                       \
	cr_expect(fabs((got) - (want)) <= (tol), "%s = %.12g, want %.12g", #got, (double)(got),    \
	          (double)(want))

static const char *reference_text =
    "{\"unit_costs\": ["
    " {\"crime_type\": \"reoffender\", \"amount\": 10000, \"unit\": \"reoffender\","
    "  \"public_purse\": 4000, \"price_year\": 2024, \"flag\": \"verified\","
    "  \"reference\": \"moj-reoffending\", \"source\": \"MoJ 2019\"},"
    " {\"crime_type\": \"violence-with-injury\", \"amount\": 14050, \"unit\": \"crime\","
    "  \"price_year\": 2015, \"flag\": \"secondary\"},"
    " {\"crime_type\": \"homicide\", \"amount\": 3200000, \"unit\": \"crime\","
    "  \"price_year\": 2015, \"flag\": \"secondary\"}],"
    " \"crosswalk\": ["
    " {\"crime_type\": \"offending\", \"unit_cost\": \"reoffender\","
    "  \"rule\": \"one who offends again is one reoffender\"},"
    " {\"crime_type\": \"arrest\", \"rule\": \"an arrest is not a crime\"},"
    " {\"crime_type\": \"drug-use\", \"unit_cost\": \"no-such-cost\"}],"
    " \"baselines\": ["
    " {\"crime_type\": \"offending\", \"cohort\": \"juvenile\", \"rate\": 0.4,"
    "  \"per\": \"participant\", \"years\": 1, \"flag\": \"verified\","
    "  \"reference\": \"moj-proven\", \"source\": \"MoJ proven reoffending\"},"
    " {\"crime_type\": \"offending\", \"cohort\": \"adult\", \"rate\": 0.5,"
    "  \"per\": \"participant\", \"years\": 2, \"flag\": \"secondary\","
    "  \"reference\": \"moj-proven\"},"
    " {\"crime_type\": \"homicide\", \"cohort\": \"perpetrators\", \"rate\": 0.01,"
    "  \"per\": \"participant\", \"years\": 1, \"flag\": \"secondary\"},"
    " {\"crime_type\": \"violence-with-injury\", \"cohort\": \"force-area\", \"rate\": 20,"
    "  \"per\": \"area\", \"years\": 1, \"flag\": \"verified\", \"reference\": \"recorded\"}],"
    " \"deflators\": [{\"year\": 2015, \"index\": 74.5804}, {\"year\": 2024, \"index\": 100}]}";

#define IV(id, level, cohort)                                                                      \
	"{\"kind\": \"intervention\", \"id\": \"" id "\", \"name\": \"Programme " id "\","         \
	" \"level\": \"" level "\"" cohort ", \"themes\": [\"knife-crime\"], \"summary\": \"s\"}"
#define EVAL(id, iv, design, quality, rest)                                                        \
	"{\"id\": \"" id "\", \"intervention\": \"" iv "\", \"design\": \"" design "\","           \
	" \"quality\": " #quality ", \"source\": {\"citation\": \"c\"}, " rest "}"

static json_t *score(const char *iv, const char *evs)
{
	json_t *i = load(iv), *e = load(evs), *r = load(reference_text), *out = NULL;
	struct err err = {0};

	cr_assert_eq(vfm_score_intervention(&out, i, e, r, NULL, &err), 0, "%s", err.msg);
	json_decref(i);
	json_decref(e);
	json_decref(r);
	return out;
}

static const char *reason(const json_t *s)
{
	return str(json_array_get(json_object_get(s, "insufficient_reasons"), 0), "message");
}

/* ---- the crosswalk ------------------------------------------------------ */

Test(vfm_rules, crosswalk_values_or_leaves_unvalued_by_a_stated_rule)
{
	json_t *scores = score(
	    IV("yj", "person", ", \"cohort\": \"adult\""),
	    "[" EVAL(
	        "a-rct", "yj", "rct", 5,
	        "\"outcomes\": [{\"crime_type\": \"offending\", \"effect\": {\"measure\":"
	        " \"risk-ratio\", \"estimate\": 0.8, \"ci95\": [0.7, 0.92]}},"
	        " {\"crime_type\": \"arrest\", \"effect\": {\"measure\": \"risk-ratio\","
	        " \"estimate\": 0.8}},"
	        " {\"crime_type\": \"drug-use\", \"effect\": {\"measure\": \"risk-ratio\","
	        " \"estimate\": 0.8}},"
	        " {\"crime_type\": \"cyber-stalking\", \"effect\": {\"measure\": \"risk-ratio\","
	        " \"estimate\": 0.8}}]") "]");
	const json_t *s = by_type(scores, "offending");

	/* offending has no unit cost of its own: the crosswalk names reoffender */
	cr_expect_str_eq(str(s, "unit_cost_key"), "reoffender");
	cr_expect_str_eq(str(s, "unit_cost_via"), "crosswalk");
	cr_expect_str_eq(str(s, "unit_cost_rule"), "one who offends again is one reoffender");
	cr_expect_str_eq(str(s, "unit_cost_source"), "MoJ 2019");
	cr_expect_str_eq(str(s, "unit_cost_reference"), "moj-reoffending");
	cr_expect_str_eq(str(s, "unit_cost_unit"), "reoffender");
	NEAR(num(s, "unit_cost_b"), 10000, 1e-9);
	/* a direct key wins over the crosswalk, and says so */
	json_t *direct = score(IV("yk", "person", ""),
	                       "[" EVAL("b-rct", "yk", "rct", 5,
	                                "\"outcomes\": [{\"crime_type\": \"violence-with-injury\","
	                                " \"effect\": {\"measure\": \"risk-ratio\","
	                                " \"estimate\": 0.8}}]") "]");
	cr_expect_str_eq(str(json_array_get(direct, 0), "unit_cost_via"), "crime-type");
	json_decref(direct);
	/* left unvalued by the rule, which the message quotes */
	s = by_type(scores, "arrest");
	cr_expect_str_eq(str(s, "insufficient_reason"), "no-unit-cost");
	cr_expect_str_eq(reason(s), "\"arrest\" is not valued: an arrest is not a crime");
	cr_expect(json_is_null(json_object_get(s, "unit_cost_key")));
	s = by_type(scores, "drug-use");
	cr_expect(strstr(reason(s),
	                 "unit cost \"no-such-cost\", which no unit-costs file defines") != NULL,
	          "%s", reason(s));
	s = by_type(scores, "cyber-stalking");
	cr_expect(strstr(reason(s), "or a crosswalk entry naming the unit cost") != NULL, "%s",
	          reason(s));
	json_decref(scores);
}

/* ---- reference baselines and break-even ---------------------------------- */

Test(vfm_rules, reference_baseline_break_even_and_who_gains)
{
	json_t *scores =
	    score(IV("yj", "person", ", \"cohort\": \"adult\""),
	          "[" EVAL("a-rct", "yj", "rct", 5,
	                   "\"sample_size\": 300, \"outcomes\": [{\"crime_type\": \"offending\","
	                   " \"effect\": {\"measure\": \"risk-ratio\", \"estimate\": 0.8,"
	                   " \"ci95\": [0.7, 0.92]}, \"follow_up_months\": 12}]") "]");
	const json_t *s = by_type(scores, "offending");
	double se = (log(0.92) - log(0.7)) / (2 * 1.959964);
	/* r = 0.5 over 2 years from the adult reference; one year; U = 10,000 */
	double be = 0.25 * 10000 * (1 - 0.8);

	cr_expect_str_eq(str(s, "r_source"), "reference");
	cr_expect_str_eq(str(s, "r_reference"), "moj-proven");
	cr_expect_str_eq(str(s, "r_cohort"), "adult");
	cr_expect_str_eq(str(s, "baseline_flag"), "secondary");
	cr_expect(json_is_null(json_object_get(s, "r_evaluation")));
	NEAR(num(s, "r"), 0.25, 1e-15);
	/* no cost: no BCR, but the break-even cost per participant and its interval */
	cr_expect_str_eq(str(s, "insufficient_reason"), "no-cost");
	cr_expect(json_is_null(json_object_get(s, "bcr")));
	NEAR(num(s, "breakeven_cost"), be, 1e-9);
	NEAR(num(s, "pv_benefits_per_unit"), be, 1e-9);
	cr_expect_str_eq(str(s, "breakeven_per"), "participant");
	NEAR(num(s, "breakeven_p05"), 2500 * -expm1(log(0.8) + 1.644854 * se), 10);
	NEAR(num(s, "breakeven_p95"), 2500 * -expm1(log(0.8) - 1.644854 * se), 10);
	/* who gains: 4,000 of the 10,000 falls to the public purse */
	NEAR(num(s, "public_purse_share"), 0.4, 1e-15);
	NEAR(num(s, "pv_benefits_public"), 0.4 * be, 1e-9);
	NEAR(num(s, "pv_benefits_victims_society"), 0.6 * be, 1e-9);
	cr_expect_eq(json_integer_value(json_object_get(s, "model_version")), VFM_MODEL_VERSION);
	json_decref(scores);

	/* the evaluation's own baseline always wins over the reference */
	scores = score(IV("yj", "person", ", \"cohort\": \"adult\""),
	               "[" EVAL("a-rct", "yj", "rct", 5,
	                        "\"outcomes\": [{\"crime_type\": \"offending\", \"effect\":"
	                        " {\"measure\": \"risk-ratio\", \"estimate\": 0.8},"
	                        " \"baseline\": {\"rate\": 0.3, \"per\": \"participant\"}}],"
	                        " \"cost\": {\"amount\": 100, \"per\": \"participant\","
	                        " \"price_year\": 2024, \"flag\": \"verified\","
	                        " \"source\": \"cost report\"},"
	                        " \"extra\": {\"verification\": \"secondary\"}") "]");
	s = json_array_get(scores, 0);
	cr_expect_str_eq(str(s, "r_source"), "evaluation");
	cr_expect_str_eq(str(s, "r_evaluation"), "a-rct");
	cr_expect(json_is_null(json_object_get(s, "r_reference")));
	/* and says where it comes from: the evaluation's citation and flag */
	cr_expect_str_eq(str(s, "baseline_source"), "c");
	cr_expect_str_eq(str(s, "baseline_flag"), "secondary");
	NEAR(num(s, "r"), 0.3, 1e-15);
	/* with a cost the break-even is the PV of benefits, and the cost carries its source */
	NEAR(num(s, "breakeven_cost"), num(s, "pv_benefits"), 1e-9);
	NEAR(num(s, "bcr"), 0.3 * 10000 * 0.2 / 100, 1e-12);
	cr_expect_str_eq(str(json_array_get(json_object_get(s, "costs"), 0), "flag"), "verified");
	cr_expect_str_eq(str(json_array_get(json_object_get(s, "costs"), 0), "source"),
	                 "cost report");
	json_decref(scores);
	/* a baseline's own flag and note win over the evaluation's verification */
	scores = score(IV("yj", "person", ""),
	               "[" EVAL("a-rct", "yj", "rct", 5,
	                        "\"outcomes\": [{\"crime_type\": \"offending\", \"effect\":"
	                        " {\"measure\": \"risk-ratio\", \"estimate\": 0.8},"
	                        " \"baseline\": {\"rate\": 0.3, \"per\": \"participant\","
	                        " \"flag\": \"verified\", \"note\": \"table 2\"}}],"
	                        " \"extra\": {\"verification\": \"secondary\"}") "]");
	s = json_array_get(scores, 0);
	cr_expect_str_eq(str(s, "baseline_flag"), "verified");
	cr_expect_str_eq(str(s, "baseline_note"), "table 2");
	json_decref(scores);

	/* another cohort's reference does not fit; no cohort and two entries: none */
	scores = score(IV("yj", "person", ", \"cohort\": \"older\""),
	               "[" EVAL("a-rct", "yj", "rct", 5,
	                        "\"outcomes\": [{\"crime_type\": \"offending\", \"effect\":"
	                        " {\"measure\": \"risk-ratio\", \"estimate\": 0.8}}]") "]");
	cr_expect_str_eq(str(json_array_get(scores, 0), "insufficient_reason"), "no-baseline-rate");
	cr_expect(json_is_null(json_object_get(json_array_get(scores, 0), "breakeven_cost")));
	json_decref(scores);
	scores = score(IV("yj", "person", ""),
	               "[" EVAL("a-rct", "yj", "rct", 5,
	                        "\"outcomes\": [{\"crime_type\": \"offending\", \"effect\":"
	                        " {\"measure\": \"risk-ratio\", \"estimate\": 0.8}}]") "]");
	cr_expect_str_eq(str(json_array_get(scores, 0), "insufficient_reason"), "no-baseline-rate");
	json_decref(scores);

	/* a person intervention with no cohort never borrows a population's rate,
	 * even the only one for its crime type; named, it takes it */
#define HOMICIDE_RCT                                                                               \
	"[" EVAL("g-rct", "g", "rct", 5,                                                           \
	         "\"outcomes\": [{\"crime_type\": \"homicide\", \"effect\":"                       \
	         " {\"measure\": \"risk-ratio\", \"estimate\": 0.8}}]") "]"
	scores = score(IV("g", "person", ""), HOMICIDE_RCT);
	cr_expect_str_eq(str(json_array_get(scores, 0), "insufficient_reason"), "no-baseline-rate");
	cr_expect(strstr(reason(json_array_get(scores, 0)), "name the intervention's cohort") !=
	              NULL,
	          "%s", reason(json_array_get(scores, 0)));
	json_decref(scores);
	scores = score(IV("g", "person", ", \"cohort\": \"perpetrators\""), HOMICIDE_RCT);
	cr_expect_str_eq(str(json_array_get(scores, 0), "r_source"), "reference");
	NEAR(num(json_array_get(scores, 0), "r"), 0.01, 1e-15);
	json_decref(scores);
#undef HOMICIDE_RCT
}

Test(vfm_rules, place_break_even_per_area_year)
{
	/* no cohort, one area entry for the crime type: used; T = 2 years */
	json_t *scores = score(
	    IV("hs", "place", ""),
	    "[" EVAL("h-rct", "hs", "rct", 5,
	             "\"outcomes\": [{\"crime_type\": \"violence-with-injury\", \"effect\":"
	             " {\"measure\": \"rate-ratio\", \"estimate\": 0.9, \"ci95\": [0.8, 1.0]},"
	             " \"follow_up_months\": 24}]") "]");
	const json_t *s = json_array_get(scores, 0);
	double u_b = 14050 * 100 / 74.5804, a = 20 * 0.1, annuity = 1 + 1 / 1.035;

	cr_expect_str_eq(str(s, "r_source"), "reference");
	NEAR(num(s, "pv_benefits_per_unit"), a * u_b * annuity, 1e-6);
	/* pays back if a year of one area costs less than the benefits of a year */
	NEAR(num(s, "breakeven_cost"), a * u_b, 1e-6);
	cr_expect_str_eq(str(s, "breakeven_per"), "area-year");
	cr_expect(json_is_null(json_object_get(s, "public_purse_share")));
	cr_expect(json_is_null(json_object_get(s, "pv_benefits_public")));
	json_decref(scores);
}

/* ---- odds ratios with a multi-year baseline (model 1.1) ------------------- */

Test(vfm_rules, odds_ratio_uses_the_control_risk_over_the_follow_up)
{
	/* MST: 55 % vs 53 % over 5 years, OR 1.13: RR 1.057, not 1.13 */
	json_t *scores =
	    score(IV("mst", "person", ", \"cohort\": \"juvenile\""),
	          "[" EVAL("mst-rct", "mst", "rct", 5,
	                   "\"sample_size\": 684, \"outcomes\": [{\"crime_type\": \"offending\","
	                   " \"effect\": {\"measure\": \"odds-ratio\", \"estimate\": 1.13,"
	                   " \"ci95\": [0.82, 1.56]}, \"baseline\": {\"rate\": 0.53, \"per\":"
	                   " \"participant\", \"years\": 5}, \"follow_up_months\": 60}]") "]");
	const json_t *s = json_array_get(scores, 0),
	             *o = json_array_get(json_object_get(s, "outcomes"), 0);
	double rr = 1.13 / (1 - 0.53 + 0.53 * 1.13);
	double annuity = 0;

	for (int t = 0; t < 5; t++)
		annuity += pow(1.035, -t);
	NEAR(num(o, "y"), log(rr), 1e-12);
	cr_expect(json_is_false(json_object_get(o, "approximated")));
	cr_expect_str_eq(str(o, "p0_source"), "evaluation");
	NEAR(num(s, "pct_change"), 100 * (rr - 1), 1e-9);
	cr_expect(num(s, "pct_change") < 6);
	/* its own baseline wins: r = 0.53 / 5; more offending, so no break-even above 0 */
	NEAR(num(s, "r"), 0.106, 1e-15);
	NEAR(num(s, "breakeven_cost"), 0.106 * 10000 * annuity * (1 - rr), 1e-6);
	cr_expect(num(s, "breakeven_cost") < 0);
	cr_expect(json_is_false(json_object_get(s, "harmful")));
	json_decref(scores);

	/* Scared Straight: OR 1.68 with no baseline of its own: the juvenile reference
	 * risk 0.4 converts it to about +32 %, not +68 %; harmful before any money */
	scores =
	    score(IV("ss", "person", ", \"cohort\": \"juvenile\""),
	          "[" EVAL("ss-review", "ss", "meta-analysis", 4,
	                   "\"studies\": 7, \"sample_size\": 794, \"outcomes\":"
	                   " [{\"crime_type\": \"offending\", \"effect\": {\"measure\":"
	                   " \"odds-ratio\", \"estimate\": 1.68, \"ci95\": [1.2, 2.36]}}]") "]");
	s = json_array_get(scores, 0);
	o = json_array_get(json_object_get(s, "outcomes"), 0);
	rr = 1.68 / (1 - 0.4 + 0.4 * 1.68);
	cr_expect_str_eq(str(o, "p0_source"), "reference");
	NEAR(num(s, "pct_change"), 100 * (rr - 1), 1e-9);
	NEAR(num(s, "pct_change"), 32, 0.5);
	cr_expect(json_is_true(json_object_get(s, "harmful")));
	cr_expect_str_eq(str(s, "band"), "insufficient");
	json_decref(scores);
}

/* ---- the headline -------------------------------------------------------- */

Test(vfm_rules, headline_is_a_costed_crime_outcome_from_the_best_controlled_evidence)
{
	/* one trial, two outcomes, same rating, no BCR: byte order would pick
	 * illicit-opioid-use; the costed crime outcome leads */
	json_t *scores = score(
	    IV("oat", "person", ", \"cohort\": \"adult\""),
	    "[" EVAL("oat-rct", "oat", "rct", 4,
	             "\"sample_size\": 500, \"outcomes\": [{\"crime_type\": \"illicit-opioid-use\","
	             " \"effect\": {\"measure\": \"risk-ratio\", \"estimate\": 0.6, \"ci95\":"
	             " [0.5, 0.7]}}, {\"crime_type\": \"offending\", \"effect\": {\"measure\":"
	             " \"risk-ratio\", \"estimate\": 0.8, \"ci95\": [0.6, 1.05]}}]") "]");

	cr_expect_str_eq(str(vfm_headline(scores), "crime_type"), "offending");
	json_decref(scores);

	/* an uncontrolled quality-2 costed outcome with more studies does not lead a
	 * quality-4 one: evidence too weak to claim an effect is never the headline */
	scores = score(
	    IV("mm", "person", ""),
	    "[" EVAL(
	        "mm-before-after", "mm", "before-after", 2,
	        "\"studies\": 5, \"sample_size\": 5000, \"outcomes\":"
	        " [{\"crime_type\": \"violence-with-injury\", \"effect\":"
	        " {\"measure\": \"risk-ratio\", \"estimate\": 0.5, \"ci95\":"
	        " [0.4, 0.6]}}]") ", " EVAL("mm-rct", "mm", "rct", 4,
	                                    "\"sample_size\": 80, \"outcomes\": [{\"crime_type\":"
	                                    " \"illicit-opioid-use\", \"effect\": {\"measure\": "
	                                    "\"risk-ratio\","
	                                    " \"estimate\": 0.7, \"ci95\": [0.5, 0.9]}}]") "]");
	cr_expect_eq(json_integer_value(json_object_get(by_type(scores, "violence-with-injury"),
	                                                "evidence_rating")),
	             json_integer_value(json_object_get(by_type(scores, "illicit-opioid-use"),
	                                                "evidence_rating")));
	cr_expect_str_eq(str(vfm_headline(scores), "crime_type"), "illicit-opioid-use");
	json_decref(scores);
}

/* ---- plausibility -------------------------------------------------------- */

Test(vfm_rules, bcr_above_50_is_implausible_never_very_high)
{
	json_t *scores = score(
	    IV("hx", "person", ""),
	    "[" EVAL("h-rct", "hx", "rct", 5,
	             "\"outcomes\": [{\"crime_type\": \"homicide\", \"effect\": {\"measure\":"
	             " \"risk-ratio\", \"estimate\": 0.5, \"ci95\": [0.4, 0.6]}, \"baseline\":"
	             " {\"rate\": 2, \"per\": \"participant\"}}], \"cost\": {\"amount\": 100,"
	             " \"per\": \"participant\", \"price_year\": 2024}") "]");
	const json_t *s = json_array_get(scores, 0);
	char *text;
	json_t *iv = load(IV("hx", "person", ""));

	NEAR(num(s, "bcr"), 2 * 0.5 * 3200000 * 100 / 74.5804 / 100, 1e-6);
	cr_expect_str_eq(str(s, "band"), "implausible");
	cr_expect(json_is_true(json_object_get(s, "implausible")));
	cr_expect(strstr(str(s, "implausible_reason"), "is above 50") != NULL);
	text = vfm_appraisal_text(iv, scores);
	cr_expect(strstr(text, "very-high") == NULL, "%s", text);
	cr_expect(strstr(text, "implausible") != NULL, "%s", text);
	free(text);
	json_decref(iv);
	json_decref(scores);

	/* a BCR of 3 is not flagged */
	scores = score(IV("hy", "person", ""),
	               "[" EVAL("h-rct", "hy", "rct", 5,
	                        "\"outcomes\": [{\"crime_type\": \"offending\", \"effect\":"
	                        " {\"measure\": \"risk-ratio\", \"estimate\": 0.8}, \"baseline\":"
	                        " {\"rate\": 0.15, \"per\": \"participant\"}}], \"cost\":"
	                        " {\"amount\": 100, \"per\": \"participant\", \"price_year\":"
	                        " 2024}") "]");
	cr_expect(json_is_false(json_object_get(json_array_get(scores, 0), "implausible")));
	cr_expect_str_eq(str(json_array_get(scores, 0), "band"), "high");
	json_decref(scores);
}

Test(vfm_rules, projection_preventing_more_than_the_area_records_is_implausible)
{
	json_t *sc =
	    load("{\"crime_type\": \"violence-with-injury\", \"mu_adj\": -0.2231435513142097,"
	         " \"se_adj\": 0.1, \"r\": 0.4, \"r_source\": \"reference\","
	         " \"unit_cost_b\": 1000, \"cost_b\": 2000, \"horizon_years\": 2,"
	         " \"decay\": 0, \"discount\": 0.035, \"bcr\": 1.5, \"seed\": \"1f\","
	         " \"draws\": 2000}");
	json_t *pr = NULL;
	struct err e = {0};

	/* 100,000 participants x 0.4 x 0.2 = 8,000 a year, the area records 1,266 */
	cr_assert_eq(vfm_project_json(&pr, sc, "person", 1266, 0, 100000, &e), 0, "%s", e.msg);
	NEAR(num(pr, "crimes_prevented_per_year"), 8000, 1e-6);
	cr_expect(json_is_true(json_object_get(pr, "implausible")));
	cr_expect_str_eq(str(pr, "band"), "implausible");
	cr_expect_str_eq(str(pr, "r_source"), "reference");
	json_decref(pr);
	cr_assert_eq(vfm_project_json(&pr, sc, "person", 1266, 0, 1000, &e), 0, "%s", e.msg);
	cr_expect(json_is_false(json_object_get(pr, "implausible")));
	cr_expect(json_is_null(json_object_get(pr, "implausible_reason")));
	json_decref(pr);
	json_decref(sc);
}

/* ---- plain words --------------------------------------------------------- */

Test(vfm_rules, plain_words_summary_first)
{
	const char *ivt = IV("yj", "person", ", \"cohort\": \"adult\"");
	json_t *scores = score(
	    ivt, "[" EVAL("a-rct", "yj", "rct", 5,
	                  "\"sample_size\": 300, \"outcomes\": [{\"crime_type\": \"offending\","
	                  " \"effect\": {\"measure\": \"risk-ratio\", \"estimate\": 0.8,"
	                  " \"ci95\": [0.7, 0.92]}, \"follow_up_months\": 12}]") "]");
	json_t *iv = load(ivt);
	char *text = vfm_appraisal_text(iv, scores);
	const char *sum, *ev;

	cr_assert_not_null(text);
	sum = strstr(text, "Summary.");
	ev = strstr(text, "Evidence.");
	cr_assert(sum != NULL && ev != NULL && sum < ev, "%s", text);
	cr_expect(strstr(text, "reduces reoffenders by 20 %") != NULL, "%s", text);
	cr_expect(strstr(text, "it pays back if it costs less than \u00a3500 per participant") !=
	              NULL,
	          "%s", text);
	cr_expect(strstr(text, "\u00a3200 would fall to the public purse") != NULL, "%s", text);
	cr_expect(strstr(text, "\u00a3300 to victims and society") != NULL, "%s", text);
	cr_expect(strstr(text, "national reference baseline for cohort adult") != NULL, "%s", text);
	cr_expect(strstr(text, "by the crosswalk from \"offending\"") != NULL, "%s", text);
	cr_expect(strstr(text, "GBP") == NULL, "%s", text);
	free(text);
	json_decref(scores);

	/* thousands separators: 14,050 at 2015 prices is 18,839 at 2024 prices */
	scores =
	    score(IV("vk", "person", ""),
	          "[" EVAL("v-rct", "vk", "rct", 5,
	                   "\"outcomes\": [{\"crime_type\": \"violence-with-injury\", \"effect\":"
	                   " {\"measure\": \"risk-ratio\", \"estimate\": 0.8}, \"baseline\":"
	                   " {\"rate\": 0.1, \"per\": \"participant\"}}], \"cost\":"
	                   " {\"amount\": 100, \"per\": \"participant\", \"price_year\":"
	                   " 2024}") "]");
	text = vfm_appraisal_text(iv, scores);
	cr_expect(strstr(text, "\u00a314,050 in 2015 prices") != NULL, "%s", text);
	cr_expect(strstr(text, "\u00a318,839 in 2024 prices") != NULL, "%s", text);
	cr_expect(strstr(text, "every \u00a31 spent returns") != NULL, "%s", text);
	free(text);
	json_decref(scores);
	json_decref(iv);
}

Test(vfm_rules, plain_words_name_an_uncosted_outcome)
{
	const char *ivt = IV("po", "person", "");
	json_t *scores = score(
	    ivt,
	    "[" EVAL(
	        "p-rct", "po", "rct", 5,
	        "\"outcomes\": [{\"crime_type\": \"illicit-opioid-use\", \"effect\":"
	        " {\"measure\": \"risk-ratio\", \"estimate\": 0.5, \"ci95\": [0.4, 0.6]}}]") "]");
	json_t *iv = load(ivt);
	char *text = vfm_appraisal_text(iv, scores);

	cr_expect(strstr(text, "reduces illicit opioid use by 50 %") != NULL, "%s", text);
	free(text);
	json_decref(iv);
	json_decref(scores);
}
