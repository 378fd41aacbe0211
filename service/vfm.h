/*
 * vfm.h - the value-for-money model (docs: shared/design/vfm-model.md, and
 * service/VFM.md for the choices made where the model is silent)
 *
 * Pure code: no files, no database, no printing except into strings the
 * caller owns. Two layers:
 *
 *   - the maths on plain structs (effect conversion, DerSimonian-Laird
 *     pooling, quality adjustment, evidence rating, price rebasing,
 *     monetisation, Monte Carlo, bands, local projection), so tests are
 *     table-driven on numbers;
 *   - a JSON layer (vfm_score_intervention and friends) that the database
 *     code calls with the canonical evidence documents and reference data.
 *
 * Every function is re-entrant and keeps no global state: the same evidence
 * gives the same numbers whatever the order of computation.
 */
#ifndef WW_VFM_H
#define WW_VFM_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define VFM_Z95 1.959964       /* the model's two-sided 95 % normal quantile */
#define VFM_HORIZON_MAX 100    /* years; bound on any horizon, incl. the cap */
#define VFM_DRAWS_MAX 10000000 /* bound on Monte Carlo draws */
/* The version scores and parameters report: 2 implemented vfm-model.md
 * version 1.1; 3 adds that a person intervention with no cohort takes no
 * reference baseline, and that an evaluation's own baseline carries its
 * flag and citation. A change makes the next import rescore everything. */
#define VFM_MODEL_VERSION 3

/* ---- parameters --------------------------------------------------------- */

struct vfm_params {
	double discount;     /* real discount rate rho, default 0.035 */
	double decay;        /* effect decay delta per year, default 0 */
	int draws;           /* Monte Carlo draws N, default 10,000 */
	int base_year;       /* price base year B; 0 = latest in the deflator table */
	double quality_m[5]; /* multiplier m for quality q at [q - 1]: {0, 0, .5, .75, 1} */
	int horizon_cap;     /* upper clamp of the default horizon, default 10 */
	int horizon_years;   /* fixed horizon T; 0 = from the basis follow-up */
	uint64_t seed_salt;  /* mixed into every seed, default 0 */
};

/* The model's defaults. Can't fail. */
struct vfm_params vfm_params_default(void);

/* Checks ranges (discount >= 0, 0 <= decay < 1, 1 <= draws <= VFM_DRAWS_MAX,
 * 0 <= m <= 1, 1 <= horizon_cap <= VFM_HORIZON_MAX, ...). 0 or WW_EINVALID. */
int vfm_params_check(const struct vfm_params *p, struct err *e);

/* A new JSON object with every parameter (seed_salt as a hex string); NULL on
 * out of memory. The caller owns it. */
json_t *vfm_params_to_json(const struct vfm_params *p);

/* ---- 1. effect conversion ----------------------------------------------- */

enum vfm_measure {
	VFM_RISK_RATIO,
	VFM_RATE_RATIO,
	VFM_ODDS_RATIO,
	VFM_PERCENT_CHANGE,
	VFM_SMD,
	VFM_COUNTS,
};

/* "risk-ratio", ...; NULL for a bad value. */
const char *vfm_measure_name(enum vfm_measure m);
/* The measure for a name, or -1. */
int vfm_measure_parse(const char *name);

struct vfm_effect_in {
	enum vfm_measure measure;
	double estimate; /* not used for counts */
	int has_ci;      /* ci95 given: lo <= estimate <= hi */
	double ci_lo, ci_hi;
	int has_se; /* se (of the natural log; of d for smd) given */
	double se;
	long t_events, t_n; /* counts only */
	long c_events, c_n;
	int has_p0; /* odds-ratio and smd: baseline risk known */
	double p0;  /* 0 <= p0 < 1 (capped by the caller) */
};

struct vfm_effect {
	double y;         /* log risk ratio */
	double s;         /* its standard error when has_s */
	int has_s;        /* 0: "no uncertainty" */
	int approximated; /* odds ratio taken as a risk ratio (no p0) */
	int zero_cell;    /* 0.5 added to every cell */
	char note[200];   /* how y and s were obtained, plain words */
};

/*
 * Converts one outcome's effect to a log risk ratio (model section 1).
 * Returns 0, or WW_EINVALID when the numbers break the evidence contract
 * (estimate <= 0 for a ratio, bounds out of order, n < 1, ...).
 */
int vfm_effect_convert(struct vfm_effect *out, const struct vfm_effect_in *in, struct err *e);

/* ---- 3. pooling --------------------------------------------------------- */

struct vfm_pool {
	int n;              /* outcomes given */
	int k;              /* of which with a standard error (pooled) */
	int no_uncertainty; /* k = 0: mu is the plain mean, se undefined */
	double mu, se;      /* se meaningful only when !no_uncertainty */
	double tau2, q, i2; /* i2 as a fraction 0..1 */
	double ci_lo, ci_hi;
};

