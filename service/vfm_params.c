/*
 * vfm_params.c - the model's parameters: defaults, checks, JSON
 */
#include "vfm.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>

struct vfm_params vfm_params_default(void)
{
	struct vfm_params p = {
	    .discount = 0.035,
	    .decay = 0,
	    .draws = 10000,
	    .base_year = 0,
	    .quality_m = {0, 0, 0.5, 0.75, 1.0},
	    .horizon_cap = 10,
	    .horizon_years = 0,
	    .seed_salt = 0,
	};
	return p;
}

int vfm_params_check(const struct vfm_params *p, struct err *e)
{
	int q;

	if (!(p->discount >= 0 && p->discount < 1))
		return err_set(e, WW_EINVALID, "discount rate %g must be in [0, 1)", p->discount);
	if (!(p->decay >= 0 && p->decay < 1))
		return err_set(e, WW_EINVALID, "decay %g must be in [0, 1)", p->decay);
	if (p->draws < 1 || p->draws > VFM_DRAWS_MAX)
		return err_set(e, WW_EINVALID, "draws %d must be 1 to %d", p->draws, VFM_DRAWS_MAX);
	if (p->base_year < 0)
		return err_set(e, WW_EINVALID, "base year %d must be a year, or 0 for the latest",
		               p->base_year);
	for (q = 1; q <= 5; q++)
		if (!(p->quality_m[q - 1] >= 0 && p->quality_m[q - 1] <= 1))
			return err_set(e, WW_EINVALID,
			               "quality multiplier for quality %d is %g; must be in [0, 1]",
			               q, p->quality_m[q - 1]);
	if (p->horizon_cap < 1 || p->horizon_cap > VFM_HORIZON_MAX)
		return err_set(e, WW_EINVALID, "horizon cap %d must be 1 to %d", p->horizon_cap,
		               VFM_HORIZON_MAX);
	if (p->horizon_years < 0 || p->horizon_years > VFM_HORIZON_MAX)
		return err_set(e, WW_EINVALID, "horizon %d must be 0 (from follow-up) or 1 to %d",
		               p->horizon_years, VFM_HORIZON_MAX);
	return 0;
}

json_t *vfm_params_to_json(const struct vfm_params *p)
{
	json_t *o, *m;
	char salt[24];
	int q, bad = 0;

	o = json_object();
	m = json_object();
	if (o == NULL || m == NULL)
		goto fail;
	for (q = 5; q >= 1; q--) {
		char key[2] = {(char)('0' + q), '\0'};

		bad |= json_object_set_new(m, key, json_real(p->quality_m[q - 1]));
	}
	snprintf(salt, sizeof(salt), "%016" PRIx64, p->seed_salt);
	bad |= json_object_set_new(o, "model_version", json_integer(VFM_MODEL_VERSION));
	bad |= json_object_set_new(o, "discount", json_real(p->discount));
	bad |= json_object_set_new(o, "decay", json_real(p->decay));
	bad |= json_object_set_new(o, "draws", json_integer(p->draws));
	bad |= json_object_set_new(o, "base_year",
	                           p->base_year ? json_integer(p->base_year) : json_null());
	bad |= json_object_set(o, "quality_multipliers", m);
	bad |= json_object_set_new(o, "horizon_cap", json_integer(p->horizon_cap));
	bad |= json_object_set_new(o, "horizon_years",
	                           p->horizon_years ? json_integer(p->horizon_years) : json_null());
	bad |= json_object_set_new(o, "seed_salt", json_string(salt));
	json_decref(m);
	if (bad)
		goto fail_o;
	return o;
fail:
	json_decref(m);
fail_o:
	json_decref(o);
	return NULL;
}
