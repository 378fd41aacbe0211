/*
 * cmd_policeuk.c - `whatworks import police-uk` and `whatworks project`
 */
#include "api.h"
#include "cmd.h"
#include "db.h"
#include "policeuk.h"

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void import_usage(FILE *f)
{
	fprintf(f,
	        "usage: whatworks import police-uk [--months N] [--force ID] [--name NAME]\n\n"
	        "Imports recorded crime per force, month and category for the latest N months\n"
	        "(default 12, at most %d) that data.police.uk has published, from its monthly\n"
	        "street-level archives, streamed. Units (force, month) already stored from the\n"
	        "same publication are skipped, so a run after a crash resumes where it stopped.\n"
	        "Exit status: 0 imported (or already current), 1 failed, 2 usage.\n\n"
	        "Environment:\n",
	        POLICEUK_MONTHS_MAX);
	policeuk_settings_usage(f);
}

int cmd_import_policeuk(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"months", required_argument, NULL, 'm'},
	    {"force", required_argument, NULL, 'f'},
	    {"name", required_argument, NULL, 'n'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct policeuk_opts o = {.months = 12, .trigger = "manual"};
	struct policeuk_settings s;
	struct policeuk_result res;
	struct err e = {0};
	PGconn *c = NULL;
	int opt, rc;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (opt) {
		case 'm': {
			char *end;
			long v = strtol(optarg, &end, 10);
			if (*end != '\0' || v < 1 || v > POLICEUK_MONTHS_MAX) {
				fprintf(
				    stderr,
				    "whatworks import police-uk: --months must be from 1 to %d\n",
				    POLICEUK_MONTHS_MAX);
				return 2;
			}
			o.months = (int)v;
			break;
		}
		case 'f': o.force = optarg; break;
		case 'n': o.name = optarg; break;
		case 'h': import_usage(stdout); return 0;
		default: import_usage(stderr); return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "whatworks import police-uk: unexpected argument \"%s\"\n",
		        argv[optind]);
		return 2;
	}
	if (policeuk_settings_load(&s, &e) < 0) {
		fprintf(stderr, "whatworks: %s\n", e.msg);
		return 2;
	}
	if (cmd_open_db(&c) < 0)
		return 1;
	rc = policeuk_import(c, &s, &o, &res, &e);
	for (size_t i = 0; i < res.errs.n; i++) {
		char line[2048];
		ev_error_format(&res.errs.v[i], line, sizeof(line));
		printf("%s\n", line);
	}
	if (res.run_id > 0)
		printf("import run %lld %s (%s): data.police.uk published %s; %d months x %d "
		       "forces: %d units stored, %d already stored, %d failed; %ld rows read; "
		       "counts %d added, %d updated, %d unchanged, %d removed; %ld requests, "
		       "%.0f ms\n",
		       res.run_id, res.status, res.mode[0] ? res.mode : "-",
		       res.published[0] ? res.published : "?", res.months, res.forces,
		       res.units_stored, res.units_skipped, res.units_failed, res.rows, res.n.added,
		       res.n.updated, res.n.unchanged, res.n.removed, res.requests,
		       res.duration_ms);
	if (rc < 0)
		fprintf(stderr, "whatworks: %s\n", e.msg);
	policeuk_result_free(&res);
	db_close(c);
	return rc == 0 ? 0 : 1;
}

/* ---- whatworks project -------------------------------------------------- */

struct kv {
	const char *k[8], *v[8];
	size_t n;
};

static const char *kv_get(void *ctx, const char *name)
{
	struct kv *kv = ctx;
	for (size_t i = 0; i < kv->n; i++)
		if (strcmp(kv->k[i], name) == 0)
			return kv->v[i];
	return NULL;
}

static const char *kv_name_at(void *ctx, size_t i)
{
	struct kv *kv = ctx;
	return i < kv->n ? kv->k[i] : NULL;
}

static double num(const json_t *o, const char *k)
{
	const json_t *v = json_object_get(o, k);
	return json_is_number(v) ? json_number_value(v) : NAN;
}

/* 1234567.8 -> "1,234,568" */
static const char *grouped(char *buf, size_t size, double v)
{
	char raw[64];
	size_t n, o = 0, lead;
	int neg = v < 0;

	if (!isfinite(v))
		return "n/a";
	snprintf(raw, sizeof(raw), "%.0f", fabs(v));
	n = strlen(raw);
	lead = n % 3 ? n % 3 : 3;
	if (neg && o + 1 < size)
		buf[o++] = '-';
	for (size_t i = 0; i < n && o + 2 < size; i++) {
		if (i > 0 && (i - lead) % 3 == 0 && i >= lead)
			buf[o++] = ',';
		buf[o++] = raw[i];
	}
	buf[o] = '\0';
	return buf;
}