/*
 * DerSimonian-Laird random-effects pooling of n effects (section 3). Effects
 * without s are ignored unless none has s (then the unweighted mean of y).
 * Sums run in the order given: callers sort for order independence.
 * Returns 0, or WW_EINVALID when n is 0 or a standard error is not > 0.
 */
int vfm_pool_dl(struct vfm_pool *out, const struct vfm_effect *v, size_t n, struct err *e);

/* ---- 4-5. quality and rating -------------------------------------------- */

/* m for quality q (1..5) from p; 0 for anything else. Can't fail. */
double vfm_quality_multiplier(const struct vfm_params *p, int quality);

struct vfm_rating {
	int rating;       /* 0..5 */
	int quality;      /* basis quality */
	long studies;     /* total studies behind the basis */
	long sample_size; /* total sample size; -1 when unknown */
	int single_study; /* 1 when the penalty for one study applied */
	int small_sample; /* 1 when the penalty for n < 100 applied */
	int no_estimate;  /* 1 when there is no estimate (rating 0) */
};

/* Section 5. sample_size < 0 means unknown. Can't fail. */
void vfm_rating_compute(struct vfm_rating *out, int quality, long studies, long sample_size,
                        int has_estimate);

/* ---- 6. prices ---------------------------------------------------------- */

struct vfm_deflator {
	int year; /* financial year starting in it */
	double index;
};

struct vfm_deflators {
	struct vfm_deflator *v; /* sorted by year, owned */
	size_t n;
};

/* Copies and sorts a table. WW_EINVALID on an empty table, a duplicate year or
 * an index <= 0; WW_ENOMEM. Free with vfm_deflators_free. */
int vfm_deflators_init(struct vfm_deflators *out, const struct vfm_deflator *v, size_t n,
                       struct err *e);
void vfm_deflators_free(struct vfm_deflators *d);

/* D(year), geometric interpolation between neighbours (*interpolated = 1).
 * WW_ENOTFOUND when the year is outside the table. */
int vfm_deflator_at(double *index, int *interpolated, const struct vfm_deflators *d, int year,
                    struct err *e);

/* ---- 6-7. monetisation and uncertainty ---------------------------------- */

struct vfm_money_in {
	double mu_adj; /* adjusted log risk ratio */
	double se_adj; /* its standard error; ignored when !has_se */
	int has_se;
	double r;        /* baseline crimes per unit per year */
	double u_b;      /* unit cost of one crime, base-year prices */
	double c_b;      /* cost per unit, base-year prices */
	int recurring;   /* 1: C is per area-year; 0: one-off per participant */
	int horizon;     /* T, 1..VFM_HORIZON_MAX */
	double decay;    /* delta */
	double discount; /* rho */
};

struct vfm_money {
	int horizon;
	double a[VFM_HORIZON_MAX]; /* crimes prevented per unit in year t */
	double sum_a;
	double annuity; /* sum_t (1 - delta)^t / (1 + rho)^t */
	double pv_all;  /* r * U_B * annuity: PV were all baseline crime prevented */
	double pv_benefits, pv_costs, npv;
	int has_bcr; /* pv_costs > 0 */
	double bcr;
	int has_cost_per_crime; /* sum_a > 0 and pv_costs > 0 */
	double cost_per_crime;
	int has_breakeven;  /* r * U_B * annuity > 0 */
	double breakeven_k; /* pv_costs / (r * U_B * annuity) */
};

/* Section 6. WW_EINVALID on a horizon out of range or negative amounts. */
int vfm_money_compute(struct vfm_money *out, const struct vfm_money_in *in, struct err *e);

/* BCR for one value of the log risk ratio, given the computed money. */
double vfm_bcr_at(const struct vfm_money *m, double y);

/* Closed form P(BCR > 1) = Phi((ln(1 - k) - mu_adj) / se_adj), 0 when k >= 1
 * (section 7). Needs has_se and has_bcr; returns NAN otherwise. */
double vfm_p_closed(const struct vfm_money *m, const struct vfm_money_in *in);

/* Standard normal CDF. */
double vfm_phi(double x);

struct vfm_mc {
	int draws;
	uint64_t seed;
	double p_bcr_gt_1;       /* share of draws with BCR > 1 */
	double y_p05, y_p95;     /* percentiles of the drawn y (linear interpolation, type 7) */
	double bcr_p05, bcr_p95; /* BCR(y_p95) and BCR(y_p05): BCR falls as y rises */
};

/*
 * Monte Carlo over the effect (section 7): y_j ~ N(mu_adj, se_adj^2), drawn
 * with xoshiro256** seeded by splitmix64(seed) and the ziggurat method.
 * scratch, when not NULL, holds at least draws doubles; it is used only for
 * many draws (over about 30,000) or in the rare case the draws near the
 * percentiles must all be kept, and NULL allocates then. Needs has_se and
 * has_bcr in the inputs (WW_EINVALID otherwise); WW_ENOMEM.
 */
