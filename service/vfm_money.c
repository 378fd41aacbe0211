/*
 * vfm_money.c - from an effect to pounds: price rebasing with the GDP
 * deflator, present values and the benefit-cost ratio (model section 6), the
 * Monte Carlo "chance benefits exceed costs" and its closed form (7), and the
 * local projection (9)
 *
 * The generator is xoshiro256** (Blackman & Vigna 2018) seeded through
 * splitmix64; normals come from the ziggurat method. All are written out
 * here from their published definitions so the numbers never depend on the
 * C library's rand().
 */
#include "vfm.h"

#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <threads.h>

/* ---- prices ------------------------------------------------------------- */

static int cmp_deflator(const void *a, const void *b)
{
	const struct vfm_deflator *x = a, *y = b;

	return (x->year > y->year) - (x->year < y->year);
}

int vfm_deflators_init(struct vfm_deflators *out, const struct vfm_deflator *v, size_t n,
                       struct err *e)
{
	size_t i;

	out->v = NULL;
	out->n = 0;
	if (n == 0)
		return err_set(e, WW_EINVALID, "the deflator table is empty");
	out->v = malloc(n * sizeof(*out->v));
	if (out->v == NULL)
		return err_set(e, WW_ENOMEM, "out of memory for the deflator table");
	memcpy(out->v, v, n * sizeof(*v));
	qsort(out->v, n, sizeof(*out->v), cmp_deflator);
	out->n = n;
	for (i = 0; i < n; i++) {
		if (!(out->v[i].index > 0) || !isfinite(out->v[i].index)) {
			err_set(e, WW_EINVALID, "deflator for %d: index %g must be > 0",
			        out->v[i].year, out->v[i].index);
			goto fail;
		}
		if (i > 0 && out->v[i].year == out->v[i - 1].year) {
			err_set(e, WW_EINVALID, "deflator year %d appears twice", out->v[i].year);
			goto fail;
		}
	}
	return 0;
fail:
	vfm_deflators_free(out);
	return WW_EINVALID;
}

void vfm_deflators_free(struct vfm_deflators *d)
{
	if (d == NULL)
		return;
	free(d->v);
	d->v = NULL;
	d->n = 0;
}

int vfm_deflator_at(double *index, int *interpolated, const struct vfm_deflators *d, int year,
                    struct err *e)
{
	size_t i;

	*index = NAN;
	*interpolated = 0;
	if (d->n == 0 || year < d->v[0].year || year > d->v[d->n - 1].year)
		return err_set(e, WW_ENOTFOUND,
		               "price year %d is outside the deflator table (%d to %d)", year,
		               d->n ? d->v[0].year : 0, d->n ? d->v[d->n - 1].year : 0);
	for (i = 0; i < d->n; i++) {
		if (d->v[i].year == year) {
			*index = d->v[i].index;
			return 0;
		}
		if (d->v[i].year > year) {
			const struct vfm_deflator *lo = &d->v[i - 1], *hi = &d->v[i];
			double f = (double)(year - lo->year) / (double)(hi->year - lo->year);

			*index = lo->index * pow(hi->index / lo->index, f);
			*interpolated = 1;
			return 0;
		}
	}
	return err_set(e, WW_ENOTFOUND, "price year %d not found", year);
}

/* ---- present values ----------------------------------------------------- */

