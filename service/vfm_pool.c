/*
 * vfm_pool.c - from effects to one judgement: DerSimonian-Laird pooling
 * (model section 3), the design-quality adjustment (4), the evidence rating
 * (5) and the bands (8)
 */
#include "vfm.h"

#include <math.h>
#include <string.h>

int vfm_pool_dl(struct vfm_pool *out, const struct vfm_effect *v, size_t n, struct err *e)
{
	double sw = 0, sw2 = 0, swy = 0, ybar, q = 0, c, sws = 0, swsy = 0;
	size_t i;
	int k = 0;

	memset(out, 0, sizeof(*out));
	if (n == 0)
		return err_set(e, WW_EINVALID, "no effects to pool");
	out->n = (int)n;
	for (i = 0; i < n; i++) {
		if (!isfinite(v[i].y))
			return err_set(e, WW_EINVALID, "effect %zu has no finite log risk ratio",
			               i);
		if (!v[i].has_s)
			continue;
		if (!(v[i].s > 0) || !isfinite(v[i].s))
			return err_set(e, WW_EINVALID, "effect %zu: standard error %g is not > 0",
			               i, v[i].s);
		k++;
	}
	out->k = k;
	if (k == 0) {
		double sum = 0;

		for (i = 0; i < n; i++)
			sum += v[i].y;
		out->mu = sum / (double)n;
		out->no_uncertainty = 1;
		out->se = NAN;
		out->ci_lo = NAN;
		out->ci_hi = NAN;
		return 0;
	}
	for (i = 0; i < n; i++) {
		double w;

		if (!v[i].has_s)
			continue;
		w = 1 / (v[i].s * v[i].s);
		sw += w;
		sw2 += w * w;
		swy += w * v[i].y;
	}
	ybar = swy / sw;
	for (i = 0; i < n; i++) {
		double d;

		if (!v[i].has_s)
			continue;
		d = v[i].y - ybar;
		q += d * d / (v[i].s * v[i].s);
	}
	if (k >= 2) {
		c = sw - sw2 / sw;
		out->tau2 = fmax(0, (q - (k - 1)) / c);
		out->q = q;
		out->i2 = q > 0 ? fmax(0, (q - (k - 1)) / q) : 0;
	}
	for (i = 0; i < n; i++) {
		double w;

		if (!v[i].has_s)
			continue;
		w = 1 / (v[i].s * v[i].s + out->tau2);
		sws += w;
		swsy += w * v[i].y;
	}
	out->mu = swsy / sws;
	out->se = 1 / sqrt(sws);
	out->ci_lo = out->mu - VFM_Z95 * out->se;
	out->ci_hi = out->mu + VFM_Z95 * out->se;
	return 0;
}

double vfm_quality_multiplier(const struct vfm_params *p, int quality)
{
	if (quality < 1 || quality > 5)
		return 0;
	return p->quality_m[quality - 1];
}

void vfm_rating_compute(struct vfm_rating *out, int quality, long studies, long sample_size,
                        int has_estimate)
{
	int r = quality;

	memset(out, 0, sizeof(*out));
	out->quality = quality;
	out->studies = studies;
	out->sample_size = sample_size < 0 ? -1 : sample_size;
	if (!has_estimate) {
		out->no_estimate = 1;
		return;
	}
	if (studies == 1) {
		out->single_study = 1;
		r--;
	}
	if (sample_size >= 0 && sample_size < 100) {
		out->small_sample = 1;
		r--;
	}
	out->rating = r < 0 ? 0 : r > 5 ? 5 : r;
}

enum vfm_band vfm_band_of(double bcr)
{
	if (isnan(bcr))
		return VFM_BAND_INSUFFICIENT;
	if (bcr >= 4)
		return VFM_BAND_VERY_HIGH;
	if (bcr >= 2)
		return VFM_BAND_HIGH;
	if (bcr >= 1.5)
		return VFM_BAND_MEDIUM;
	if (bcr >= 1)
		return VFM_BAND_LOW;
	return VFM_BAND_POOR;
}

const char *vfm_band_name(enum vfm_band b)
{
	switch (b) {
	case VFM_BAND_INSUFFICIENT: return "insufficient";
	case VFM_BAND_POOR: return "poor";
	case VFM_BAND_LOW: return "low";
	case VFM_BAND_MEDIUM: return "medium";
	case VFM_BAND_HIGH: return "high";
	case VFM_BAND_VERY_HIGH: return "very-high";
	case VFM_BAND_IMPLAUSIBLE: return "implausible";
	}
	return "insufficient";
}

const char *vfm_reason_name(enum vfm_reason r)
{
	switch (r) {
	case VFM_REASON_NONE: return "";
	case VFM_REASON_NO_ESTIMATE: return "no-estimate";
	case VFM_REASON_QUALITY_TOO_LOW: return "quality-too-low";
	case VFM_REASON_NO_UNIT_COST: return "no-unit-cost";
	case VFM_REASON_NO_BASELINE: return "no-baseline-rate";
	case VFM_REASON_NO_COST: return "no-cost";
	case VFM_REASON_ZERO_COST: return "zero-cost";
	case VFM_REASON_UNIT_MISMATCH: return "unit-mismatch";
	case VFM_REASON_PRICE_YEAR: return "price-year-out-of-range";
	case VFM_REASON_COUNT: break;
	}
	return "";
}

int vfm_is_harmful(double mu_adj, double se_adj, int has_se)
{
	if (!has_se)
		return 0;
	return mu_adj - VFM_Z95 * se_adj > 0;
}
