/*
 * vocab.h - the one list of each controlled vocabulary
 *
 * The ids evidence files, the API, the model and the web pages share: the
 * validator accepts exactly these, the API filters on them, the model names
 * them, and tests/unit/test_vocab.c holds them against
 * schema/evidence.schema.json and the band order of the SQL migrations.
 * Every list ends with NULL.
 */
#ifndef WHATWORKS_VOCAB_H
#define WHATWORKS_VOCAB_H

#include <stddef.h>

/* Document kinds (`kind:` of an evidence file). */
extern const char *const vocab_kinds[];
/* Intervention themes, levels and sectors. */
extern const char *const vocab_themes[];
extern const char *const vocab_levels[];
extern const char *const vocab_sectors[];
/* Words for the web pages, parallel to the lists above (NULL-terminated too). */
extern const char *const vocab_theme_labels[];
extern const char *const vocab_level_labels[];
extern const char *const vocab_sector_labels[];
/* Evaluation designs, strongest first. */
extern const char *const vocab_designs[];
/* Effect measures, in the order of enum vfm_measure. */
extern const char *const vocab_measures[];
/* Value-for-money bands as the API lists them: the plain bands worst to best,
 * then the two flags (insufficient evidence, implausible BCR). */
extern const char *const vocab_bands[];
/* Smaller lists: baseline per, cost per, unit-cost units, source flags,
 * nations of an area, bodies of an area, toolkits of a rating. */
extern const char *const vocab_baseline_per[];
extern const char *const vocab_cost_per[];
extern const char *const vocab_cost_units[];
extern const char *const vocab_flags[];
extern const char *const vocab_nations[];
extern const char *const vocab_bodies[];
extern const char *const vocab_toolkits[];

/* The number of ids in a list. */
size_t vocab_count(const char *const *list);
/* The position of id in list, or -1 (also for a NULL id). */
int vocab_index(const char *const *list, const char *id);
/* The sort rank of a band: implausible 1 < insufficient 2 < poor 3 < low <
 * medium < high < very-high 7, as array_position over the SQL band order;
 * 0 for an unknown band. */
int vocab_band_rank(const char *band);
/* The band of a rank (1..7), or NULL. */
const char *vocab_band_at_rank(int rank);
/* Writes the SQL literal of the band order, ARRAY['implausible',...,
 * 'very-high'], to out; returns its length, or -1 if it does not fit. */
int vocab_band_order_sql(char *out, size_t size);
/* The label of id in a labelled list (themes, levels, sectors), or NULL. */
const char *vocab_label(const char *const *list, const char *const *labels, const char *id);

#endif
