/*
 * bench_vfm.c - how fast the value-for-money model runs on one core
 *
 * Prints (never asserts): the Monte Carlo for 1,000 interventions x 3 crime
 * types x 10,000 draws, nanoseconds per draw, the time to score one
 * intervention from its JSON documents, and the time per intervention and
 * per score on interventions shaped like tests/bench/genrepo.py's (10
 * evaluations of one outcome each over 3 crime types, the three effect
 * measures in turn), which is what a full import of the bench repository
 * scores 1,000 times.
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

/* genrepo.py's reference data */
static const char *repo_reference =
    "{\"unit_costs\": [{\"crime_type\": \"domestic-abuse\", \"amount\": 34015, \"unit\": "
    "\"victim\","
    " \"price_year\": 2016, \"flag\": \"secondary\"}, {\"crime_type\": \"robbery\", \"amount\":"
    " 11320, \"unit\": \"crime\", \"price_year\": 2015, \"flag\": \"secondary\"},"
    " {\"crime_type\": \"violence-with-injury\", \"amount\": 14050, \"unit\": \"crime\","
    " \"price_year\": 2015, \"flag\": \"secondary\"}],"
    " \"deflators\": [{\"year\": 2015, \"index\": 74.5804}, {\"year\": 2018, \"index\": 78.7948},"
    " {\"year\": 2019, \"index\": 80.8738}, {\"year\": 2024, \"index\": 100.0}]}";

/* A uniform draw in [lo, hi) from a fixed LCG: the same inputs every run. */
static double uniform(uint64_t *x, double lo, double hi)
{
	*x = *x * 6364136223846793005ULL + 1442695040888963407ULL;
	return lo + (hi - lo) * (double)(*x >> 11) * 0x1.0p-53;
}

/* Intervention iv of genrepo.py with 1,000 interventions and 10,000
 * evaluations: evaluation j = iv + 1000 k, k = 0..9. */
static json_t *repo_evaluations(int iv, uint64_t *x)
{
	static const char *const types[] = {"violence-with-injury", "robbery", "domestic-abuse"};
	json_t *a = json_array();
	int k;

	for (k = 0; k < 10; k++) {
		int j = iv + 1000 * k;
		double e = uniform(x, 0.5, 1.1), p = (e - 1) * 100;
		char id[16], ivid[16];
		json_t *eff, *ev;

		snprintf(id, sizeof(id), "ev-%06d", j);
		snprintf(ivid, sizeof(ivid), "iv-%06d", iv);
		if (j % 3 == 0)
			eff = json_pack("{s:s, s:f, s:[f,f]}", "measure", "risk-ratio", "estimate",
			                e, "ci95", e * 0.8, e * 1.2);
		else if (j % 3 == 1)
			eff = json_pack("{s:s, s:f, s:[f,f]}", "measure", "percent-change",
			                "estimate", p, "ci95", p - 10, p + 10);
		else
			eff = json_pack("{s:s, s:{s:i, s:i}, s:{s:i, s:i}}", "measure", "counts",
			                "treatment", "events", (int)uniform(x, 20, 61), "n", 200,
			                "control", "events", (int)uniform(x, 40, 81), "n", 200);
		ev = json_pack("{s:s, s:s, s:s, s:{s:s, s:s}, s:s, s:i, s:i, s:i, s:s,"
		               " s:[{s:s, s:o, s:{s:f, s:s, s:i}, s:i}], s:{s:i, s:s, s:i}}",
		               "id", id, "kind", "evaluation", "intervention", ivid, "source",
		               "citation", "Generated (2020)", "published", "2020", "design",
		               j % 2 ? "rct" : "quasi-experimental", "quality", j % 2 ? 5 : 4,
		               "studies", 1, "sample_size", 400, "country", "GB", "outcomes",
		               "crime_type", types[k % 3], "effect", eff, "baseline", "rate", 0.4,
		               "per", "participant", "years", 1, "follow_up_months", 12, "cost",
		               "amount", (int)uniform(x, 200, 3001), "per", "participant",
		               "price_year", 2019);
		json_array_append_new(a, ev);
	}
	return a;
}

/* Scores n_iv generated interventions reps times; prints the best run. */
static int bench_repo(int n_iv, int reps)
{
	json_t **ivs = calloc((size_t)n_iv, sizeof(*ivs)),
	       **evs = calloc((size_t)n_iv, sizeof(*evs));
	json_t *ref = json_loads(repo_reference, 0, NULL), *out = NULL;
	double best = 1e300;
	long scores = 0;
	uint64_t x = 42;
	struct err e = {0};
	int i, r;

	for (i = 0; i < n_iv; i++) {
		char id[16];

		snprintf(id, sizeof(id), "iv-%06d", i);
		ivs[i] = json_pack("{s:s, s:s, s:s}", "id", id, "kind", "intervention", "level",
		                   "person");
		evs[i] = repo_evaluations(i, &x);
	}
	for (r = 0; r < reps; r++) {
		double t0 = now(), t;

		scores = 0;
		for (i = 0; i < n_iv; i++) {
			if (vfm_score_intervention(&out, ivs[i], evs[i], ref, NULL, &e) != 0) {
				fprintf(stderr, "bench: %s\n", e.msg);
				return 1;
			}
			scores += (long)json_array_size(out);
			json_decref(out);
		}
		if ((t = now() - t0) < best)
			best = t;
	}
	printf("score generated interventions (bench repository shape, best of %d runs of %d): "
	       "%.1f us per intervention, %.1f us per score (%ld scores)\n",
	       reps, n_iv, best * 1e6 / n_iv, best * 1e6 / (double)scores, scores);
	for (i = 0; i < n_iv; i++) {
		json_decref(ivs[i]);
		json_decref(evs[i]);
	}
	free(ivs);
	free(evs);
	json_decref(ref);
	return 0;
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
	return bench_repo(200, 5);
}
