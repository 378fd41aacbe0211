/*
 * vfm_json.c - scoring an intervention from its evidence documents
 *
 * Reads the canonical JSON bodies of an intervention and its evaluations and
 * the reference data, runs the model per crime type and writes one JSON
 * object per crime type with every intermediate figure (keys: VFM.md).
 *
 * Order independence: evaluations are sorted by id before anything is summed,
 * and the Monte Carlo seed is a hash of the inputs, never of a counter.
 */
#include "vfm.h"
#include "vocab.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vfm_internal.h"

/* ---- reading JSON ------------------------------------------------------- */

const char *vfm_jstr(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

int vfm_jnum(double *out, const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	if (!json_is_number(v))
		return 0;
	*out = json_number_value(v);
	return 1;
}

static long jlong(const json_t *o, const char *key, long dflt)
{
	const json_t *v = json_object_get(o, key);

	if (json_is_integer(v))
		return (long)json_integer_value(v);
	if (json_is_real(v))
		return (long)json_real_value(v);
	return dflt;
}

static int is_review(const char *design)
{
	return design &&
	       (strcmp(design, "meta-analysis") == 0 || strcmp(design, "systematic-review") == 0);
}

/* ---- building JSON ------------------------------------------------------ */

json_t *vfm_num(double x)
{
	return isfinite(x) ? json_real(x) : json_null();
}

int vfm_put(json_t *o, const char *key, json_t *v)
{
	if (v == NULL)
		return -1;
	/* every key is an ASCII literal: no UTF-8 check */
	return json_object_set_new_nocheck(o, key, v) ? -1 : 0;
}

int vfm_push(json_t *a, json_t *v)
{
	if (v == NULL)
		return -1;
	return json_array_append_new(a, v) ? -1 : 0;
}

/* ---- the candidates: one outcome per evaluation ------------------------- */

static int cmp_eval_id(const void *a, const void *b)
{
	const json_t *const *x = a, *const *y = b;
	const char *s = vfm_jstr(*x, "id"), *t = vfm_jstr(*y, "id");

	return strcmp(s ? s : "", t ? t : "");
}

/*
 * Fills in from an outcome's effect; 0, or -1 with c->error set. An odds
 * ratio (or smd) is converted with the control risk p0 (model 1.1): the
 * outcome's own baseline rate per participant over the study's follow-up,
 * whatever its years; else the reference baseline per participant for the
 * crime type and cohort (ref may be NULL); capped at VFM_P0_CAP.
 */
static int effect_from_json(struct cand *c, const json_t *ref)
{
	const json_t *ef = json_object_get(c->outcome, "effect"), *ci, *t, *k;
	const json_t *bl = json_object_get(c->outcome, "baseline");
	struct vfm_effect_in in = {0};
	struct err e = {0};
	const char *per = vfm_jstr(bl, "per");
	double rate = 0;
	int m = vfm_measure_parse(vfm_jstr(ef, "measure"));

	if (m < 0) {
		snprintf(c->error, sizeof(c->error), "unknown effect measure");
		return -1;
	}
	in.measure = (enum vfm_measure)m;
	if (m == VFM_COUNTS) {
		t = json_object_get(ef, "treatment");
		k = json_object_get(ef, "control");
		in.t_events = jlong(t, "events", -1);
		in.t_n = jlong(t, "n", 0);
		in.c_events = jlong(k, "events", -1);
		in.c_n = jlong(k, "n", 0);
	} else if (!vfm_jnum(&in.estimate, ef, "estimate")) {
		snprintf(c->error, sizeof(c->error), "effect has no estimate");
		return -1;
	}
	ci = json_object_get(ef, "ci95");
	if (json_is_array(ci) && json_array_size(ci) == 2 &&
	    json_is_number(json_array_get(ci, 0)) && json_is_number(json_array_get(ci, 1))) {
		in.has_ci = 1;
		in.ci_lo = json_number_value(json_array_get(ci, 0));
		in.ci_hi = json_number_value(json_array_get(ci, 1));
	}
	in.has_se = vfm_jnum(&in.se, ef, "se");
	if (per && strcmp(per, "participant") == 0 && vfm_jnum(&rate, bl, "rate")) {
		in.has_p0 = 1;
		c->p0_source = "evaluation";
	} else if (ref != NULL && vfm_jstr(ref, "per") &&
	           strcmp(vfm_jstr(ref, "per"), "participant") == 0 &&
	           vfm_jnum(&rate, ref, "rate")) {
		in.has_p0 = 1;
		c->p0_source = "reference";
	}
	if (in.has_p0)
		in.p0 = rate < VFM_P0_CAP ? rate : VFM_P0_CAP;
	if (vfm_effect_convert(&c->eff, &in, &e) != 0) {
		snprintf(c->error, sizeof(c->error), "%.200s", e.msg);
		return -1;
	}
	c->measure = vfm_measure_name(in.measure);
	return 0;
}

/* The first outcome of ev for crime type ct, or NULL. */
static const json_t *outcome_for(const json_t *ev, const char *ct, int *index)
{
	const json_t *o;
	size_t i;

	json_array_foreach(json_object_get(ev, "outcomes"), i, o)
	{
		const char *t = vfm_jstr(o, "crime_type");

		if (t && strcmp(t, ct) == 0) {
			*index = (int)i;
			return o;
		}
	}
	return NULL;
}

/* Better review first: quality, studies, published, then id. */
static int review_better(const struct cand *a, const struct cand *b)
{
	int c;

	if (a->quality != b->quality)
		return a->quality > b->quality;
	if (a->studies != b->studies)
		return a->studies > b->studies;
	c = strcmp(a->published ? a->published : "", b->published ? b->published : "");
	if (c != 0)
		return c > 0;
	return strcmp(a->id, b->id) < 0;
}

/*
 * The reference baseline for a crime type with the given per and the
 * intervention's cohort. A place intervention with no cohort takes the crime
 * type's entry only when exactly one has that per; a person intervention with
 * no cohort takes none: a rate belongs to a population (perpetrators are not
 * victims), so it must be chosen by name. NULL when none fits.
 */
static const json_t *ref_baseline(const struct ctx *cx, const char *ct, const char *per)
{
	const json_t *b, *found = NULL;
	size_t i;
	int n = 0;

	if (cx->cohort == NULL && strcmp(per, "participant") == 0)
		return NULL;
	json_array_foreach(json_object_get(cx->reference, "baselines"), i, b)
	{
		const char *t = vfm_jstr(b, "crime_type"), *co = vfm_jstr(b, "cohort");
		const char *bp = vfm_jstr(b, "per");

		if (t == NULL || strcmp(t, ct) != 0 || bp == NULL || strcmp(bp, per) != 0 ||
		    !json_is_number(json_object_get(b, "rate")))
			continue;
		if (cx->cohort != NULL && (co == NULL || strcmp(co, cx->cohort) != 0))
			continue;
		if (found == NULL)
			found = b;
		n++;
	}
	return cx->cohort == NULL && n > 1 ? NULL : found;
}

/* Sections 1-5 for one crime type: candidates, basis, pooling, rating. */
static int evidence_step(struct ct_score *s, const json_t *const *evs, size_t n_ev,
                         const struct ctx *cx, struct err *e)
{
	const struct vfm_params *p = cx->p;
	const json_t *p0_ref = ref_baseline(cx, s->crime_type, "participant");

	struct vfm_effect *eff = NULL;
	size_t i, n_eff = 0;
	int best = -1, any_review = 0, qmin = 6, all_n = 1;
	long studies = 0, sample = 0;

	s->cands = calloc(n_ev ? n_ev : 1, sizeof(*s->cands));
	eff = calloc(n_ev ? n_ev : 1, sizeof(*eff));
	if (s->cands == NULL || eff == NULL) {
		free(eff);
		return err_set(e, WW_ENOMEM, "out of memory scoring %s", s->crime_type);
	}
	for (i = 0; i < n_ev; i++) {
		struct cand *c = &s->cands[s->n_cands];
		int idx;

		if ((c->outcome = outcome_for(evs[i], s->crime_type, &idx)) == NULL)
			continue;
		c->ev = evs[i];
		c->index = idx;
		c->id = vfm_jstr(evs[i], "id");
		c->design = vfm_jstr(evs[i], "design");
		c->published = vfm_jstr(json_object_get(evs[i], "source"), "published");
		c->quality = (int)jlong(evs[i], "quality", 0);
		c->studies = jlong(evs[i], "studies", 1);
		c->sample = jlong(evs[i], "sample_size", -1);
		c->review = is_review(c->design);
		c->ok = effect_from_json(c, p0_ref) == 0;
		if (c->review)
			any_review = 1;
		s->n_cands++;
	}
	/* section 2: the best review, or every primary evaluation */
	for (i = 0; i < s->n_cands; i++) {
		struct cand *c = &s->cands[i];

		if (any_review) {
			if (c->review && (best < 0 || review_better(c, &s->cands[best])))
				best = (int)i;
		} else {
			c->in_basis = 1;
		}
	}
	s->basis_review = any_review;
	if (best >= 0)
		s->cands[best].in_basis = 1;
	for (i = 0; i < s->n_cands; i++)
		if (s->cands[i].in_basis && s->cands[i].ok)
			eff[n_eff++] = s->cands[i].eff;
	if (n_eff == 0) {
		free(eff);
		s->has_estimate = 0;
		vfm_rating_compute(&s->rating, 0, 0, -1, 0);
		return 0;
	}
	if (vfm_pool_dl(&s->pool, eff, n_eff, e) != 0) {
		free(eff);
		return WW_EINVALID;
	}
	free(eff);
	s->has_estimate = 1;
	/* the pooled evaluations: those with s, or all when none has s */
	for (i = 0; i < s->n_cands; i++) {
		struct cand *c = &s->cands[i];

		if (!c->in_basis || !c->ok || (!s->pool.no_uncertainty && !c->eff.has_s))
			continue;
		c->used = 1;
		if (c->quality < qmin)
			qmin = c->quality;
		studies += c->studies;
		if (c->sample < 0)
			all_n = 0;
		else
			sample += c->sample;
	}
	s->quality = qmin;
	s->m = vfm_quality_multiplier(p, qmin);
	s->mu_adj = s->m * s->pool.mu;
	s->has_se = !s->pool.no_uncertainty;
	s->se_adj = s->has_se ? s->m * s->pool.se : NAN;
	vfm_rating_compute(&s->rating, qmin, studies, all_n ? sample : -1, 1);
	return 0;
}

/* ---- section 6 inputs --------------------------------------------------- */

static void add_reason(struct ct_score *s, enum vfm_reason r, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void add_reason(struct ct_score *s, enum vfm_reason r, const char *fmt, ...)
{
	va_list ap;

	if (s->n_reasons >= VFM_REASON_COUNT)
		return;
	s->reasons[s->n_reasons].code = r;
	va_start(ap, fmt);
	vsnprintf(s->reasons[s->n_reasons].msg, sizeof(s->reasons[0].msg), fmt, ap);
	va_end(ap);
	s->n_reasons++;
}

/* Rebases from year y: factor D(B)/D(y). 0, or -1 when y is outside. */
static int rebase(struct ct_score *s, const struct ctx *cx, int y, const char *what, double *factor,
                  double *d_y, int *interp)
{
	struct err e = {0};

	if (!cx->has_base || vfm_deflator_at(d_y, interp, &cx->defl, y, &e) != 0) {
		add_reason(s, VFM_REASON_PRICE_YEAR,
		           "%s is priced in %d, outside the deflator table", what, y);
		return -1;
	}
	*factor = cx->d_base / *d_y;
	return 0;
}

/* The entry of array key of the reference whose field equals value, or NULL. */
static const json_t *ref_find(const struct ctx *cx, const char *array, const char *field,
                              const char *value)
{
	const json_t *x;
	size_t i;

	json_array_foreach(json_object_get(cx->reference, array), i, x)
	{
		const char *t = vfm_jstr(x, field);

		if (t && strcmp(t, value) == 0)
			return x;
	}
	return NULL;
}

/*
 * The unit cost (model 1.1 and CONTRACT item 2): the unit-costs entry whose
 * key is the crime type; else the one the crosswalk (category-map) names in
 * unit_cost; else no-unit-cost, with the crosswalk's rule when it gives one.
 */
static void unit_cost_step(struct ct_score *s, const struct ctx *cx)
{
	const char *via_key, *rule;

	s->cw = ref_find(cx, "crosswalk", "crime_type", s->crime_type);
	rule = vfm_jstr(s->cw, "rule");
	if ((s->uc = ref_find(cx, "unit_costs", "crime_type", s->crime_type)) != NULL) {
		s->uc_via = "crime-type";
	} else if ((via_key = vfm_jstr(s->cw, "unit_cost")) != NULL) {
		s->uc = ref_find(cx, "unit_costs", "crime_type", via_key);
		s->uc_via = "crosswalk";
		if (s->uc == NULL) {
			add_reason(s, VFM_REASON_NO_UNIT_COST,
			           "the crosswalk values \"%s\" with unit cost \"%s\", which no "
			           "unit-costs file defines",
			           s->crime_type, via_key);
			return;
		}
	}
	if (s->uc == NULL || !vfm_jnum(&s->u, s->uc, "amount")) {
		s->uc = NULL;
		if (rule != NULL)
			add_reason(s, VFM_REASON_NO_UNIT_COST, "\"%s\" is not valued: %.200s",
			           s->crime_type, rule);
		else
			add_reason(
			    s, VFM_REASON_NO_UNIT_COST,
			    "no unit cost for crime type \"%s\" in the reference data; add one "
			    "with its source and price year, or a crosswalk entry naming the "
			    "unit cost that values it",
			    s->crime_type);
		return;
	}
	s->uc_key = vfm_jstr(s->uc, "crime_type");
	s->u_year = (int)jlong(s->uc, "price_year", 0);
	if (rebase(s, cx, s->u_year, "the unit cost", &s->u_factor, &s->u_defl, &s->u_interp))
		return;
	s->u_b = s->u * s->u_factor;
	s->has_u = 1;
}

static void baseline_step(struct ct_score *s, const struct ctx *cx)
{
	const char *want = cx->place ? "area" : "participant";
	int any = 0;
	size_t i;

	for (i = 0; i < s->n_cands; i++) {
		const struct cand *c = &s->cands[i];
		const json_t *bl = json_object_get(c->outcome, "baseline");
		const char *per = vfm_jstr(bl, "per");
		double rate;

		if (!c->in_basis || !vfm_jnum(&rate, bl, "rate"))
			continue;
		any = 1;
		if (per == NULL || strcmp(per, want) != 0)
			continue;
		if (s->bl_from == NULL || c->sample > s->bl_from->sample)
			s->bl_from = c;
	}
	if (s->bl_from == NULL && (s->bl_ref = ref_baseline(cx, s->crime_type, want)) != NULL) {
		vfm_jnum(&s->bl_rate, s->bl_ref, "rate");
		s->bl_years = 1;
		vfm_jnum(&s->bl_years, s->bl_ref, "years");
		if (!(s->bl_years > 0))
			s->bl_years = 1;
		s->r = s->bl_rate / s->bl_years;
		s->has_r = 1;
		return;
	}
	if (s->bl_from == NULL) {
		if (any)
			add_reason(s, VFM_REASON_UNIT_MISMATCH,
			           "the basis baseline rate is not per %s, as a %s intervention "
			           "needs",
			           want, cx->place ? "place" : "person");
		else
			add_reason(
			    s, VFM_REASON_NO_BASELINE,
			    "no basis evaluation gives a baseline rate for %s, and the "
			    "reference baselines have none per %s for cohort %s; add "
			    "baseline {rate, per: %s, years} to its outcome%s",
			    s->crime_type, want, cx->cohort ? cx->cohort : "(none given)", want,
			    cx->cohort == NULL && !cx->place
			        ? ", or name the intervention's cohort of a reference baseline"
			        : "");
		return;
	}
	{
		const json_t *bl = json_object_get(s->bl_from->outcome, "baseline");

		vfm_jnum(&s->bl_rate, bl, "rate");
		s->bl_years = 1;
		vfm_jnum(&s->bl_years, bl, "years");
		if (!(s->bl_years > 0))
			s->bl_years = 1;
		s->r = s->bl_rate / s->bl_years;
		s->has_r = 1;
	}
}

static void cost_step(struct ct_score *s, const struct ctx *cx)
{
	const char *want = cx->place ? "area-year" : "participant";
	double sum = 0;
	int any = 0, n = 0, bad_year = 0;
	size_t i;

	for (i = 0; i < s->n_cands; i++) {
		struct cand *c = &s->cands[i];
		const json_t *co = json_object_get(c->ev, "cost");
		const char *per = vfm_jstr(co, "per");

		if (!c->in_basis || !vfm_jnum(&c->cost, co, "amount"))
			continue;
		any = 1;
		if (per == NULL || strcmp(per, want) != 0)
			continue;
		c->cost_year = (int)jlong(co, "price_year", 0);
		if (rebase(s, cx, c->cost_year, "a basis cost", &c->cost_factor, &c->cost_defl,
		           &c->cost_interp)) {
			bad_year = 1;
			continue;
		}
		c->has_cost = 1;
		sum += c->cost * c->cost_factor;
		n++;
	}
	if (bad_year)
		return;
	if (n == 0) {
		if (any)
			add_reason(s, VFM_REASON_UNIT_MISMATCH,
			           "the basis cost is not per %s, as a %s intervention needs", want,
			           cx->place ? "place" : "person");
		else
			add_reason(s, VFM_REASON_NO_COST,
			           "no basis evaluation gives a cost; add cost {amount, per: %s, "
			           "price_year} to it",
			           want);
		return;
	}
	s->c_b = sum / n;
	s->n_costs = n;
	s->has_c = 1;
	if (!(s->c_b > 0))
		add_reason(s, VFM_REASON_ZERO_COST,
		           "the cost is zero, so benefits per pound are undefined (see npv)");
}

static void horizon_step(struct ct_score *s, const struct ctx *cx)
{
	long months = -1;
	size_t i;

	if (cx->p->horizon_years > 0) {
		s->horizon = cx->p->horizon_years;
		s->horizon_source = "parameter";
		return;
	}
	for (i = 0; i < s->n_cands; i++) {
		long fu = jlong(s->cands[i].outcome, "follow_up_months", -1);

		if (s->cands[i].used && fu >= 1 && (months < 0 || fu < months))
			months = fu;
	}
	s->follow_up_months = months;
	if (months < 0) {
		s->horizon = 1;
		s->horizon_source = "no-follow-up";
		return;
	}
	s->horizon = (int)((months + 11) / 12);
	if (s->horizon > cx->p->horizon_cap)
		s->horizon = cx->p->horizon_cap;
	if (s->horizon < 1)
		s->horizon = 1;
	s->horizon_source = "follow-up";
}

static uint64_t seed_for(const struct ct_score *s, const struct ctx *cx)
{
	const struct vfm_money_in *m = &s->min;
	uint64_t h = VFM_HASH_INIT;
	const char *tag = "whatworks-vfm-1";
	double d[] = {m->mu_adj, m->se_adj, m->r, m->u_b, m->c_b, m->decay, m->discount};
	int i[] = {m->recurring, m->horizon, cx->p->draws};

	h = vfm_hash(h, tag, strlen(tag) + 1);
	h = vfm_hash(h, cx->id, strlen(cx->id) + 1);
	h = vfm_hash(h, s->crime_type, strlen(s->crime_type) + 1);
	h = vfm_hash(h, d, sizeof(d));
	h = vfm_hash(h, i, sizeof(i));
	h = vfm_hash(h, &cx->p->seed_salt, sizeof(cx->p->seed_salt));
	return h;
}

/* Who gains: the public-purse share of the unit cost, when the entry gives it. */
static void share_step(struct ct_score *s)
{
	double pp;

	if (s->uc != NULL && vfm_jnum(&pp, s->uc, "public_purse") && s->u > 0 && pp >= 0 &&
	    pp <= s->u) {
		s->share = pp / s->u;
		s->has_share = 1;
	}
}

/*
 * The break-even cost per unit: the PV of benefits per unit over the PV of
 * one unit of cost (1 for a one-off participant cost, the discounted annuity
 * of one pound a year for an area-year cost), with its 90 % interval from the
 * draws of the effect: BE falls as y rises, so be_p05 = BE(y_p95).
 */
static double breakeven_at(const struct ct_score *s, double y, double per_cost)
{
	return s->money.pv_all * -expm1(y) / per_cost;
}

static double cost_annuity(const struct vfm_money_in *m)
{
	double a = 0;
	int t;

	if (!m->recurring)
		return 1;
	for (t = 0; t < m->horizon; t++)
		a += 1 / pow(1 + m->discount, t);
	return a;
}

/* Sections 6-8 once the evidence is known. */
static int money_step(struct ct_score *s, const struct ctx *cx, struct err *e)
{
	int rc, valued;
	double per_cost;

	if (!s->has_estimate)
		add_reason(s, VFM_REASON_NO_ESTIMATE,
		           "no basis outcome gives a usable effect estimate");
	else if (s->m <= 0)
		add_reason(s, VFM_REASON_QUALITY_TOO_LOW,
		           "the basis quality is %d: below 3 the model claims no effect; an "
		           "evaluation of quality 3 or more would complete it",
		           s->quality);
	/* harm is decided from the adjusted interval alone, before monetisation */
	s->harmful = s->has_estimate && vfm_is_harmful(s->mu_adj, s->se_adj, s->has_se);
	unit_cost_step(s, cx);
	share_step(s);
	baseline_step(s, cx);
	valued = s->n_reasons == 0; /* estimate, unit cost and baseline: benefits known */
	cost_step(s, cx);
	horizon_step(s, cx);
	s->band = VFM_BAND_INSUFFICIENT;
	if (!valued)
		return 0;
	s->min = (struct vfm_money_in){
	    .mu_adj = s->mu_adj,
	    .se_adj = s->has_se ? s->se_adj : 0,
	    .has_se = s->has_se,
	    .r = s->r,
	    .u_b = s->u_b,
	    .c_b = s->n_reasons == 0 ? s->c_b : 0,
	    .recurring = cx->place,
	    .horizon = s->horizon,
	    .decay = cx->p->decay,
	    .discount = cx->p->discount,
	};
	if ((rc = vfm_money_compute(&s->money, &s->min, e)) != 0)
		return rc;
	s->seed = seed_for(s, cx);
	per_cost = cost_annuity(&s->min);
	s->be_pv = s->money.pv_benefits;
	s->be = breakeven_at(s, s->mu_adj, per_cost);
	s->has_be = 1;
	if (s->n_reasons == 0) {
		s->has_money = 1;
		s->band = vfm_band_of(s->money.bcr);
		s->p_closed = vfm_p_closed(&s->money, &s->min);
	}
	if (s->has_se && s->se_adj > 0) {
		/* without a cost the draws are the same; one pound stands in for the
		 * cost so the generator runs, and only the effect percentiles are used */
		struct vfm_money_in mi = s->min;
		struct vfm_money mm = s->money;

		if (!s->has_money) {
			mi.c_b = 1;
			if ((rc = vfm_money_compute(&mm, &mi, e)) != 0)
				return rc;
		}
		if ((rc = vfm_monte_carlo(&s->mc, &mm, &mi, cx->p->draws, s->seed, NULL, e)) != 0)
			return rc;
		s->has_mc = s->has_money;
		s->be_p05 = breakeven_at(s, s->mc.y_p95, per_cost);
		s->be_p95 = breakeven_at(s, s->mc.y_p05, per_cost);
		s->has_be_ci = 1;
	}
	if (s->has_money && s->money.has_bcr && s->money.bcr > VFM_BCR_IMPLAUSIBLE) {
		s->implausible = 1;
		s->band = VFM_BAND_IMPLAUSIBLE;
		snprintf(s->implausible_reason, sizeof(s->implausible_reason),
		         "a benefit-cost ratio of %.1f is above %d: check the baseline rate, the "
		         "unit cost and the programme cost before using it",
		         s->money.bcr, VFM_BCR_IMPLAUSIBLE);
	}
	return 0;
}

/* ---- the entry points --------------------------------------------------- */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int load_deflators(struct ctx *cx, struct err *e)
{
	const json_t *a = json_object_get(cx->reference, "deflators"), *d;
	struct vfm_deflator *v;
	size_t i, n = 0;
	int rc, interp;

	if (json_array_size(a) == 0)
		return 0;
	if ((v = calloc(json_array_size(a), sizeof(*v))) == NULL)
		return err_set(e, WW_ENOMEM, "out of memory for deflators");
	json_array_foreach(a, i, d)
	{
		if (!vfm_jnum(&v[n].index, d, "index"))
			continue;
		v[n++].year = (int)jlong(d, "year", 0);
	}
	rc = n ? vfm_deflators_init(&cx->defl, v, n, e) : 0;
	free(v);
	if (rc != 0 || n == 0)
		return rc;
	cx->base_year = cx->p->base_year ? cx->p->base_year : cx->defl.v[cx->defl.n - 1].year;
	if (vfm_deflator_at(&cx->d_base, &interp, &cx->defl, cx->base_year, e) != 0)
		return err_set(e, WW_EINVALID, "base year %d is outside the deflator table",
		               cx->base_year);
	cx->base_interp = interp;
	cx->has_base = 1;
	return 0;
}

int vfm_score_intervention(json_t **out, const json_t *intervention, const json_t *evaluations,
                           const json_t *reference, const struct vfm_params *p, struct err *e)
{
	struct vfm_params dflt = vfm_params_default();
	struct ctx cx = {0};
	const json_t **evs = NULL, *ev, *o;
	const char **types = NULL;
	json_t *arr = NULL;
	size_t i, j, n_ev = 0, n_types = 0, n_out = 0;
	int rc = 0;

	*out = NULL;
	cx.p = p ? p : &dflt;
	cx.reference = reference;
	if ((rc = vfm_params_check(cx.p, e)) != 0)
		return rc;
	cx.id = vfm_jstr(intervention, "id");
	cx.level = vfm_jstr(intervention, "level");
	if (cx.id == NULL || cx.level == NULL || vocab_index(vocab_levels, cx.level) < 0)
		return err_set(e, WW_EINVALID,
		               "intervention needs an id and level person or place");
	cx.place = strcmp(cx.level, "place") == 0;
	cx.cohort = vfm_jstr(intervention, "cohort");
	if (!json_is_array(evaluations))
		return err_set(e, WW_EINVALID, "evaluations must be an array");
	if ((rc = load_deflators(&cx, e)) != 0)
		goto cleanup;
	n_ev = json_array_size(evaluations);
	evs = calloc(n_ev + 1, sizeof(*evs));
	for (i = 0; i < n_ev; i++)
		n_out +=
		    json_array_size(json_object_get(json_array_get(evaluations, i), "outcomes"));
	types = calloc(n_out + 1, sizeof(*types));
	arr = json_array();
	if (evs == NULL || types == NULL || arr == NULL) {
		rc = err_set(e, WW_ENOMEM, "out of memory scoring %s", cx.id);
		goto cleanup;
	}
	n_ev = 0;
	json_array_foreach(evaluations, i, ev)
	{
		const char *iv = vfm_jstr(ev, "intervention");

		if (iv == NULL || strcmp(iv, cx.id) != 0 || vfm_jstr(ev, "id") == NULL)
			continue;
		evs[n_ev++] = ev;
		json_array_foreach(json_object_get(ev, "outcomes"), j, o)
		{
			const char *t = vfm_jstr(o, "crime_type");

			if (t)
				types[n_types++] = t;
		}
	}
	qsort(evs, n_ev, sizeof(*evs), cmp_eval_id);
	qsort(types, n_types, sizeof(*types), cmp_str);
	for (i = 0; i < n_types; i++) {
		struct ct_score s = {0};
		json_t *obj = NULL;

		if (i > 0 && strcmp(types[i], types[i - 1]) == 0)
			continue;
		s.crime_type = types[i];
		rc = evidence_step(&s, evs, n_ev, &cx, e);
		if (rc == 0)
			rc = money_step(&s, &cx, e);
		if (rc == 0 && ((obj = vfm_score_to_json(&s, &cx)) == NULL || vfm_push(arr, obj)))
			rc = err_set(e, WW_ENOMEM, "out of memory writing the score of %s",
			             s.crime_type);
		free(s.cands);
		if (rc != 0)
			goto cleanup;
	}
	*out = arr;
	arr = NULL;
cleanup:
	json_decref(arr);
	free(types);
	free(evs);
	vfm_deflators_free(&cx.defl);
	return rc;
}