int vfm_monte_carlo(struct vfm_mc *out, const struct vfm_money *m, const struct vfm_money_in *in,
                    int draws, uint64_t seed, double *scratch, struct err *e);

/* A 64-bit FNV-1a hash step over len bytes, for seeds. Can't fail. */
uint64_t vfm_hash(uint64_t h, const void *buf, size_t len);
#define VFM_HASH_INIT 0xcbf29ce484222325ULL

/* ---- 8. bands ----------------------------------------------------------- */

enum vfm_band {
	VFM_BAND_INSUFFICIENT,
	VFM_BAND_POOR,
	VFM_BAND_LOW,
	VFM_BAND_MEDIUM,
	VFM_BAND_HIGH,
	VFM_BAND_VERY_HIGH,
	VFM_BAND_IMPLAUSIBLE, /* a BCR above 50: flagged, never a plain very-high */
};

/* Section 8: the band of a BCR; a lower bound belongs to the higher band. */
enum vfm_band vfm_band_of(double bcr);
/* "poor", "low", ..., "insufficient". */
const char *vfm_band_name(enum vfm_band b);

/* Why no BCR can be computed; the JSON names are the strings in VFM.md. */
enum vfm_reason {
	VFM_REASON_NONE = 0,
	VFM_REASON_NO_ESTIMATE,
	VFM_REASON_QUALITY_TOO_LOW,
	VFM_REASON_NO_UNIT_COST,
	VFM_REASON_NO_BASELINE,
	VFM_REASON_NO_COST,
	VFM_REASON_ZERO_COST,
	VFM_REASON_UNIT_MISMATCH,
	VFM_REASON_PRICE_YEAR,
	VFM_REASON_COUNT
};

/* "no-estimate", "quality-too-low", ...; "" for VFM_REASON_NONE. */
const char *vfm_reason_name(enum vfm_reason r);

/* Harmful: the adjusted 95 % CI lies wholly above 0. */
int vfm_is_harmful(double mu_adj, double se_adj, int has_se);

/* ---- 9. local projection ------------------------------------------------ */

struct vfm_projection_in {
	struct vfm_money_in money; /* the score's figures; money.r is per unit */
	int place;                 /* 1: place intervention, 0: person */
	double area_count;         /* place: recorded crimes in the area per year */
	double coverage;           /* place: share of the area's crime covered, 0..1 */
	double units;              /* participants or areas (> 0) */
	int draws;
	uint64_t seed;
};

struct vfm_projection {
	double r_total; /* baseline crimes a year at this scale */
	int horizon;
	double prevented[VFM_HORIZON_MAX]; /* crimes prevented in year t at this scale */
	double prevented_total;
	double pv_benefits, pv_costs, npv;
	int has_bcr;
	double bcr;
	int has_p; /* effect uncertainty known */
	double p_bcr_gt_1, p_closed;
	double bcr_p05, bcr_p95;             /* the 90 % interval */
	double prevented_p05, prevented_p95; /* first-year crimes prevented, 90 % */
};

/*
 * Scales a score to an area (section 9): place: r = area_count * coverage
 * (the covered crime, all units together), costs = units * C; person:
 * r = units * r per participant, costs = units * C. WW_EINVALID, WW_ENOMEM.
 */
int vfm_project(struct vfm_projection *out, const struct vfm_projection_in *in, struct err *e);

/* ---- the JSON layer ----------------------------------------------------- */

/*
 * Scores one intervention, one object per crime type found in the
 * evaluations' outcomes, sorted by crime type (keys: VFM.md). intervention
 * and the elements of evaluations are canonical evidence bodies; evaluations
 * not naming the intervention are ignored. reference is {"unit_costs": [...],
 * "deflators": [...]}. p may be NULL for the defaults. On success *out is a
 * new array the caller owns; a crime type that cannot be costed is still a
 * success (band "insufficient" with reasons). Returns WW_EINVALID for input
 * that breaks the contract, WW_ENOMEM.
 */
int vfm_score_intervention(json_t **out, const json_t *intervention, const json_t *evaluations,
                           const json_t *reference, const struct vfm_params *p, struct err *e);

/*
 * The headline score of an intervention: highest rating, then a computed
 * BCR before none, then most studies, then largest sample, then crime type
 * in byte order. Borrowed from scores; NULL when scores is empty.
 */
const json_t *vfm_headline(const json_t *scores);

/*
 * Local projection from a stored score object (one element of the array
 * vfm_score_intervention returns): see vfm_project. level is "person" or
 * "place". *out is a new object. WW_EINVALID when the score is insufficient
 * or lacks a figure; WW_ENOMEM.
 */
int vfm_project_json(json_t **out, const json_t *score, const char *level, double area_count,
                     double coverage, double units, struct err *e);

/*
 * A plain-words appraisal of the scores for a board paper. Returns malloc'd
 * text the caller frees, or NULL on out of memory.
 */
char *vfm_appraisal_text(const json_t *intervention, const json_t *scores);

#endif
