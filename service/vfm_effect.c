/*
 * vfm_effect.c - every effect measure to a log risk ratio (model section 1)
 *
 * One outcome in, y and s out, with a plain-words note of the conversion so
 * the API can show a reader how the number was obtained.
 */
#include "vfm.h"
#include "vocab.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* vocab_measures is in the order of enum vfm_measure */
_Static_assert(VFM_COUNTS == 5, "vocab_measures follows enum vfm_measure");

const char *vfm_measure_name(enum vfm_measure m)
{
	if ((int)m < 0 || (size_t)m >= vocab_count(vocab_measures))
		return NULL;
	return vocab_measures[m];
}

int vfm_measure_parse(const char *name)
{
	return vocab_index(vocab_measures, name);
}

/* s from the log bounds of a 95 % interval; no uncertainty for zero width. */
static void set_s_from_log_bounds(struct vfm_effect *out, double llo, double lhi)
{
	double s = (lhi - llo) / (2 * VFM_Z95);

	if (s > 0 && isfinite(s)) {
		out->s = s;
		out->has_s = 1;
	}
}

static void set_s(struct vfm_effect *out, double s)
{
	if (s > 0 && isfinite(s)) {
		out->s = s;
		out->has_s = 1;
	}
}

/* Zhang & Yu (1998): the risk ratio for an odds ratio at baseline risk p0. */
static double zhang_yu(double or_, double p0)
{
	return or_ / (1 - p0 + p0 * or_);
}

static int check_ci(const struct vfm_effect_in *in, double floor_, struct err *e)
{
	if (!in->has_ci)
		return 0;
	if (!(in->ci_lo > floor_) || !(in->ci_lo <= in->estimate) || !(in->estimate <= in->ci_hi))
		return err_set(e, WW_EINVALID,
		               "ci95 [%g, %g] must satisfy %g < lo <= estimate %g <= hi", in->ci_lo,
		               in->ci_hi, floor_, in->estimate);
	return 0;
}

static int check_se(const struct vfm_effect_in *in, struct err *e)
{
	if (in->has_se && !(in->se >= 0 && isfinite(in->se)))
		return err_set(e, WW_EINVALID, "se %g must be a number >= 0", in->se);
	return 0;
}

static int convert_ratio(struct vfm_effect *out, const struct vfm_effect_in *in, struct err *e)
{
	if (!(in->estimate > 0) || !isfinite(in->estimate))
		return err_set(e, WW_EINVALID, "%s estimate %g must be > 0",
		               vfm_measure_name(in->measure), in->estimate);
	if (check_ci(in, 0, e) || check_se(in, e))
		return WW_EINVALID;
	out->y = log(in->estimate);
	if (in->has_se) {
		set_s(out, in->se);
		snprintf(out->note, sizeof(out->note), "y = ln(%g); s = se %g", in->estimate,
		         in->se);
	} else if (in->has_ci) {
		set_s_from_log_bounds(out, log(in->ci_lo), log(in->ci_hi));
		snprintf(out->note, sizeof(out->note),
		         "y = ln(%g); s = (ln %g - ln %g) / (2 x 1.959964)", in->estimate,
		         in->ci_hi, in->ci_lo);
	} else {
		snprintf(out->note, sizeof(out->note), "y = ln(%g); no ci95 or se", in->estimate);
	}
	return 0;
}

static int convert_percent(struct vfm_effect *out, const struct vfm_effect_in *in, struct err *e)
{
	if (!(in->estimate > -100) || !isfinite(in->estimate))
		return err_set(e, WW_EINVALID, "percent-change estimate %g must be > -100",
		               in->estimate);
	if (check_ci(in, -100, e) || check_se(in, e))
		return WW_EINVALID;
	out->y = log1p(in->estimate / 100);
	if (in->has_se) {
		set_s(out, in->se);
		snprintf(out->note, sizeof(out->note), "y = ln(1 + %g/100); s = se %g",
		         in->estimate, in->se);
	} else if (in->has_ci) {
		set_s_from_log_bounds(out, log1p(in->ci_lo / 100), log1p(in->ci_hi / 100));
		snprintf(out->note, sizeof(out->note),
		         "y = ln(1 + %g/100); s from ci95 [%g, %g] %% mapped the same way",
		         in->estimate, in->ci_lo, in->ci_hi);
	} else {
		snprintf(out->note, sizeof(out->note), "y = ln(1 + %g/100); no ci95 or se",
		         in->estimate);
	}
	return 0;
}

/*
 * The shared tail of odds-ratio and smd: lor is ln OR; the interval is either
 * [llo, lhi] on the log scale (has_bounds) or a standard error of ln OR.
 */
