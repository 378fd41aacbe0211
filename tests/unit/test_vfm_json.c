/*
 * test_vfm_json.c - scoring from evidence documents: every figure of a worked
 * scenario, each insufficient reason, review basis, harm, determinism,
 * headline, projection and the appraisal text
 *
 * Expected figures from an independent python3 transcription of the model.
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
    " {\"crime_type\": \"violence-with-injury\", \"amount\": 14050, \"unit\": \"crime\","
    "  \"price_year\": 2015, \"flag\": \"secondary\"},"
    " {\"crime_type\": \"robbery\", \"amount\": 11320, \"unit\": \"crime\", \"price_year\": 2015,"
    "  \"flag\": \"secondary\"},"
    " {\"crime_type\": \"old-crime\", \"amount\": 100, \"unit\": \"crime\", \"price_year\": 1990,"
    "  \"flag\": \"secondary\"}],"
    " \"deflators\": ["
    " {\"year\": 2024, \"index\": 100.0}, {\"year\": 2008, \"index\": 66.8397},"
    " {\"year\": 2015, \"index\": 74.5804}, {\"year\": 2018, \"index\": 78.7948},"
    " {\"year\": 2019, \"index\": 80.8738}, {\"year\": 2020, \"index\": 85.10},"
    " {\"year\": 2022, \"index\": 91.2996}]}";

static const char *person_text =
    "{\"kind\": \"intervention\", \"id\": \"mentoring-x\", \"name\": \"Mentoring X\","
    " \"level\": \"person\", \"themes\": [\"knife-crime\"], \"summary\": \"s\"}";

/* two primary evaluations of violence with injury; robbery without baseline */
static const char *evals_text =
    "[{\"id\": \"alpha-rct\", \"intervention\": \"mentoring-x\", \"design\": \"rct\","
    "  \"quality\": 5, \"studies\": 1, \"sample_size\": 356,"
    "  \"source\": {\"citation\": \"A\", \"published\": \"2021\"},"
    "  \"outcomes\": [{\"crime_type\": \"violence-with-injury\","
    "    \"effect\": {\"measure\": \"counts\", \"treatment\": {\"events\": 62, \"n\": 178},"
    "                \"control\": {\"events\": 85, \"n\": 178}},"
    "    \"baseline\": {\"rate\": 0.48, \"per\": \"participant\", \"years\": 2},"
    "    \"follow_up_months\": 24}],"
    "  \"cost\": {\"amount\": 300, \"per\": \"participant\", \"price_year\": 2019}},"
    " {\"id\": \"beta-qed\", \"intervention\": \"mentoring-x\", \"design\": \"quasi-experimental\","
    "  \"quality\": 4, \"studies\": 1, \"sample_size\": 200,"
    "  \"source\": {\"citation\": \"B\", \"published\": \"2019-05\"},"
    "  \"outcomes\": [{\"crime_type\": \"violence-with-injury\","
    "    \"effect\": {\"measure\": \"risk-ratio\", \"estimate\": 0.85, \"ci95\": [0.7, 1.03]},"
    "    \"baseline\": {\"rate\": 0.3, \"per\": \"participant\", \"years\": 1},"
    "    \"follow_up_months\": 12},"
    "   {\"crime_type\": \"robbery\", \"effect\": {\"measure\": \"percent-change\","
    "    \"estimate\": -10}}],"
    "  \"cost\": {\"amount\": 240, \"per\": \"participant\", \"price_year\": 2017}},"
    " {\"id\": \"other-eval\", \"intervention\": \"something-else\", \"design\": \"rct\","
    "  \"quality\": 5, \"outcomes\": [{\"crime_type\": \"robbery\","
    "    \"effect\": {\"measure\": \"risk-ratio\", \"estimate\": 0.1}}]}]";

static json_t *score(const char *iv, const char *evs, const struct vfm_params *p)
{
	json_t *i = load(iv), *e = load(evs), *r = load(reference_text), *out = NULL;
	struct err err = {0};

	cr_assert_eq(vfm_score_intervention(&out, i, e, r, p, &err), 0, "%s", err.msg);
	json_decref(i);
	json_decref(e);
	json_decref(r);
	return out;
}