int vfm_money_compute(struct vfm_money *out, const struct vfm_money_in *in, struct err *e)
{
	double gain, pv_c = 0, disc = 1, keep = 1;
	int t;

	memset(out, 0, sizeof(*out));
	if (in->horizon < 1 || in->horizon > VFM_HORIZON_MAX)
		return err_set(e, WW_EINVALID, "horizon %d must be 1 to %d years", in->horizon,
		               VFM_HORIZON_MAX);
	if (!(in->r >= 0) || !(in->u_b >= 0) || !(in->c_b >= 0) || !(in->discount > -1) ||
	    !(in->decay >= 0 && in->decay < 1) || !isfinite(in->mu_adj))
		return err_set(
		    e, WW_EINVALID,
		    "monetisation needs r, U and C >= 0, 0 <= decay < 1, a finite effect");
	out->horizon = in->horizon;
	gain = 1 - exp(in->mu_adj);
	for (t = 0; t < in->horizon; t++) {
		out->a[t] = in->r * gain * keep;
		out->sum_a += out->a[t];
		out->annuity += keep / disc;
		out->pv_benefits += out->a[t] * in->u_b / disc;
		pv_c += in->c_b / disc;
		disc *= 1 + in->discount;
		keep *= 1 - in->decay;
	}
	out->pv_costs = in->recurring ? pv_c : in->c_b;
	out->npv = out->pv_benefits - out->pv_costs;
	out->pv_all = in->r * in->u_b * out->annuity;
	out->bcr = NAN;
	out->cost_per_crime = NAN;
	out->breakeven_k = NAN;
	if (out->pv_costs > 0) {
		out->has_bcr = 1;
		out->bcr = out->pv_benefits / out->pv_costs;
		if (out->sum_a > 0) {
			out->has_cost_per_crime = 1;
			out->cost_per_crime = out->pv_costs / out->sum_a;
		}
	}
	if (out->pv_all > 0) {
		out->has_breakeven = 1;
		out->breakeven_k = out->pv_costs / out->pv_all;
	}
	return 0;
}

double vfm_bcr_at(const struct vfm_money *m, double y)
{
	if (!m->has_bcr)
		return NAN;
	return m->pv_all * -expm1(y) / m->pv_costs;
}

double vfm_phi(double x)
{
	return 0.5 * erfc(-x / M_SQRT2);
}

double vfm_p_closed(const struct vfm_money *m, const struct vfm_money_in *in)
{
	if (!in->has_se || !m->has_bcr || !(in->se_adj > 0))
		return NAN;
	if (!m->has_breakeven || m->breakeven_k >= 1)
		return 0;
	return vfm_phi((log1p(-m->breakeven_k) - in->mu_adj) / in->se_adj);
}

/* ---- the generator ------------------------------------------------------ */

