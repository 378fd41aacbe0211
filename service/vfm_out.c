/*
 * vfm_out.c - the score as JSON, the headline pick, and the projection from
 * a stored score
 *
 * Every figure a reader needs to re-derive the result with a calculator; the
 * keys are listed and explained in service/VFM.md. Figures that do not exist
 * (no standard error, no BCR) are JSON null, never NaN.
 */
#include "vfm.h"
#include "vocab.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vfm_internal.h"

/*
 * A JSON string from text known to be valid UTF-8, skipping jansson's check:
 * literals, the ASCII notes, and strings read from jansson values (which
 * jansson keeps valid). Messages that embed truncated input keep the check.
 */
static json_t *str(const char *s)
{
	return json_string_nocheck(s);
}

/* A copy of o[key], or null (o may be NULL). */
static json_t *copy(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	return v ? json_deep_copy(v) : json_null();
}

static json_t *opt_long(long v)
{
	return v < 0 ? json_null() : json_integer(v);
}

static json_t *outcome_json(const struct cand *c)
{
	json_t *o = json_object();
	int bad = 0;

	if (o == NULL)
		return NULL;
	bad |= vfm_put(o, "evaluation", str(c->id));
	bad |= vfm_put(o, "outcome_index", json_integer(c->index));
	bad |= vfm_put(o, "design", c->design ? str(c->design) : json_null());
	bad |= vfm_put(o, "quality", json_integer(c->quality));
	bad |= vfm_put(o, "studies", json_integer(c->studies));
	bad |= vfm_put(o, "sample_size", opt_long(c->sample));
	bad |= vfm_put(o, "measure", c->measure ? str(c->measure) : json_null());
	bad |= vfm_put(o, "y", c->ok ? vfm_num(c->eff.y) : json_null());
	bad |= vfm_put(o, "s", c->ok && c->eff.has_s ? vfm_num(c->eff.s) : json_null());
	bad |= vfm_put(o, "approximated", json_boolean(c->eff.approximated));
	bad |= vfm_put(o, "p0_source", c->ok && c->p0_source ? str(c->p0_source) : json_null());
	bad |= vfm_put(o, "zero_cell_corrected", json_boolean(c->eff.zero_cell));
	bad |= vfm_put(o, "note", str(c->ok ? c->eff.note : ""));
	bad |= vfm_put(o, "error", c->ok ? json_null() : json_string(c->error));
	bad |= vfm_put(o, "in_basis", json_boolean(c->in_basis));
	bad |= vfm_put(o, "pooled", json_boolean(c->used));
	bad |= vfm_put(
	    o, "follow_up_months",
	    opt_long(json_is_integer(json_object_get(c->outcome, "follow_up_months"))
	                 ? (long)json_integer_value(json_object_get(c->outcome, "follow_up_months"))
	                 : -1));
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *cost_json(const struct cand *c)
{
	const json_t *co = json_object_get(c->ev, "cost");
	json_t *o = json_object();
	int bad = 0;

	if (o == NULL)
		return NULL;
	bad |= vfm_put(o, "evaluation", str(c->id));
	bad |= vfm_put(o, "amount", vfm_num(c->cost));
	bad |= vfm_put(o, "per", json_deep_copy(json_object_get(co, "per")));
	bad |= vfm_put(o, "price_year", json_deep_copy(json_object_get(co, "price_year")));
	bad |= vfm_put(o, "deflator", c->has_cost ? vfm_num(c->cost_defl) : json_null());
	bad |= vfm_put(o, "interpolated", json_boolean(c->cost_interp));
	bad |=
	    vfm_put(o, "amount_b", c->has_cost ? vfm_num(c->cost * c->cost_factor) : json_null());
	bad |= vfm_put(o, "used", json_boolean(c->has_cost));
	bad |= vfm_put(o, "flag", copy(co, "flag"));
	bad |= vfm_put(o, "source", copy(co, "source"));
	bad |= vfm_put(o, "note", copy(co, "note"));
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static int evidence_json(json_t *o, const struct ct_score *s)
{
	json_t *outs = json_array(), *basis = json_array(), *pooled = json_array(), *rc;
	const struct vfm_pool *pl = &s->pool;
	const struct vfm_rating *rt = &s->rating;
	int bad = 0, est = s->has_estimate, se = est && s->has_se;
	size_t i;

	bad |= vfm_put(o, "outcomes", outs);
	bad |= vfm_put(o, "basis_evaluations", basis);
	bad |= vfm_put(o, "pooled_evaluations", pooled);
	if (bad)
		return -1;
	for (i = 0; i < s->n_cands; i++) {
		const struct cand *c = &s->cands[i];

		bad |= vfm_push(outs, outcome_json(c));
		if (c->in_basis)
			bad |= vfm_push(basis, str(c->id));
		if (c->used)
			bad |= vfm_push(pooled, str(c->id));
	}
	bad |= vfm_put(o, "basis_kind", str(s->basis_review ? "review" : "primary"));
	bad |= vfm_put(o, "k", json_integer(pl->k));
	bad |= vfm_put(o, "no_uncertainty", json_boolean(est && pl->no_uncertainty));
	bad |= vfm_put(o, "mu", est ? vfm_num(pl->mu) : json_null());
	bad |= vfm_put(o, "se", se ? vfm_num(pl->se) : json_null());
	bad |= vfm_put(o, "tau2", se ? vfm_num(pl->tau2) : json_null());
	bad |= vfm_put(o, "q", se ? vfm_num(pl->q) : json_null());
	bad |= vfm_put(o, "i2", se ? vfm_num(100 * pl->i2) : json_null());
	bad |= vfm_put(o, "ci_low", se ? vfm_num(pl->ci_lo) : json_null());
	bad |= vfm_put(o, "ci_high", se ? vfm_num(pl->ci_hi) : json_null());
	bad |= vfm_put(o, "rr", est ? vfm_num(exp(pl->mu)) : json_null());
	bad |= vfm_put(o, "pct_change", est ? vfm_num(100 * expm1(pl->mu)) : json_null());
	bad |= vfm_put(o, "quality", est ? json_integer(s->quality) : json_null());
	bad |= vfm_put(o, "quality_multiplier", est ? vfm_num(s->m) : json_null());
	bad |= vfm_put(o, "mu_adj", est ? vfm_num(s->mu_adj) : json_null());
	bad |= vfm_put(o, "se_adj", se ? vfm_num(s->se_adj) : json_null());
	bad |=
	    vfm_put(o, "ci_adj_low", se ? vfm_num(s->mu_adj - VFM_Z95 * s->se_adj) : json_null());
	bad |=
	    vfm_put(o, "ci_adj_high", se ? vfm_num(s->mu_adj + VFM_Z95 * s->se_adj) : json_null());
	bad |= vfm_put(o, "rr_adj", est ? vfm_num(exp(s->mu_adj)) : json_null());
	bad |= vfm_put(o, "pct_change_adj", est ? vfm_num(100 * expm1(s->mu_adj)) : json_null());
	bad |= vfm_put(o, "evidence_rating", json_integer(rt->rating));
	rc = json_object();
	bad |= vfm_put(o, "rating_components", rc);
	if (bad)
		return -1;
	bad |= vfm_put(rc, "quality", json_integer(rt->quality));
	bad |= vfm_put(rc, "studies_total", json_integer(rt->studies));
	bad |= vfm_put(rc, "single_study_penalty", json_integer(rt->single_study ? -1 : 0));
	bad |= vfm_put(rc, "sample_size_total", opt_long(rt->sample_size));
	bad |= vfm_put(rc, "small_sample_penalty", json_integer(rt->small_sample ? -1 : 0));
	bad |= vfm_put(rc, "no_estimate", json_boolean(rt->no_estimate));
	return bad;
}

static int prices_json(json_t *o, const struct ct_score *s, const struct ctx *cx)
{
	json_t *costs = json_array();
	int bad = 0, any_interp = cx->base_interp || s->u_interp;
	const char *flag = vfm_jstr(s->uc, "flag"), *unit = vfm_jstr(s->uc, "unit");
	size_t i;

	bad |= vfm_put(o, "base_year", cx->has_base ? json_integer(cx->base_year) : json_null());
	bad |= vfm_put(o, "deflator_base", cx->has_base ? vfm_num(cx->d_base) : json_null());
	bad |= vfm_put(o, "base_year_interpolated", json_boolean(cx->base_interp));
	bad |= vfm_put(o, "unit_cost", s->uc ? vfm_num(s->u) : json_null());
	bad |= vfm_put(o, "unit_cost_unit", unit ? str(unit) : json_null());
	bad |= vfm_put(o, "unit_cost_price_year", s->uc ? json_integer(s->u_year) : json_null());
	bad |= vfm_put(o, "unit_cost_flag", flag ? str(flag) : json_null());
	bad |= vfm_put(o, "unit_cost_deflator", s->has_u ? vfm_num(s->u_defl) : json_null());
	bad |= vfm_put(o, "unit_cost_interpolated", json_boolean(s->u_interp));
	bad |= vfm_put(o, "unit_cost_b", s->has_u ? vfm_num(s->u_b) : json_null());
	bad |= vfm_put(o, "unit_cost_key", copy(s->uc, "crime_type"));
	bad |= vfm_put(o, "unit_cost_via", s->uc ? str(s->uc_via) : json_null());
	bad |= vfm_put(o, "unit_cost_rule", copy(s->cw, "rule"));
	bad |= vfm_put(o, "unit_cost_source", copy(s->uc, "source"));
	bad |= vfm_put(o, "unit_cost_reference", copy(s->uc, "reference"));
	bad |= vfm_put(o, "unit_cost_public_purse", copy(s->uc, "public_purse"));
	bad |= vfm_put(o, "baseline_rate", s->has_r ? vfm_num(s->bl_rate) : json_null());
	bad |= vfm_put(o, "baseline_years", s->has_r ? vfm_num(s->bl_years) : json_null());
	bad |= vfm_put(o, "baseline_per",
	               s->has_r ? str(cx->place ? "area" : "participant") : json_null());
	bad |= vfm_put(o, "r", s->has_r ? vfm_num(s->r) : json_null());
	bad |= vfm_put(o, "r_source",
	               str(s->bl_from  ? "evaluation"
	                   : s->bl_ref ? "reference"
	                               : "none"));
	bad |= vfm_put(o, "r_evaluation", s->bl_from ? str(s->bl_from->id) : json_null());
	bad |= vfm_put(o, "r_reference", copy(s->bl_ref, "reference"));
	bad |= vfm_put(o, "r_cohort", copy(s->bl_ref, "cohort"));
	if (s->bl_from != NULL) {
		/* the evaluation's own: the baseline's flag, else the evaluation's
		 * verification; its citation */
		const json_t *ev = s->bl_from->ev;
		const json_t *bl = json_object_get(s->bl_from->outcome, "baseline");
		const json_t *bl_flag = json_object_get(bl, "flag");
		bad |= vfm_put(o, "baseline_flag",
		               bl_flag ? json_deep_copy(bl_flag)
		                       : copy(json_object_get(ev, "extra"), "verification"));
		bad |=
		    vfm_put(o, "baseline_source", copy(json_object_get(ev, "source"), "citation"));
		bad |= vfm_put(o, "baseline_note", copy(bl, "note"));
	} else {
		bad |= vfm_put(o, "baseline_flag", copy(s->bl_ref, "flag"));
		bad |= vfm_put(o, "baseline_source", copy(s->bl_ref, "source"));
		bad |= vfm_put(o, "baseline_note", copy(s->bl_ref, "note"));
	}
	bad |= vfm_put(o, "costs", costs);
	if (bad)
		return -1;
	for (i = 0; i < s->n_cands; i++) {
		const struct cand *c = &s->cands[i];

		if (!c->in_basis || !json_is_object(json_object_get(c->ev, "cost")))
			continue;
		bad |= vfm_push(costs, cost_json(c));
		any_interp |= c->cost_interp;
	}
	bad |= vfm_put(o, "cost_per", str(cx->place ? "area-year" : "participant"));
	bad |= vfm_put(o, "cost_rule", str("mean of the basis costs in base-year prices"));
	bad |= vfm_put(o, "cost_b", s->has_c ? vfm_num(s->c_b) : json_null());
	bad |= vfm_put(o, "interpolated", json_boolean(any_interp));
	bad |= vfm_put(o, "horizon_years", json_integer(s->horizon));
	bad |= vfm_put(o, "horizon_source", str(s->horizon_source));
	bad |= vfm_put(o, "follow_up_months", opt_long(s->follow_up_months));
	bad |= vfm_put(o, "decay", vfm_num(cx->p->decay));
	bad |= vfm_put(o, "discount", vfm_num(cx->p->discount));
	return bad;
}

static int result_json(json_t *o, const struct ct_score *s, const struct ctx *cx)
{
	const struct vfm_money *m = &s->money;
	json_t *a = json_array(), *rs = json_array();
	int bad = 0, mo = s->has_money, mc = s->has_mc, t;
	char seed[24];

	bad |= vfm_put(o, "crimes_prevented", a);
	bad |= vfm_put(o, "insufficient_reasons", rs);
	if (bad)
		return -1;
	for (t = 0; mo && t < m->horizon; t++)
		bad |= vfm_push(a, vfm_num(m->a[t]));
	bad |= vfm_put(o, "crimes_prevented_total", mo ? vfm_num(m->sum_a) : json_null());
	bad |= vfm_put(o, "annuity", mo ? vfm_num(m->annuity) : json_null());
	bad |= vfm_put(o, "breakeven_k",
	               mo && m->has_breakeven ? vfm_num(m->breakeven_k) : json_null());
	bad |= vfm_put(o, "pv_benefits", mo ? vfm_num(m->pv_benefits) : json_null());
	bad |= vfm_put(o, "pv_costs", mo ? vfm_num(m->pv_costs) : json_null());
	bad |= vfm_put(o, "bcr", mo && m->has_bcr ? vfm_num(m->bcr) : json_null());
	bad |= vfm_put(o, "npv", mo ? vfm_num(m->npv) : json_null());
	bad |= vfm_put(o, "cost_per_crime_prevented",
	               mo && m->has_cost_per_crime ? vfm_num(m->cost_per_crime) : json_null());
	bad |= vfm_put(o, "p_bcr_gt1", mc ? vfm_num(s->mc.p_bcr_gt_1) : json_null());
	bad |= vfm_put(o, "p_bcr_gt1_closed", mo ? vfm_num(s->p_closed) : json_null());
	bad |= vfm_put(o, "bcr_p05", mc ? vfm_num(s->mc.bcr_p05) : json_null());
	bad |= vfm_put(o, "bcr_p95", mc ? vfm_num(s->mc.bcr_p95) : json_null());
	bad |= vfm_put(o, "draws", mc ? json_integer(s->mc.draws) : json_null());
	snprintf(seed, sizeof(seed), "%016" PRIx64, s->seed);
	bad |= vfm_put(o, "seed", mo ? str(seed) : json_null());
	bad |= vfm_put(o, "band", str(vfm_band_name(s->band)));
	bad |= vfm_put(o, "harmful", json_boolean(s->harmful));
	bad |= vfm_put(o, "implausible", json_boolean(s->implausible));
	bad |= vfm_put(o, "implausible_reason",
	               s->implausible ? str(s->implausible_reason) : json_null());
	bad |= vfm_put(o, "breakeven_cost", s->has_be ? vfm_num(s->be) : json_null());
	bad |= vfm_put(o, "breakeven_p05", s->has_be_ci ? vfm_num(s->be_p05) : json_null());
	bad |= vfm_put(o, "breakeven_p95", s->has_be_ci ? vfm_num(s->be_p95) : json_null());
	bad |= vfm_put(o, "breakeven_per", str(cx->place ? "area-year" : "participant"));
	bad |= vfm_put(o, "pv_benefits_per_unit", s->has_be ? vfm_num(s->be_pv) : json_null());
	bad |= vfm_put(o, "public_purse_share", s->has_share ? vfm_num(s->share) : json_null());
	bad |= vfm_put(o, "pv_benefits_public",
	               s->has_be && s->has_share ? vfm_num(s->be_pv * s->share) : json_null());
	bad |=
	    vfm_put(o, "pv_benefits_victims_society",
	            s->has_be && s->has_share ? vfm_num(s->be_pv * (1 - s->share)) : json_null());
	bad |= vfm_put(o, "insufficient_reason",
	               s->n_reasons ? str(vfm_reason_name(s->reasons[0].code)) : json_null());
	for (t = 0; t < s->n_reasons; t++) {
		json_t *r = json_object();

		bad |= vfm_push(rs, r);
		if (r == NULL)
			break;
		bad |= vfm_put(r, "code", str(vfm_reason_name(s->reasons[t].code)));
		bad |= vfm_put(r, "message", json_string(s->reasons[t].msg));
	}
	return bad;
}

json_t *vfm_score_to_json(const struct ct_score *s, const struct ctx *cx)
{
	json_t *o = json_object();
	int bad = 0;

	if (o == NULL)
		return NULL;
	bad |= vfm_put(o, "intervention", str(cx->id));
	bad |= vfm_put(o, "crime_type", str(s->crime_type));
	bad |= vfm_put(o, "level", str(cx->level));
	bad |= vfm_put(o, "model_version", json_integer(VFM_MODEL_VERSION));
	if (bad || evidence_json(o, s) || prices_json(o, s, cx) || result_json(o, s, cx)) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* ---- the headline ------------------------------------------------------- */

static long key_long(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	return json_is_integer(v) ? (long)json_integer_value(v) : -1;
}

/* Units that count crime (or its victims): a crime outcome, not drug use or
 * health care. */
static int crime_unit(const char *unit)
{
	static const char *const units[] = {"crime", "victim", "reoffence", "reoffender", NULL};

	for (int i = 0; unit && units[i]; i++)
		if (strcmp(unit, units[i]) == 0)
			return 1;
	return 0;
}

/*
 * The headline tier of a score (VFM.md): 3 a costed crime outcome with usable
 * evidence (an estimate and quality multiplier > 0); 2 a costed outcome of
 * another unit (drug use, A&E); 1 usable evidence without a unit cost; 0 no
 * usable evidence (no estimate, or quality too low to claim an effect).
 */
static int headline_tier(const json_t *s)
{
	double m;

	if (!json_is_number(json_object_get(s, "mu")) || !vfm_jnum(&m, s, "quality_multiplier") ||
	    !(m > 0))
		return 0;
	if (!json_is_number(json_object_get(s, "unit_cost")))
		return 1;
	return crime_unit(vfm_jstr(s, "unit_cost_unit")) ? 3 : 2;
}

/* > 0 when a is the better headline: tier, best-controlled (basis quality),
 * evidence rating, a BCR, a break-even cost, studies, sample, and only then
 * the crime type, so that the order never decides between real results. */
static int headline_cmp(const json_t *a, const json_t *b)
{
	const json_t *ra = json_object_get(a, "rating_components");
	const json_t *rb = json_object_get(b, "rating_components");
	long x, y;
	int c;

	if ((x = headline_tier(a)) != (y = headline_tier(b)))
		return x > y ? 1 : -1;
	if ((x = key_long(a, "quality")) != (y = key_long(b, "quality")))
		return x > y ? 1 : -1;
	if ((x = key_long(a, "evidence_rating")) != (y = key_long(b, "evidence_rating")))
		return x > y ? 1 : -1;
	x = json_is_number(json_object_get(a, "bcr"));
	y = json_is_number(json_object_get(b, "bcr"));
	if (x != y)
		return x > y ? 1 : -1;
	x = json_is_number(json_object_get(a, "breakeven_cost"));
	y = json_is_number(json_object_get(b, "breakeven_cost"));
	if (x != y)
		return x > y ? 1 : -1;
	if ((x = key_long(ra, "studies_total")) != (y = key_long(rb, "studies_total")))
		return x > y ? 1 : -1;
	if ((x = key_long(ra, "sample_size_total")) != (y = key_long(rb, "sample_size_total")))
		return x > y ? 1 : -1;
	c = strcmp(vfm_jstr(a, "crime_type") ? vfm_jstr(a, "crime_type") : "",
	           vfm_jstr(b, "crime_type") ? vfm_jstr(b, "crime_type") : "");
	return c < 0 ? 1 : c > 0 ? -1 : 0;
}

const json_t *vfm_headline(const json_t *scores)
{
	const json_t *best = NULL, *s;
	size_t i;

	json_array_foreach(scores, i, s)
	{
		if (best == NULL || headline_cmp(s, best) > 0)
			best = s;
	}
	return best;
}

/* ---- projection from a stored score ------------------------------------- */

int vfm_project_json(json_t **out, const json_t *score, const char *level, double area_count,
                     double coverage, double units, struct err *e)
{
	struct vfm_projection_in in = {0};
	struct vfm_projection pr;
	double horizon, draws;
	const char *seed = vfm_jstr(score, "seed");
	char why[300] = "";
	json_t *o, *a;
	int bad = 0, rc, t;

	*out = NULL;
	if (vocab_index(vocab_levels, level) < 0)
		return err_set(e, WW_EINVALID, "level must be person or place");
	in.place = strcmp(level, "place") == 0;
	if (!vfm_jnum(&in.money.mu_adj, score, "mu_adj") || !vfm_jnum(&in.money.r, score, "r") ||
	    !vfm_jnum(&in.money.u_b, score, "unit_cost_b") ||
	    !vfm_jnum(&in.money.c_b, score, "cost_b") ||
	    !vfm_jnum(&horizon, score, "horizon_years") ||
	    !vfm_jnum(&in.money.decay, score, "decay") ||
	    !vfm_jnum(&in.money.discount, score, "discount") ||
	    !json_is_number(json_object_get(score, "bcr")) || seed == NULL)
		return err_set(e, WW_EINVALID,
		               "score for \"%s\" is insufficient: nothing to project",
		               vfm_jstr(score, "crime_type") ? vfm_jstr(score, "crime_type") : "?");
	in.money.has_se = vfm_jnum(&in.money.se_adj, score, "se_adj") && in.money.se_adj > 0;
	in.money.recurring = in.place;
	in.money.horizon = (int)horizon;
	in.draws = vfm_jnum(&draws, score, "draws") ? (int)draws : 10000;
	in.seed = strtoull(seed, NULL, 16);
	in.area_count = area_count;
	in.coverage = coverage;
	in.units = units;
	if ((rc = vfm_project(&pr, &in, e)) != 0)
		return rc;
	if ((o = json_object()) == NULL || (a = json_array()) == NULL) {
		json_decref(o);
		return err_set(e, WW_ENOMEM, "out of memory writing a projection");
	}
	bad |= vfm_put(o, "crime_type", json_deep_copy(json_object_get(score, "crime_type")));
	bad |= vfm_put(o, "level", json_string(level));
	bad |= vfm_put(o, "units", vfm_num(units));
	bad |= vfm_put(o, "area_count", in.place ? vfm_num(area_count) : json_null());
	bad |= vfm_put(o, "coverage", in.place ? vfm_num(coverage) : json_null());
	bad |= vfm_put(o, "r_total", vfm_num(pr.r_total));
	bad |= vfm_put(o, "r_source",
	               json_string(in.place                      ? "area"
	                           : vfm_jstr(score, "r_source") ? vfm_jstr(score, "r_source")
	                                                         : "evaluation"));
	bad |= vfm_put(o, "crimes_prevented", a);
	for (t = 0; !bad && t < pr.horizon; t++)
		bad |= vfm_push(a, vfm_num(pr.prevented[t]));
	bad |= vfm_put(o, "crimes_prevented_per_year", vfm_num(pr.prevented[0]));
	bad |= vfm_put(o, "crimes_prevented_total", vfm_num(pr.prevented_total));
	bad |= vfm_put(o, "crimes_prevented_p05", vfm_num(pr.prevented_p05));
	bad |= vfm_put(o, "crimes_prevented_p95", vfm_num(pr.prevented_p95));
	bad |= vfm_put(o, "pv_benefits", vfm_num(pr.pv_benefits));
	bad |= vfm_put(o, "pv_costs", vfm_num(pr.pv_costs));
	bad |= vfm_put(o, "npv", vfm_num(pr.npv));
	bad |= vfm_put(o, "bcr", pr.has_bcr ? vfm_num(pr.bcr) : json_null());
	/* a projection preventing more crime a year than the area records, or a
	 * BCR above VFM_BCR_IMPLAUSIBLE, is flagged, never a plain band */
	if (area_count > 0 && pr.prevented[0] > area_count)
		snprintf(why, sizeof(why),
		         "it would prevent %.0f crimes a year, more than the %.0f the area records "
		         "in the category: check units, coverage and the baseline",
		         pr.prevented[0], area_count);
	else if (pr.has_bcr && pr.bcr > VFM_BCR_IMPLAUSIBLE)
		snprintf(why, sizeof(why),
		         "a benefit-cost ratio of %.1f is above %d: check the baseline rate, the "
		         "unit cost and the programme cost before using it",
		         pr.bcr, VFM_BCR_IMPLAUSIBLE);
	bad |= vfm_put(o, "implausible", json_boolean(why[0] != '\0'));
	bad |= vfm_put(o, "implausible_reason", why[0] ? json_string(why) : json_null());
	bad |= vfm_put(o, "band",
	               json_string(vfm_band_name(why[0]       ? VFM_BAND_IMPLAUSIBLE
	                                         : pr.has_bcr ? vfm_band_of(pr.bcr)
	                                                      : VFM_BAND_INSUFFICIENT)));
	bad |= vfm_put(o, "p_bcr_gt1", vfm_num(pr.p_bcr_gt_1));
	bad |= vfm_put(o, "p_bcr_gt1_closed", vfm_num(pr.p_closed));
	bad |= vfm_put(o, "bcr_p05", vfm_num(pr.bcr_p05));
	bad |= vfm_put(o, "bcr_p95", vfm_num(pr.bcr_p95));
	if (bad) {
		json_decref(o);
		return err_set(e, WW_ENOMEM, "out of memory writing a projection");
	}
	*out = o;
	return 0;
}
