/*
 * cmd_score.c - `whatworks score [ID]`: appraisals in plain words
 */
#include "cmd.h"
#include "db.h"
#include "db_score.h"
#include "vfm.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *f)
{
	fprintf(f, "usage: whatworks score [--json] [ID]\n"
	           "       whatworks score --rescore\n\n"
	           "With ID, prints the value-for-money appraisal of that intervention in plain\n"
	           "words, fit for a board paper: a one-paragraph summary (effect, confidence,\n"
	           "money, who gains), then the evidence used, the pooled effect, the adjustment\n"
	           "for design quality, the monetisation step by step with every input's source\n"
	           "and flag, the result and its uncertainty. Without ID, lists every\n"
	           "intervention's headline score and, where no cost is known, its break-even\n"
	           "cost per participant or area-year (pounds).\n"
	           "--rescore recomputes every score now (after changing WHATWORKS_VFM_*).\n");
}

static int rescore(PGconn *c)
{
	struct err e = {0};
	int n = 0;

	if (db_begin(c, &e) < 0 || db_score_refresh(c, 0, NULL, 1, &n, &e) < 0 ||
	    db_commit(c, &e) < 0) {
		db_rollback(c);
		fprintf(stderr, "whatworks: %s\n", e.msg);
		return 1;
	}
	printf("rescored %d interventions\n", n);
	return 0;
}

static int appraise(PGconn *c, const char *id, int as_json)
{
	json_t *iv = NULL, *scores = NULL;
	struct err e = {0};
	char *text;

	if (db_score_get(&iv, &scores, c, id, &e) < 0) {
		fprintf(stderr, "whatworks: %s\n", e.msg);
		return 1;
	}
	if (as_json)
		text = json_dumps(scores, JSON_INDENT(2) | JSON_REAL_PRECISION(15));
	else
		text = vfm_appraisal_text(iv, scores);
	json_decref(iv);
	json_decref(scores);
	if (text == NULL) {
		fprintf(stderr, "whatworks: out of memory\n");
		return 1;
	}
	fputs(text, stdout);
	if (text[0] != '\0' && text[strlen(text) - 1] != '\n')
		fputc('\n', stdout);
	free(text);
	return 0;
}

static int list(PGconn *c)
{
	json_t *rows = NULL;
	struct err e = {0};

	if (db_score_headlines(&rows, c, &e) < 0) {
		fprintf(stderr, "whatworks: %s\n", e.msg);
		return 1;
	}
	printf("%-40s %-22s %-12s %8s %8s %6s %12s\n", "intervention", "crime type", "band", "bcr",
	       "p(bcr>1)", "rating", "break-even");
	for (size_t i = 0; i < json_array_size(rows); i++) {
		const json_t *r = json_array_get(rows, i);
		const json_t *bcr = json_object_get(r, "bcr"), *p = json_object_get(r, "p_bcr_gt1");
		const json_t *be = json_object_get(r, "breakeven_cost");
		char b[32] = "-", pp[32] = "-", bb[32] = "-";
		if (json_is_number(bcr))
			snprintf(b, sizeof(b), "%.2f", json_number_value(bcr));
		if (json_is_number(p))
			snprintf(pp, sizeof(pp), "%.2f", json_number_value(p));
		/* the cost per unit below which it pays back (pounds) */
		if (json_is_number(be) && json_number_value(be) > 0)
			snprintf(bb, sizeof(bb), "%.0f", json_number_value(be));
		printf("%-40s %-22s %-12s %8s %8s %6lld %12s\n",
		       json_string_value(json_object_get(r, "intervention")),
		       json_string_value(json_object_get(r, "crime_type")),
		       json_string_value(json_object_get(r, "band")), b, pp,
		       (long long)json_integer_value(json_object_get(r, "evidence_rating")), bb);
	}
	json_decref(rows);
	return 0;
}

int cmd_score(int argc, char **argv)
{
	const char *id = NULL;
	int as_json = 0, all = 0, rc;
	PGconn *c = NULL;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			return 0;
		} else if (strcmp(argv[i], "--json") == 0) {
			as_json = 1;
		} else if (strcmp(argv[i], "--rescore") == 0) {
			all = 1;
		} else if (argv[i][0] != '-' && id == NULL) {
			id = argv[i];
		} else {
			fprintf(stderr, "whatworks score: unexpected argument \"%s\"\n", argv[i]);
			usage(stderr);
			return 2;
		}
	}
	if (cmd_open_db(&c) < 0)
		return 1;
	if (all)
		rc = rescore(c);
	else if (id != NULL)
		rc = appraise(c, id, as_json);
	else
		rc = list(c);
	db_close(c);
	return rc;
}
