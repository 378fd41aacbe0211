/*
 * vocab.c - the one list of each controlled vocabulary (see vocab.h)
 */
#include "vocab.h"

#include <stdio.h>
#include <string.h>

const char *const vocab_kinds[] = {"intervention", "evaluation",   "unit-costs", "deflators",
                                   "areas",        "category-map", "baselines",  NULL};
const char *const vocab_themes[] = {"knife-crime", "substance-misuse", "vawg", NULL};
const char *const vocab_theme_labels[] = {"Knife crime", "Substance misuse",
                                          "Violence against women and girls", NULL};
const char *const vocab_levels[] = {"person", "place", NULL};
const char *const vocab_level_labels[] = {"People", "Places", NULL};
const char *const vocab_sectors[] = {"police",  "health",    "education", "local-government",
                                     "charity", "probation", "housing",   "youth-justice",
                                     "other",   NULL};
const char *const vocab_sector_labels[] = {"Police",  "Health",    "Education", "Local government",
                                           "Charity", "Probation", "Housing",   "Youth justice",
                                           "Other",   NULL};
const char *const vocab_designs[] = {
    "meta-analysis",           "systematic-review", "rct",   "quasi-experimental",
    "before-after-controlled", "before-after",      "other", NULL};
const char *const vocab_measures[] = {"risk-ratio", "rate-ratio", "odds-ratio", "percent-change",
                                      "smd",        "counts",     NULL};
const char *const vocab_bands[] = {"poor",      "low",          "medium",      "high",
                                   "very-high", "insufficient", "implausible", NULL};
const char *const vocab_baseline_per[] = {"participant", "area", NULL};
const char *const vocab_cost_per[] = {"participant", "area-year", NULL};
const char *const vocab_cost_units[] = {"crime",      "victim",    "reoffence", "reoffender",
                                        "attendance", "user-year", NULL};
const char *const vocab_flags[] = {"verified", "secondary", NULL};
const char *const vocab_nations[] = {"england", "wales", NULL};
const char *const vocab_bodies[] = {"pcc", "pfcc", "mayor", "police-authority", NULL};
const char *const vocab_toolkits[] = {"yef", "college-of-policing", "wsipp", NULL};

/* vocab_bands: the plain bands come first, then the flags in this order */
#define PLAIN_BANDS 5
#define ALL_BANDS 7

size_t vocab_count(const char *const *list)
{
	size_t n = 0;

	while (list[n] != NULL)
		n++;
	return n;
}

int vocab_index(const char *const *list, const char *id)
{
	if (id == NULL)
		return -1;
	for (int i = 0; list[i] != NULL; i++)
		if (strcmp(list[i], id) == 0)
			return i;
	return -1;
}

int vocab_band_rank(const char *band)
{
	int i = vocab_index(vocab_bands, band);

	if (i < 0)
		return 0;
	/* the flags rank below every plain band, implausible lowest */
	return i < PLAIN_BANDS ? i + (ALL_BANDS - PLAIN_BANDS) + 1 : ALL_BANDS - i;
}

const char *vocab_band_at_rank(int rank)
{
	for (int i = 0; vocab_bands[i] != NULL; i++)
		if (vocab_band_rank(vocab_bands[i]) == rank)
			return vocab_bands[i];
	return NULL;
}

int vocab_band_order_sql(char *out, size_t size)
{
	size_t len = 0;
	int n;

	for (int r = 1; r <= ALL_BANDS; r++) {
		n = snprintf(out + len, size - len, "%s'%s'", r == 1 ? "ARRAY[" : ",",
		             vocab_band_at_rank(r));
		if (n < 0 || (size_t)n >= size - len)
			return -1;
		len += (size_t)n;
	}
	n = snprintf(out + len, size - len, "]");
	if (n < 0 || (size_t)n >= size - len)
		return -1;
	return (int)(len + (size_t)n);
}

const char *vocab_label(const char *const *list, const char *const *labels, const char *id)
{
	int i = vocab_index(list, id);

	return i < 0 ? NULL : labels[i];
}