uint64_t vfm_hash(uint64_t h, const void *buf, size_t len)
{
	const unsigned char *p = buf;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static inline uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

/* xoshiro256** on a state in four scalars, which the hot loop keeps in
 * registers (an array whose address goes to zig_slow would live in memory). */
static inline uint64_t xoshiro4(uint64_t *s0, uint64_t *s1, uint64_t *s2, uint64_t *s3)
{
	uint64_t r = rotl(*s1 * 5, 7) * 9, t = *s1 << 17;

	*s2 ^= *s0;
	*s3 ^= *s1;
	*s1 ^= *s2;
	*s0 ^= *s3;
	*s2 ^= t;
	*s3 = rotl(*s3, 45);
	return r;
}

static inline uint64_t xoshiro(uint64_t s[4])
{
	return xoshiro4(&s[0], &s[1], &s[2], &s[3]);
}

/*
 * Standard normals by the ziggurat method (Marsaglia & Tsang 2000) with 128
 * layers, in a 64-bit form: of each xoshiro output, bits 0-6 pick the layer,
 * bit 7 the sign and bits 11-63 the position, so no bit serves twice. The
 * layer table is a pure function of the constants, built on the first call
 * (call_once); it holds no state that depends on what was drawn.
 */
#define ZIG_N 128
#define ZIG_R 3.442619855899        /* start of the tail */
#define ZIG_V 9.91256303526217e-3   /* area of every layer */
#define ZIG_2P53 9007199254740992.0 /* 2^53 */

static struct {
	double x[ZIG_N + 1];  /* layer i spans [0, x[i]) between f(x[i]) and f(x[i+1]) */
	double f[ZIG_N + 1];  /* f(x) = exp(-x^2/2) */
	double w[ZIG_N];      /* x[i] / 2^53 */
	double ws[2 * ZIG_N]; /* w[i] at i, -w[i] at i + ZIG_N: bit 7 of a draw is the sign */
	uint64_t k[ZIG_N];    /* x[i+1] / x[i] * 2^53: below it, inside the next layer up */
	/* In the wedge of layer i, q = -x^2/2 lies in [-x[i]^2/2, -x[i+1]^2/2]
	 * where exp is convex: above the tangent at the middle, below the
	 * chord. lo_a + lo_b q and hi_a + hi_b q are those lines moved by a
	 * relative 1e-9, far more than the rounding of exp (one ulp) and of
	 * the lines themselves, so y below the first is below exp(q) and y
	 * above the second is not: exp is needed only in between. */
	double lo_a[ZIG_N], lo_b[ZIG_N], hi_a[ZIG_N], hi_b[ZIG_N];
} zig;
static once_flag zig_once = ONCE_FLAG_INIT;

static void zig_init(void)
{
	int i;

	zig.x[1] = ZIG_R;
	zig.f[1] = exp(-0.5 * ZIG_R * ZIG_R);
	zig.x[0] = ZIG_V / zig.f[1];
	zig.f[0] = 0;
	for (i = 1; i < ZIG_N - 1; i++) {
		zig.x[i + 1] = sqrt(-2 * log(zig.f[i] + ZIG_V / zig.x[i]));
		zig.f[i + 1] = exp(-0.5 * zig.x[i + 1] * zig.x[i + 1]);
	}
	zig.x[ZIG_N] = 0;
	zig.f[ZIG_N] = 1;
	for (i = 0; i < ZIG_N; i++) {
		zig.w[i] = zig.x[i] / ZIG_2P53;
		zig.ws[i] = zig.w[i];
		zig.ws[i + ZIG_N] = -zig.w[i];
		zig.k[i] = (uint64_t)(zig.x[i + 1] / zig.x[i] * ZIG_2P53);
	}
	for (i = 1; i < ZIG_N; i++) {
		double q0 = -0.5 * zig.x[i] * zig.x[i], q1 = -0.5 * zig.x[i + 1] * zig.x[i + 1];
		double qm = 0.5 * (q0 + q1), em = exp(qm), e0 = exp(q0), e1 = exp(q1);
		double slope = (e1 - e0) / (q1 - q0);

		zig.lo_a[i] = em * (1 - qm) * (1 - 1e-9);
		zig.lo_b[i] = em * (1 - 1e-9);
		zig.hi_a[i] = (e0 - slope * q0) * (1 + 1e-9);
		zig.hi_b[i] = slope * (1 + 1e-9);
	}
}

/* Uniform in [0, 1) with 53 random bits. */
static inline double unit(uint64_t s[4])
{
	return (double)(int64_t)(xoshiro(s) >> 11) * 0x1.0p-53;
}

static double zig_slow(uint64_t s[4], int i, double x)
{
	for (;;) {
		uint64_t u;
		int neg;

		if (i == 0) { /* the tail beyond R (Marsaglia 1964) */
			double t, y;

			do {
				t = -log1p(-unit(s)) / ZIG_R;
				y = -log1p(-unit(s));
			} while (y + y < t * t);
			return x < 0 ? -(ZIG_R + t) : ZIG_R + t;
		}
		{
			double y = zig.f[i] + unit(s) * (zig.f[i + 1] - zig.f[i]), q = -0.5 * x * x;

			/* y < exp(q), with exp only when the lines cannot tell */
			if (y < zig.lo_a[i] + zig.lo_b[i] * q)
				return x;
			if (!(y > zig.hi_a[i] + zig.hi_b[i] * q) && y < exp(q))
				return x;
		}
		u = xoshiro(s);
		i = (int)(u & (ZIG_N - 1));
		neg = (int)(u >> 7) & 1;
		x = (double)(int64_t)(u >> 11) * zig.w[i];
		if ((u >> 11) < zig.k[i])
			return neg ? -x : x;
		if (neg)
			x = -x;
	}
}

/*
 * Where the draws go. Every draw z is counted against thr. A draw with |z|
 * in [a_lo, a_hi] is kept: a negative one at the front of v, a positive one
 * at the back; the draws below -a_hi and above a_hi are only counted. Two
 * windows around the 5th and 95th percentiles keep a few hundred of 10,000
 * draws without a second pass over them; a_lo = 0, a_hi = infinity keeps
 * every draw. v has cap slots: draws beyond them are counted in n_lo or n_hi
 * but not kept, so the caller checks n_lo + n_hi <= cap.
 */
struct sink {
	double thr, a_lo, a_hi; /* 0 <= a_lo <= a_hi */
	double *v;
	size_t cap, n;
	size_t n_lo, n_hi;   /* kept: v[0..n_lo) and v[cap - n_hi..cap) */
	size_t below, above; /* how many < -a_hi and > a_hi */
	long hits;           /* how many < thr */
};

/* Draws are made in blocks, then counted a block at a time, two at once
 * (GCC vector extensions: SSE2 on x86-64, plain code elsewhere). */
#define BLOCK 64
#define SIGN 0x8000000000000000ULL
typedef double vd2 __attribute__((vector_size(16)));
typedef long long vl2 __attribute__((vector_size(16)));

/* n = k->n standard normals from seed into k (see struct sink). */
static void draw(struct sink *k, uint64_t seed)
{
	const double thr = k->thr;
	double blk[BLOCK], *top = k->v + k->cap - 1;
	uint64_t s[4], x = seed, s0, s1, s2, s3, w_lo, w_span;
	size_t j, b, len, n = k->n, cap = k->cap, n_lo = 0, n_hi = 0;
	vd2 vthr = {thr, thr}, vlo = {-k->a_hi, -k->a_hi}, vhi = {k->a_hi, k->a_hi};
	vl2 vhits = {0, 0}, vbelow = {0, 0}, vabove = {0, 0};

	/* the bits of doubles >= 0 are ordered as the doubles are: one unsigned
	 * comparison tests a_lo <= |z| <= a_hi */
	memcpy(&w_lo, &k->a_lo, sizeof(w_lo));
	memcpy(&w_span, &k->a_hi, sizeof(w_span));
	w_span -= w_lo;
	call_once(&zig_once, zig_init);
	s0 = splitmix64(&x);
	s1 = splitmix64(&x);
	s2 = splitmix64(&x);
	s3 = splitmix64(&x);
	for (j = 0; j < n; j += len) {
		len = n - j < BLOCK ? n - j : BLOCK;
		for (b = 0; b < len; b++) {
			uint64_t u = xoshiro4(&s0, &s1, &s2, &s3), m = u >> 11, bits;
			int i = (int)(u & (ZIG_N - 1));
			/* the sign from the table, not a branch that would miss half
			 * the time: m * -w is -(m * w) exactly */
			double z = (double)(int64_t)m * zig.ws[u & (2 * ZIG_N - 1)];

			if (__builtin_expect(m >= zig.k[i], 0)) {
				s[0] = s0;
				s[1] = s1;
				s[2] = s2;
				s[3] = s3;
				z = zig_slow(s, i, z);
				s0 = s[0];
				s1 = s[1];
				s2 = s[2];
				s3 = s[3];
			}
			blk[b] = z;
			memcpy(&bits, &z, sizeof(bits));
			if (__builtin_expect((bits & ~SIGN) - w_lo <= w_span, 0)) {
				size_t neg = (size_t)(bits >> 63);

				if (n_lo + n_hi < cap) { /* both slots are free */
					k->v[n_lo] = z;
					top[-(ptrdiff_t)n_hi] = z;
				}
				n_lo += neg;
				n_hi += 1 - neg;
			}
		}
		for (; b < BLOCK; b++)
			blk[b] = NAN; /* in no count */
		for (b = 0; b < BLOCK; b += 2) {
			vd2 z;

			memcpy(&z, &blk[b], sizeof(z));
			/* a true comparison is -1 in every bit */
			vhits -= (vl2)(z < vthr);
			vbelow -= (vl2)(z < vlo);
			vabove -= (vl2)(z > vhi);
		}
	}
	k->n_lo = n_lo;
	k->n_hi = n_hi;
	k->below = (size_t)(vbelow[0] + vbelow[1]);
	k->above = (size_t)(vabove[0] + vabove[1]);
	k->hits = (long)(vhits[0] + vhits[1]);
}

/* ---- order statistics --------------------------------------------------- */

static inline void swap(double *a, double *b)
{
	double t = *a;

	*a = *b;
	*b = t;
}

/*
 * Rearranges v so that v[k] is the k-th smallest, nothing before it larger
 * and nothing after it smaller: quickselect with a median of three and
 * Lomuto's partition written without a branch on the comparison (random
 * draws would make such a branch miss half the time). Each draw is swapped
 * forward when it is below the pivot, by moving the index, not by a jump.
 */
static void select_kth(double *v, size_t n, size_t k)
{
	size_t lo = 0, hi = n - 1; /* inclusive */

	while (hi > lo) {
		size_t mid = lo + (hi - lo) / 2, i, store = lo;
		double pivot;

		if (v[mid] < v[lo])
			swap(&v[mid], &v[lo]);
		if (v[hi] < v[lo])
			swap(&v[hi], &v[lo]);
		if (v[hi] < v[mid])
			swap(&v[hi], &v[mid]);
		swap(&v[mid], &v[hi]); /* the median is the pivot, at the end */
		pivot = v[hi];
		for (i = lo; i < hi; i++) {
			double x = v[i];

			v[i] = v[store];
			v[store] = x;
			store += x < pivot;
		}
		swap(&v[store], &v[hi]); /* v[lo..store) < pivot <= v(store..hi] */
		if (k == store)
			return;
		if (k < store)
			hi = store - 1;
		else
			lo = store + 1;
	}
}

/*
 * The type-7 value at fractional rank h (0-based, over all draws) from the
 * kept draws v[0..n), whose smallest has rank first among all draws;
 * reorders v. 0, or -1 when the ranks it needs (floor(h), and floor(h) + 1
 * unless h is whole) were not kept.
 */
static int at_rank(double *out, double *v, size_t n, size_t first, double h)
{
	size_t lo = (size_t)floor(h), k, i;
	double frac = h - (double)lo, lo_v, hi_v;

	if (lo < first || (k = lo - first) >= n || (frac != 0 && k + 1 >= n))
		return -1;
	select_kth(v, n, k);
	lo_v = v[k];
	if (frac == 0) {
		*out = lo_v;
		return 0;
	}
	hi_v = v[k + 1];
	for (i = k + 2; i < n; i++)
		if (v[i] < hi_v)
			hi_v = v[i];
	*out = lo_v + frac * (hi_v - lo_v);
	return 0;
}

#define KEEP_CAP 1024 /* kept draws on the stack (8 KiB) */

/*
 * The Monte Carlo on the standard normals: n draws from seed, how many lie
 * below threshold, and their 5th and 95th percentiles (type 7, R's default).
 * From 1,000 draws on, only the draws in a window of +/- 5 standard errors
 * (of the sample quantile) around each normal quantile are kept, on the
 * stack while they fit (n up to about 30,000). In the rare case a percentile
 * falls outside its window, the same draws are made again and all kept, in
 * scratch (n slots) or, when scratch is NULL, in memory allocated here.
 * Either way the result is the same, only the time differs. 0 or WW_ENOMEM.
 */
static int percentiles(double *scratch, size_t n, uint64_t seed, double threshold, long *hits,
                       double *q05, double *q95)
{
	const double zq = 1.6448536269514722, dens = 0.10313564037537128; /* z_0.95, phi(z) */
	double h05 = (double)(n - 1) * 0.05, h95 = (double)(n - 1) * 0.95, keep[KEEP_CAP];
	double *v = scratch;
	struct sink k = {.thr = threshold, .n = n};

	if (n >= 1000) {
		double w = (5 * sqrt(0.05 * 0.95 / (double)n) + 2.0 / (double)n) / dens;
		double expect = 2 * (double)n * 2 * w * dens; /* kept, both windows */

		k.a_lo = zq - w;
		k.a_hi = zq + w;
		if (expect + 8 * sqrt(expect) < KEEP_CAP) {
			k.v = keep;
			k.cap = KEEP_CAP;
		} else {
			if (v == NULL && (v = malloc(n * sizeof(*v))) == NULL)
				return WW_ENOMEM;
			k.v = v;
			k.cap = n;
		}
		draw(&k, seed);
		if (k.n_lo + k.n_hi <= k.cap && at_rank(q05, k.v, k.n_lo, k.below, h05) == 0 &&
		    at_rank(q95, k.v + k.cap - k.n_hi, k.n_hi, n - k.above - k.n_hi, h95) == 0)
			goto done;
	}
	if (v == NULL && (v = malloc(n * sizeof(*v))) == NULL)
		return WW_ENOMEM;
	k.v = v;
	k.cap = n;
	k.a_lo = 0;
	k.a_hi = INFINITY;
	draw(&k, seed);
	at_rank(q05, v, n, 0, h05);
	at_rank(q95, v, n, 0, h95);
done:
	*hits = k.hits;
	if (v != scratch)
		free(v);
	return 0;
}

/* ---- Monte Carlo -------------------------------------------------------- */

int vfm_monte_carlo(struct vfm_mc *out, const struct vfm_money *m, const struct vfm_money_in *in,
                    int draws, uint64_t seed, double *scratch, struct err *e)
{
	double threshold, q05, q95;
	long hits = 0;

	memset(out, 0, sizeof(*out));
	if (!in->has_se || !(in->se_adj > 0) || !m->has_bcr)
		return err_set(e, WW_EINVALID, "Monte Carlo needs a standard error and a BCR");
	if (draws < 1 || draws > VFM_DRAWS_MAX)
		return err_set(e, WW_EINVALID, "draws %d must be 1 to %d", draws, VFM_DRAWS_MAX);
	/*
	 * BCR(y) > 1 <=> y < ln(1 - k), and y = mu + se z, so the count runs on
	 * the standard normals; k >= 1 (or no benefit at all) means never.
	 */
	threshold = -INFINITY;
	if (m->has_breakeven && m->breakeven_k < 1)
		threshold = (log1p(-m->breakeven_k) - in->mu_adj) / in->se_adj;
	if (percentiles(scratch, (size_t)draws, seed, threshold, &hits, &q05, &q95) != 0)
		return err_set(e, WW_ENOMEM, "out of memory for %d draws", draws);
	out->draws = draws;
	out->seed = seed;
	out->p_bcr_gt_1 = (double)hits / draws;
	/* y is increasing in z and BCR decreasing in y: percentiles map across */
	out->y_p05 = in->mu_adj + in->se_adj * q05;
	out->y_p95 = in->mu_adj + in->se_adj * q95;
	out->bcr_p05 = vfm_bcr_at(m, out->y_p95);
	out->bcr_p95 = vfm_bcr_at(m, out->y_p05);
	return 0;
}

/* ---- local projection --------------------------------------------------- */

int vfm_project(struct vfm_projection *out, const struct vfm_projection_in *in, struct err *e)
{
	struct vfm_money_in mi = in->money;
	struct vfm_money m;
	struct vfm_mc mc;
	int rc, t;

	memset(out, 0, sizeof(*out));
	if (!(in->units > 0) || !isfinite(in->units))
		return err_set(e, WW_EINVALID, "units %g must be > 0", in->units);
	if (in->place) {
		if (!(in->area_count >= 0) || !(in->coverage >= 0 && in->coverage <= 1))
			return err_set(e, WW_EINVALID,
			               "area count %g must be >= 0 and coverage %g in [0, 1]",
			               in->area_count, in->coverage);
		mi.r = in->area_count * in->coverage;
	} else {
		mi.r = in->money.r * in->units;
	}
	mi.c_b = in->money.c_b * in->units;
	if ((rc = vfm_money_compute(&m, &mi, e)) != 0)
		return rc;
	out->r_total = mi.r;
	out->horizon = m.horizon;
	for (t = 0; t < m.horizon; t++)
		out->prevented[t] = m.a[t];
	out->prevented_total = m.sum_a;
	out->pv_benefits = m.pv_benefits;
	out->pv_costs = m.pv_costs;
	out->npv = m.npv;
	out->has_bcr = m.has_bcr;
	out->bcr = m.bcr;
	out->p_bcr_gt_1 = out->p_closed = NAN;
	out->bcr_p05 = out->bcr_p95 = NAN;
	out->prevented_p05 = out->prevented_p95 = NAN;
	if (!mi.has_se || !(mi.se_adj > 0) || !m.has_bcr)
		return 0;
	if ((rc = vfm_monte_carlo(&mc, &m, &mi, in->draws, in->seed, NULL, e)) != 0)
		return rc;
	out->has_p = 1;
	out->p_bcr_gt_1 = mc.p_bcr_gt_1;
	out->p_closed = vfm_p_closed(&m, &mi);
	out->bcr_p05 = mc.bcr_p05;
	out->bcr_p95 = mc.bcr_p95;
	out->prevented_p05 = mi.r * -expm1(mc.y_p95);
	out->prevented_p95 = mi.r * -expm1(mc.y_p05);
	return 0;
}