static void print_projection(const json_t *d)
{
	char a[40], b[40], c[40];
	const char *name = json_string_value(json_object_get(d, "intervention_name"));
	const char *area = json_string_value(json_object_get(d, "area_name"));
	const char *level = json_string_value(json_object_get(d, "level"));
	const char *cat = json_string_value(json_object_get(d, "category"));
	int place = level && strcmp(level, "place") == 0;
	double units = num(d, "units");

	printf("%s (%s) in %s (%s), crime type %s:\n", name ? name : "?",
	       json_string_value(json_object_get(d, "intervention")), area ? area : "?",
	       json_string_value(json_object_get(d, "area")),
	       json_string_value(json_object_get(d, "crime_type")));
	if (place)
		printf("  scale: %g area%s, covering %.0f%% of the area's recorded %s crime\n",
		       units, units == 1 ? "" : "s", num(d, "coverage") * 100, cat ? cat : "?");
	else
		printf("  scale: %g participant%s\n", units, units == 1 ? "" : "s");
	if (cat != NULL && json_is_string(json_object_get(d, "baseline_from")))
		printf(
		    "  recorded %s crime in the area: %s a year (data.police.uk, %s to %s%s)%s\n",
		    cat, grouped(a, sizeof(a), num(d, "area_count")),
		    json_string_value(json_object_get(d, "baseline_from")),
		    json_string_value(json_object_get(d, "baseline_to")),
		    json_is_true(json_object_get(d, "annualised")) ? ", annualised" : "",
		    place ? ""
		          : " (a ceiling only: the baseline of a person intervention comes from "
		            "its score)");
	printf("  baseline at this scale: %s crimes a year\n",
	       grouped(a, sizeof(a), num(d, "r_total")));
	printf("  crimes prevented: %s in the first year",
	       grouped(a, sizeof(a), num(d, "crimes_prevented_per_year")));
	if (isfinite(num(d, "crimes_prevented_p05")))
		printf(" (90%% interval %s to %s)",
		       grouped(b, sizeof(b), num(d, "crimes_prevented_p05")),
		       grouped(c, sizeof(c), num(d, "crimes_prevented_p95")));
	printf(", %s over %zu years\n", grouped(a, sizeof(a), num(d, "crimes_prevented_total")),
	       json_array_size(json_object_get(d, "crimes_prevented")));
	printf("  present value: benefits £%s, costs £%s, net £%s\n",
	       grouped(a, sizeof(a), num(d, "pv_benefits")),
	       grouped(b, sizeof(b), num(d, "pv_costs")), grouped(c, sizeof(c), num(d, "npv")));
	if (isfinite(num(d, "bcr"))) {
		printf("  benefit-cost ratio %.2f", num(d, "bcr"));
		if (isfinite(num(d, "bcr_p05")))
			printf(" (90%% interval %.2f to %.2f), chance it exceeds 1: %.0f%%",
			       num(d, "bcr_p05"), num(d, "bcr_p95"), num(d, "p_bcr_gt1") * 100);
		else
			printf(" (no uncertainty reported by the evidence)");
		printf(": value for money %s\n", json_string_value(json_object_get(d, "band")));
		if (json_is_true(json_object_get(d, "implausible")))
			printf("  IMPLAUSIBLE: %s\n",
			       json_string_value(json_object_get(d, "implausible_reason")));
	} else {
		printf("  no benefit-cost ratio: no costs\n");
	}
}

static void project_usage(FILE *f)
{
	fprintf(f, "usage: whatworks project ID --area FORCE [--units N] [--coverage X]\n"
	           "                          [--crime-type T] [--json]\n\n"
	           "What the intervention would do in a police force area at a scale: crimes\n"
	           "prevented, present values, the benefit-cost ratio and its uncertainty, from\n"
	           "its score and the area's latest 12 months of recorded crime (import them\n"
	           "with `whatworks import police-uk`). --units: how many are treated,\n"
	           "participants or areas (default 1); it scales the costs. --coverage: place\n"
	           "interventions only, and required there: the share (above 0, at most 1) of\n"
	           "the area's recorded crime that the treated areas hold together; it scales\n"
	           "the baseline crime. FORCE is one of the 43 forces of England and Wales.\n"
	           "--crime-type: default the headline score.\n");
}

int cmd_project(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"area", required_argument, NULL, 'a'},
	    {"units", required_argument, NULL, 'u'},
	    {"coverage", required_argument, NULL, 'c'},
	    {"crime-type", required_argument, NULL, 't'},
	    {"json", no_argument, NULL, 'j'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct kv kv = {0};
	struct api_params p = {kv_get, kv_name_at, &kv};
	struct api_result r;
	struct err e = {0};
	PGconn *c = NULL;
	const char *id = NULL;
	int opt, rc, json = 0;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (opt) {
		case 'a': kv.k[kv.n] = "area", kv.v[kv.n++] = optarg; break;
		case 'u': kv.k[kv.n] = "units", kv.v[kv.n++] = optarg; break;
		case 'c': kv.k[kv.n] = "coverage", kv.v[kv.n++] = optarg; break;
		case 't': kv.k[kv.n] = "crime_type", kv.v[kv.n++] = optarg; break;
		case 'j': json = 1; break;
		case 'h': project_usage(stdout); return 0;
		default: project_usage(stderr); return 2;
		}
		if (kv.n >= 6) {
			fprintf(stderr, "whatworks project: too many options\n");
			return 2;
		}
	}
	if (optind == argc - 1)
		id = argv[optind];
	if (id == NULL || kv_get(&kv, "area") == NULL) {
		project_usage(stderr);
		return 2;
	}
	if (cmd_open_db(&c) < 0)
		return 1;
	rc = api_intervention_projection(&r, c, id, &p, &e);
	db_close(c);
	if (rc < 0) {
		fprintf(stderr, "whatworks: %s\n", e.msg);
		return rc == WW_EINVALID ? 2 : 1;
	}
	if (json) {
		char *s = json_dumps(json_object_get(r.body, "data"), JSON_INDENT(2));
		printf("%s\n", s ? s : "{}");
		free(s);
	} else {
		print_projection(json_object_get(r.body, "data"));
	}
	api_result_free(&r);
	return 0;
}