Test(vfm_json, worked_person_scenario)
{
	json_t *scores = score(person_text, evals_text, NULL);
	const json_t *s;

	cr_assert_eq(json_array_size(scores), 2);
	/* sorted by crime type */
	cr_expect_str_eq(str(json_array_get(scores, 0), "crime_type"), "robbery");
	s = by_type(scores, "violence-with-injury");
	cr_expect_str_eq(str(s, "basis_kind"), "primary");
	cr_expect_eq(json_array_size(json_object_get(s, "pooled_evaluations")), 2);
	cr_expect_eq(num(s, "k"), 2);
	NEAR(num(s, "mu"), -0.2188546474474022, 1e-12);
	NEAR(num(s, "se"), 0.07831730302270212, 1e-12);
	NEAR(num(s, "tau2"), 0, 1e-15);
	NEAR(num(s, "q"), 0.8878205017403757, 1e-12);
	NEAR(num(s, "i2"), 0, 1e-15);
	cr_expect_eq(num(s, "quality"), 4);
	cr_expect_eq(num(s, "quality_multiplier"), 0.75);
	NEAR(num(s, "mu_adj"), -0.16414098558555165, 1e-12);
	NEAR(num(s, "se_adj"), 0.05873797726702659, 1e-12);
	cr_expect_eq(num(s, "evidence_rating"), 4);
	NEAR(num(s, "unit_cost_b"), 18838.729746689478, 1e-8);
	cr_expect_eq(num(s, "base_year"), 2024);
	NEAR(num(s, "r"), 0.24, 1e-15);
	cr_expect_str_eq(str(s, "r_evaluation"), "alpha-rct");
	NEAR(num(s, "cost_b"), 340.5846967683586, 1e-9);
	cr_expect(json_is_true(json_object_get(s, "interpolated")), "2017 is interpolated");
	cr_expect_eq(num(s, "horizon_years"), 1);
	cr_expect_str_eq(str(s, "horizon_source"), "follow-up");
	NEAR(num(s, "pv_benefits"), 684.4229430467542, 1e-8);
	NEAR(num(s, "pv_costs"), 340.5846967683586, 1e-9);
	NEAR(num(s, "bcr"), 2.009552835288574, 1e-11);
	NEAR(num(s, "npv"), 343.8382462783956, 1e-8);
	NEAR(num(s, "cost_per_crime_prevented"), 9374.58792616628, 1e-7);
	NEAR(num(s, "breakeven_k"), 0.07532901221489588, 1e-12);
	NEAR(num(s, "p_bcr_gt1_closed"), 0.9280098149304946, 1e-12);
	NEAR(num(s, "p_bcr_gt1"), 0.9280098149304946, 0.01);
	cr_expect(num(s, "bcr_p05") < num(s, "bcr") && num(s, "bcr") < num(s, "bcr_p95"));
	cr_expect_eq(num(s, "draws"), 10000);
	cr_expect_str_eq(str(s, "band"), "high");
	cr_expect(json_is_false(json_object_get(s, "harmful")));
	cr_expect(json_is_null(json_object_get(s, "insufficient_reason")));

	/* robbery: a percent change with no interval and no baseline */
	s = by_type(scores, "robbery");
	cr_expect(json_is_true(json_object_get(s, "no_uncertainty")));
	NEAR(num(s, "mu"), log(0.9), 1e-15);
	cr_expect(json_is_null(json_object_get(s, "se")));
	cr_expect_str_eq(str(s, "insufficient_reason"), "no-baseline-rate");
	cr_expect_str_eq(str(s, "band"), "insufficient");
	cr_expect(json_is_null(json_object_get(s, "p_bcr_gt1")));
	json_decref(scores);
}

Test(vfm_json, horizon_and_decay_parameters)
{
	struct vfm_params p = vfm_params_default();
	json_t *scores;
	const json_t *s, *a;

	p.horizon_years = 3;
	p.decay = 0.2;
	scores = score(person_text, evals_text, &p);
	s = by_type(scores, "violence-with-injury");
	a = json_object_get(s, "crimes_prevented");
	cr_assert_eq(json_array_size(a), 3);
	NEAR(json_number_value(json_array_get(a, 1)), 0.029064504974578877, 1e-12);
	NEAR(json_number_value(json_array_get(a, 2)), 0.023251603979663103, 1e-12);
	NEAR(num(s, "pv_benefits"), 1622.3518379032366, 1e-8);
	NEAR(num(s, "bcr"), 4.763431396938673, 1e-11);
	NEAR(num(s, "p_bcr_gt1_closed"), 0.9876045609197492, 1e-12);
	cr_expect_str_eq(str(s, "band"), "very-high");
	cr_expect_str_eq(str(s, "horizon_source"), "parameter");
	json_decref(scores);
}