static void convert_log_or(struct vfm_effect *out, const struct vfm_effect_in *in, double lor,
                           int has_bounds, double llo, double lhi, int has_sl, double sl,
                           const char *how)
{
	if (in->has_p0) {
		double p0 = in->p0;

		/* with only a standard error, convert the interval it implies */
		if (!has_bounds && has_sl) {
			llo = lor - VFM_Z95 * sl;
			lhi = lor + VFM_Z95 * sl;
			has_bounds = 1;
		}
		out->y = log(zhang_yu(exp(lor), p0));
		if (has_bounds)
			set_s_from_log_bounds(out, log(zhang_yu(exp(llo), p0)),
			                      log(zhang_yu(exp(lhi), p0)));
		snprintf(out->note, sizeof(out->note),
		         "%sRR = OR / (1 - p0 + p0 x OR) with p0 = %g (Zhang & Yu) on the "
		         "estimate%s",
		         how, p0, has_bounds ? " and both 95 % bounds" : "; no ci95 or se");
		return;
	}
	out->y = lor;
	out->approximated = 1;
	if (has_sl)
		set_s(out, sl);
	else if (has_bounds)
		set_s_from_log_bounds(out, llo, lhi);
	snprintf(out->note, sizeof(out->note),
	         "%sno baseline risk: the odds ratio is taken as the risk ratio (approximated)%s",
	         how, has_sl || has_bounds ? "" : "; no ci95 or se");
}

static int convert_or(struct vfm_effect *out, const struct vfm_effect_in *in, struct err *e)
{
	if (!(in->estimate > 0) || !isfinite(in->estimate))
		return err_set(e, WW_EINVALID, "odds-ratio estimate %g must be > 0", in->estimate);
	if (check_ci(in, 0, e) || check_se(in, e))
		return WW_EINVALID;
	convert_log_or(out, in, log(in->estimate), in->has_ci && !in->has_se,
	               in->has_ci ? log(in->ci_lo) : 0, in->has_ci ? log(in->ci_hi) : 0, in->has_se,
	               in->se, "");
	return 0;
}

static int convert_smd(struct vfm_effect *out, const struct vfm_effect_in *in, struct err *e)
{
	const double c = M_PI / sqrt(3.0);
	char how[80];

	if (!isfinite(in->estimate))
		return err_set(e, WW_EINVALID, "smd estimate must be a number");
	if (in->has_ci && !(in->ci_lo <= in->estimate && in->estimate <= in->ci_hi))
		return err_set(e, WW_EINVALID, "ci95 [%g, %g] must contain the estimate %g",
		               in->ci_lo, in->ci_hi, in->estimate);
	if (check_se(in, e))
		return WW_EINVALID;
	snprintf(how, sizeof(how), "ln OR = %g x pi/sqrt(3) (Chinn); ", in->estimate);
	convert_log_or(out, in, in->estimate * c, in->has_ci && !in->has_se, in->ci_lo * c,
	               in->ci_hi * c, in->has_se, in->se * c, how);
	return 0;
}

static int convert_counts(struct vfm_effect *out, const struct vfm_effect_in *in, struct err *e)
{
	double a, n1, c, n2;

	if (in->t_n < 1 || in->c_n < 1 || in->t_events < 0 || in->c_events < 0 ||
	    in->t_events > in->t_n || in->c_events > in->c_n)
		return err_set(e, WW_EINVALID,
		               "counts %ld/%ld vs %ld/%ld need 0 <= events <= n and n >= 1",
		               in->t_events, in->t_n, in->c_events, in->c_n);
	a = (double)in->t_events;
	n1 = (double)in->t_n;
	c = (double)in->c_events;
	n2 = (double)in->c_n;
	if (a == 0 || a == n1 || c == 0 || c == n2) {
		/* metafor escalc(measure = "RR"), add = 1/2, to = "only0" */
		a += 0.5;
		c += 0.5;
		n1 += 1;
		n2 += 1;
		out->zero_cell = 1;
	}
	out->y = log((a / n1) / (c / n2));
	set_s(out, sqrt(1 / a - 1 / n1 + 1 / c - 1 / n2));
	snprintf(out->note, sizeof(out->note),
	         "%sy = ln((%g/%g) / (%g/%g)); s = sqrt(1/a - 1/n1 + 1/c - 1/n2)",
	         out->zero_cell ? "zero cell: 0.5 added to every cell; " : "", a, n1, c, n2);
	return 0;
}

int vfm_effect_convert(struct vfm_effect *out, const struct vfm_effect_in *in, struct err *e)
{
	int rc;

	memset(out, 0, sizeof(*out));
	if (in->has_p0 && !(in->p0 >= 0 && in->p0 < 1))
		return err_set(e, WW_EINVALID, "baseline risk %g must be in [0, 1)", in->p0);
	switch (in->measure) {
	case VFM_RISK_RATIO:
	case VFM_RATE_RATIO: rc = convert_ratio(out, in, e); break;
	case VFM_PERCENT_CHANGE: rc = convert_percent(out, in, e); break;
	case VFM_ODDS_RATIO: rc = convert_or(out, in, e); break;
	case VFM_SMD: rc = convert_smd(out, in, e); break;
	case VFM_COUNTS: rc = convert_counts(out, in, e); break;
	default: return err_set(e, WW_EINVALID, "unknown effect measure %d", (int)in->measure);
	}
	if (rc == 0 && !isfinite(out->y))
		return err_set(e, WW_EINVALID, "effect does not give a finite log risk ratio");
	return rc;
}
