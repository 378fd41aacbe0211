/*
 * bench_vfm.c - how fast the value-for-money model runs on one core
 *
 * Prints (never asserts): the Monte Carlo for 1,000 interventions x 3 crime
 * types x 10,000 draws, nanoseconds per draw, and the time to score one
 * intervention from its JSON documents.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "vfm.h"

/* CPU time of this process: on a shared machine, wall time also counts the
 * neighbours' work. */
static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static const char *reference =
    "{\"unit_costs\": [{\"crime_type\": \"robbery\", \"amount\": 11320, \"unit\": \"crime\","
    " \"price_year\": 2015}, {\"crime_type\": \"violence-with-injury\", \"amount\": 14050,"
    " \"unit\": \"crime\", \"price_year\": 2015}],"
    " \"deflators\": [{\"year\": 2015, \"index\": 74.5804}, {\"year\": 2019, \"index\": 80.8738},"
    " {\"year\": 2024, \"index\": 100.0}]}";

static const char *intervention =
    "{\"id\": \"bench-iv\", \"name\": \"Bench\", \"level\": \"person\"}";

static json_t *evaluations(void)
{
	json_t *a = json_array();
	int i;

	for (i = 0; i < 8; i++) {
		json_t *e = json_pack(
		    "{s:s#, s:s, s:s, s:i, s:i, s:[{s:s, s:{s:s, s:f, s:[f,f]}, s:{s:f, s:s}, s:i},"
		    " {s:s, s:{s:s, s:{s:i,s:i}, s:{s:i,s:i}}, s:{s:f, s:s}}],"
		    " s:{s:f, s:s, s:i}}",
		    "id", (char[]){'e', 'v', (char)('a' + i)}, 3, "intervention", "bench-iv",
		    "design", "rct", "quality", 3 + i % 3, "sample_size", 100 + 37 * i, "outcomes",
		    "crime_type", "robbery", "effect", "measure", "risk-ratio", "estimate",
		    0.7 + 0.03 * i, "ci95", 0.5 + 0.02 * i, 0.95 + 0.02 * i, "baseline", "rate",
		    0.4, "per", "participant", "follow_up_months", 24, "crime_type",
		    "violence-with-injury", "effect", "measure", "counts", "treatment", "events",
		    40 + i, "n", 150, "control", "events", 55, "n", 150, "baseline", "rate", 0.3,
		    "per", "participant", "cost", "amount", 400.0 + i, "per", "participant",
		    "price_year", 2019);
		json_array_append_new(a, e);
	}
	return a;
}

int main(void)
{
	const int n_scores = 3000, draws = 10000, reps = 200;
	double *scratch = malloc((size_t)draws * sizeof(*scratch)), t0, t1, sink = 0;
	json_t *iv, *evs, *ref, *out = NULL;
	struct err e = {0};
	int i;

	t0 = now();
	for (i = 0; i < n_scores; i++) {
		struct vfm_money_in in = {.mu_adj = -0.2 + 1e-5 * i,
		                          .se_adj = 0.1,
		                          .has_se = 1,
		                          .r = 0.5,
		                          .u_b = 14050,
		                          .c_b = 1000,
		                          .horizon = 2,
		                          .discount = 0.035};
		struct vfm_money m;
		struct vfm_mc mc;

		vfm_money_compute(&m, &in, &e);
		if (vfm_monte_carlo(&mc, &m, &in, draws, (uint64_t)i * 7919u, scratch, &e) != 0) {
			fprintf(stderr, "bench: %s\n", e.msg);
			return 1;
		}
		sink += mc.p_bcr_gt_1 + mc.bcr_p05;
	}
	t1 = now();
	printf("monte carlo: %d scores x %d draws = %.0f draws in %.3f s of CPU on one core, %.2f "
	       "ns per "
	       "draw (checksum %.6f)\n",
	       n_scores, draws, (double)n_scores * draws, t1 - t0,
	       (t1 - t0) * 1e9 / ((double)n_scores * draws), sink);

	iv = json_loads(intervention, 0, NULL);
	ref = json_loads(reference, 0, NULL);
	evs = evaluations();
	t0 = now();
	for (i = 0; i < reps; i++) {
		if (vfm_score_intervention(&out, iv, evs, ref, NULL, &e) != 0) {
			fprintf(stderr, "bench: %s\n", e.msg);
			return 1;
		}
		json_decref(out);
	}
	t1 = now();
	printf("score one intervention (8 evaluations, 2 crime types, 10,000 draws each, JSON in "
	       "and out): %.1f us\n",
	       (t1 - t0) * 1e6 / reps);
	json_decref(iv);
	json_decref(ref);
	json_decref(evs);
	free(scratch);
	return 0;
}