Test(vfm_json, same_evidence_same_numbers_in_any_order)
{
	json_t *evs = load(evals_text), *rev = json_array(), *i = load(person_text);
	json_t *r = load(reference_text), *a = NULL, *b = NULL, *c = NULL;
	struct err e = {0};
	char *sa, *sc;
	size_t k;

	for (k = json_array_size(evs); k-- > 0;)
		json_array_append(rev, json_array_get(evs, k));
	cr_assert_eq(vfm_score_intervention(&a, i, evs, r, NULL, &e), 0);
	cr_assert_eq(vfm_score_intervention(&b, i, evs, r, NULL, &e), 0);
	cr_assert_eq(vfm_score_intervention(&c, i, rev, r, NULL, &e), 0);
	sa = json_dumps(a, JSON_SORT_KEYS | JSON_REAL_PRECISION(17));
	sc = json_dumps(c, JSON_SORT_KEYS | JSON_REAL_PRECISION(17));
	cr_expect(json_equal(a, b));
	cr_expect_str_eq(sa, sc);
	free(sa);
	free(sc);
	json_decref(a);
	json_decref(b);
	json_decref(c);
	json_decref(rev);
	json_decref(evs);
	json_decref(i);
	json_decref(r);
}

/* One evaluation of a crime type, to exercise one thing at a time. */
static json_t *one(const char *level, const char *crime, int quality, const char *effect,
                   const char *baseline, const char *cost)
{
	char iv[512], ev[2048];

	snprintf(iv, sizeof(iv),
	         "{\"id\": \"iv-one\", \"name\": \"One\", \"level\": \"%s\", \"summary\": \"s\"}",
	         level);
	snprintf(ev, sizeof(ev),
	         "[{\"id\": \"ev-one\", \"intervention\": \"iv-one\", \"design\": \"rct\","
	         " \"quality\": %d, \"studies\": 3, \"sample_size\": 500,"
	         " \"outcomes\": [{\"crime_type\": \"%s\", \"effect\": %s%s%s,"
	         " \"follow_up_months\": 12}]%s%s}]",
	         quality, crime, effect, baseline ? ", \"baseline\": " : "",
	         baseline ? baseline : "", cost ? ", \"cost\": " : "", cost ? cost : "");
	return score(iv, ev, NULL);
}

#define GOOD_EFFECT "{\"measure\": \"risk-ratio\", \"estimate\": 0.8, \"se\": 0.1}"
#define PERSON_BL "{\"rate\": 0.5, \"per\": \"participant\"}"
#define PERSON_COST "{\"amount\": 500, \"per\": \"participant\", \"price_year\": 2015}"

Test(vfm_json, each_insufficient_reason)
{
	static const struct {
		const char *level, *crime;
		int quality;
		const char *effect, *baseline, *cost, *reason;
	} t[] = {
	    {"person", "robbery", 2, GOOD_EFFECT, PERSON_BL, PERSON_COST, "quality-too-low"},
	    {"person", "shoplifting", 5, GOOD_EFFECT, PERSON_BL, PERSON_COST, "no-unit-cost"},
	    {"person", "robbery", 5, GOOD_EFFECT, NULL, PERSON_COST, "no-baseline-rate"},
	    {"person", "robbery", 5, GOOD_EFFECT, PERSON_BL, NULL, "no-cost"},
	    {"person", "robbery", 5, GOOD_EFFECT, PERSON_BL,
	     "{\"amount\": 0, \"per\": \"participant\", \"price_year\": 2015}", "zero-cost"},
	    {"place", "robbery", 5, GOOD_EFFECT, "{\"rate\": 3, \"per\": \"area\"}", PERSON_COST,
	     "unit-mismatch"},
	    {"place", "robbery", 5, GOOD_EFFECT, PERSON_BL,
	     "{\"amount\": 500, \"per\": \"area-year\", \"price_year\": 2015}", "unit-mismatch"},
	    {"person", "robbery", 5, GOOD_EFFECT, PERSON_BL,
	     "{\"amount\": 500, \"per\": \"participant\", \"price_year\": 2005}",
	     "price-year-out-of-range"},
	    {"person", "old-crime", 5, GOOD_EFFECT, PERSON_BL, PERSON_COST,
	     "price-year-out-of-range"},
	    {"person", "robbery", 5, "{\"measure\": \"hazard-ratio\", \"estimate\": 0.8}",
	     PERSON_BL, PERSON_COST, "no-estimate"},
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		json_t *scores = one(t[i].level, t[i].crime, t[i].quality, t[i].effect,
		                     t[i].baseline, t[i].cost);
		const json_t *s = json_array_get(scores, 0);
		const json_t *rs = json_object_get(s, "insufficient_reasons");

		cr_expect_str_eq(str(s, "band"), "insufficient", "case %zu", i);
		cr_expect_str_eq(str(s, "insufficient_reason"), t[i].reason, "case %zu", i);
		cr_expect(json_is_null(json_object_get(s, "bcr")), "case %zu: no bcr", i);
		cr_expect_eq(json_array_size(rs), 1, "case %zu: %zu reasons", i,
		             json_array_size(rs));
		cr_expect(strlen(str(json_array_get(rs, 0), "message")) > 10, "case %zu", i);
		json_decref(scores);
	}
}

