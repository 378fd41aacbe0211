/*
 * vfm_internal.h - what the vfm_*.c files share and nobody else uses
 *
 * The working state of one (intervention, crime type) score between reading
 * the evidence (vfm_json.c) and writing it out (vfm_out.c).
 */
#ifndef WW_VFM_INTERNAL_H
#define WW_VFM_INTERNAL_H

#include <jansson.h>
#include <stdint.h>

#include "vfm.h"

/* odds-ratio conversion: the baseline risk is capped just below 1 */
#define VFM_P0_CAP 0.99
/* a benefit-cost ratio above this is flagged implausible (VFM.md) */
#define VFM_BCR_IMPLAUSIBLE 50

/* The scoring context shared by every crime type of one intervention. */
struct ctx {
	const struct vfm_params *p;
	const json_t *reference;
	const char *id, *level; /* borrowed from the intervention */
	const char *cohort;     /* the intervention's cohort, or NULL */
	int place;
	struct vfm_deflators defl;
	int has_base; /* the deflator table is not empty */
	int base_year, base_interp;
	double d_base;
};

/* One evaluation's outcome for the crime type (its first one). */
struct cand {
	const json_t *ev, *outcome;
	const char *id, *design, *published, *measure;
	int index; /* of the outcome in the evaluation */
	int quality, review;
	long studies, sample; /* sample -1: unknown */
	int ok;               /* effect converted */
	char error[256];      /* why not, when !ok */
	struct vfm_effect eff;
	int in_basis, used; /* in the basis; pooled into mu */
	double cost, cost_factor, cost_defl;
	int cost_year, cost_interp, has_cost;
	const char *p0_source; /* odds ratios: "evaluation", "reference" or NULL */
};

struct reason {
	enum vfm_reason code;
	char msg[300];
};

struct ct_score {
	const char *crime_type;
	struct cand *cands;
	size_t n_cands;
	int basis_review;
	int has_estimate;
	struct vfm_pool pool;
	int quality;
	double m, mu_adj, se_adj;
	int has_se;
	struct vfm_rating rating;
	/* unit cost: the entry, the key it was found by, the crosswalk entry */
	const json_t *uc, *cw;
	const char *uc_key, *uc_via; /* via "crime-type" or "crosswalk" */
	double u, u_factor, u_defl, u_b;
	int u_year, u_interp, has_u;
	/* baseline: a basis evaluation's own, or the reference entry */
	const struct cand *bl_from;
	const json_t *ref_bl; /* for (crime type, cohort), any per; NULL when none */
	const json_t *bl_ref; /* the reference baseline used for r */
	double bl_rate, bl_years, r;
	int has_r;
	/* cost */
	double c_b;
	int n_costs, has_c;
	/* horizon */
	int horizon;
	long follow_up_months;
	const char *horizon_source;
	/* results */
	struct vfm_money_in min;
	struct vfm_money money;
	int has_money;
	struct vfm_mc mc;
	int has_mc;
	/* break-even cost per unit (PV benefits per unit over the cost annuity) */
	int has_be, has_be_ci;
	double be, be_p05, be_p95, be_pv; /* be_pv: PV benefits per unit */
	/* who gains: public_purse / amount of the unit cost */
	int has_share;
	double share;
	int implausible;
	char implausible_reason[200];
	uint64_t seed;
	double p_closed;
	enum vfm_band band;
	int harmful;
	struct reason reasons[VFM_REASON_COUNT];
	int n_reasons;
};

const char *vfm_jstr(const json_t *o, const char *key);
int vfm_jnum(double *out, const json_t *o, const char *key);
json_t *vfm_num(double x);
/* Steal v into o / a; -1 when v is NULL or the set fails (v is released).
 * key must be valid UTF-8 (it is not checked): the callers pass literals. */
int vfm_put(json_t *o, const char *key, json_t *v);
int vfm_push(json_t *a, json_t *v);

/* The output object of one score; NULL on out of memory. */
json_t *vfm_score_to_json(const struct ct_score *s, const struct ctx *cx);

#endif