Test(vfm_json, place_rebased_costed)
{
	/* place: area-year cost recurring over T = 2 years; r per area */
	json_t *scores = one("place", "robbery", 5, GOOD_EFFECT,
	                     "{\"rate\": 6, \"per\": \"area\", \"years\": 2}",
	                     "{\"amount\": 1000, \"per\": \"area-year\", \"price_year\": 2015}");
	const json_t *s = json_array_get(scores, 0);
	double ub = 11320 * 100 / 74.5804, cb = 1000 * 100 / 74.5804;
	double pvb = 3 * 0.2 * ub, pvc = cb;

	cr_expect_str_eq(str(s, "band"), "very-high");
	NEAR(num(s, "r"), 3, 1e-15);
	NEAR(num(s, "pv_benefits") / pvb, 1, 1e-12);
	NEAR(num(s, "pv_costs") / pvc, 1, 1e-12);
	cr_expect_eq(num(s, "evidence_rating"), 5);
	json_decref(scores);
}

Test(vfm_json, harmful_negative_bcr)
{
	json_t *scores =
	    one("person", "robbery", 5,
	        "{\"measure\": \"counts\", \"treatment\": {\"events\": 90, \"n\": 178},"
	        " \"control\": {\"events\": 60, \"n\": 178}}",
	        "{\"rate\": 0.3, \"per\": \"participant\"}", PERSON_COST);
	const json_t *s = json_array_get(scores, 0);

	cr_expect(json_is_true(json_object_get(s, "harmful")));
	cr_expect(num(s, "bcr") < 0);
	NEAR(num(s, "mu"), 0.4054651081081644, 1e-12);
	cr_expect_str_eq(str(s, "band"), "poor");
	cr_expect(json_is_null(json_object_get(s, "cost_per_crime_prevented")));
	json_decref(scores);
}

Test(vfm_json, review_basis_is_the_best_review)
{
	static const char *evs =
	    "[{\"id\": \"a-rct\", \"intervention\": \"iv-r\", \"design\": \"rct\", \"quality\": 5,"
	    "  \"outcomes\": [{\"crime_type\": \"robbery\", \"effect\": {\"measure\": "
	    "\"risk-ratio\","
	    "  \"estimate\": 0.5, \"se\": 0.1}}]},"
	    " {\"id\": \"b-review\", \"intervention\": \"iv-r\", \"design\": \"systematic-review\","
	    "  \"quality\": 4, \"studies\": 8, \"source\": {\"citation\": \"x\", \"published\": "
	    "\"2022\"},"
	    "  \"outcomes\": [{\"crime_type\": \"robbery\", \"effect\": {\"measure\": "
	    "\"risk-ratio\","
	    "  \"estimate\": 0.9, \"se\": 0.05}}]},"
	    " {\"id\": \"c-meta\", \"intervention\": \"iv-r\", \"design\": \"meta-analysis\","
	    "  \"quality\": 4, \"studies\": 12, \"source\": {\"citation\": \"y\", \"published\": "
	    "\"2015\"},"
	    "  \"outcomes\": [{\"crime_type\": \"robbery\", \"effect\": {\"measure\": "
	    "\"risk-ratio\","
	    "  \"estimate\": 0.8, \"se\": 0.05}}]}]";
	json_t *scores =
	    score("{\"id\": \"iv-r\", \"name\": \"R\", \"level\": \"person\"}", evs, NULL);
	const json_t *s = json_array_get(scores, 0);
	const json_t *b = json_object_get(s, "basis_evaluations");

	cr_expect_str_eq(str(s, "basis_kind"), "review");
	cr_assert_eq(json_array_size(b), 1);
	cr_expect_str_eq(json_string_value(json_array_get(b, 0)), "c-meta");
	NEAR(num(s, "mu"), log(0.8), 1e-15);
	cr_expect_eq(num(s, "k"), 1);
	cr_expect_eq(num(s, "evidence_rating"), 4);
	NEAR(num(s, "mu_adj"), 0.75 * log(0.8), 1e-15);
	cr_expect_str_eq(str(s, "insufficient_reason"), "no-baseline-rate");
	json_decref(scores);
}

Test(vfm_json, headline_projection_and_text)
{
	json_t *scores = score(person_text, evals_text, NULL), *pr = NULL;
	json_t *iv = load(person_text);
	const json_t *h = vfm_headline(scores);
	struct err e = {0};
	char *text;

	cr_assert_not_null(h);
	cr_expect_str_eq(str(h, "crime_type"), "violence-with-injury");
	cr_expect_null(vfm_headline(NULL));

	cr_assert_eq(vfm_project_json(&pr, h, "person", 0, 1, 100, &e), 0, "%s", e.msg);
	NEAR(num(pr, "r_total"), 24, 1e-12);
	NEAR(num(pr, "pv_costs"), 100 * 340.5846967683586, 1e-7);
	NEAR(num(pr, "bcr"), 2.009552835288574, 1e-11);
	NEAR(num(pr, "p_bcr_gt1"), num(h, "p_bcr_gt1"), 1e-15);
	cr_expect(num(pr, "bcr_p05") < num(pr, "bcr_p95"));
	json_decref(pr);
	cr_expect_eq(vfm_project_json(&pr, by_type(scores, "robbery"), "person", 0, 1, 10, &e),
	             WW_EINVALID);

	text = vfm_appraisal_text(iv, scores);
	cr_assert_not_null(text);
	cr_expect(strstr(text, "Mentoring X") != NULL);
	cr_expect(strstr(text, "DerSimonian-Laird") != NULL);
	cr_expect(strstr(text, "Benefit-cost ratio 2.01 (high") != NULL, "%s", text);
	cr_expect(strstr(text, "baseline {rate, per: participant, years}") != NULL, "%s", text);
	free(text);
	json_decref(iv);
	json_decref(scores);
}

Test(vfm_json, params_and_bad_input)
{
	struct vfm_params p = vfm_params_default();
	json_t *pj = vfm_params_to_json(&p), *out = NULL, *i = load(person_text);
	json_t *r = load(reference_text), *evs = load(evals_text);
	struct err e = {0};

	cr_assert_not_null(pj);
	NEAR(num(pj, "discount"), 0.035, 1e-15);
	cr_expect_eq(num(pj, "draws"), 10000);
	NEAR(num(json_object_get(pj, "quality_multipliers"), "4"), 0.75, 1e-15);
	json_decref(pj);

	p.base_year = 1990;
	cr_expect_eq(vfm_score_intervention(&out, i, evs, r, &p, &e), WW_EINVALID);
	cr_expect_null(out);
	p = vfm_params_default();
	p.draws = 0;
	err_clear(&e);
	cr_expect_eq(vfm_score_intervention(&out, i, evs, r, &p, &e), WW_EINVALID);
	/* base year 2017 is interpolated, and said so */
	p = vfm_params_default();
	p.base_year = 2017;
	cr_assert_eq(vfm_score_intervention(&out, i, evs, r, &p, &e), 0);
	cr_expect(json_is_true(json_object_get(json_array_get(out, 1), "base_year_interpolated")));
	NEAR(num(json_array_get(out, 1), "unit_cost_b"), 14050 * 77.36418256461867 / 74.5804, 1e-7);
	json_decref(out);
	json_decref(i);
	json_decref(r);
	json_decref(evs);
}
