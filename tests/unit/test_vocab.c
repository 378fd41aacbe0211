/*
 * test_vocab.c - the one list of each vocabulary against the JSON Schema of
 * the evidence format and the band order of the SQL migrations
 */
#include "vfm.h"
#include "vocab.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SCHEMA "schema/evidence.schema.json"

static json_t *schema(void)
{
	json_error_t je;
	json_t *s = json_load_file(SCHEMA, 0, &je);

	cr_assert_not_null(s, "%s:%d: %s", SCHEMA, je.line, je.text);
	return s;
}

/* The node at a path of object keys, "/"-separated. */
static json_t *at(json_t *root, const char *path)
{
	char buf[256], *save = NULL;
	json_t *n = root;

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *k = strtok_r(buf, "/", &save); k != NULL && n != NULL;
	     k = strtok_r(NULL, "/", &save))
		n = json_object_get(n, k);
	cr_assert_not_null(n, "%s has no %s", SCHEMA, path);
	return n;
}

/* The schema's enum at path equals the C list, in the same order. */
static void same_enum(json_t *root, const char *path, const char *const *list)
{
	json_t *e = json_object_get(at(root, path), "enum");
	size_t i, n = vocab_count(list);

	cr_assert(json_is_array(e), "%s has no enum", path);
	cr_expect_eq(json_array_size(e), n, "%s: %zu values in the schema, %zu in vocab.c", path,
	             json_array_size(e), n);
	for (i = 0; i < n && i < json_array_size(e); i++)
		cr_expect_str_eq(json_string_value(json_array_get(e, i)), list[i], "%s[%zu]", path,
		                 i);
}

Test(vocab, every_schema_enum_equals_its_c_list)
{
	static const struct {
		const char *path;
		const char *const *list;
	} pairs[] = {
	    {"properties/kind", vocab_kinds},
	    {"$defs/intervention/properties/themes/items", vocab_themes},
	    {"$defs/intervention/properties/level", vocab_levels},
	    {"$defs/intervention/properties/sectors/items", vocab_sectors},
	    {"$defs/intervention/properties/toolkit_ratings/items/properties/toolkit",
	     vocab_toolkits},
	    {"$defs/evaluation/properties/design", vocab_designs},
	    {"$defs/effect/properties/measure", vocab_measures},
	    {"$defs/baseline/properties/per", vocab_baseline_per},
	    {"$defs/baselines/properties/entries/items/properties/per", vocab_baseline_per},
	    {"$defs/cost/properties/per", vocab_cost_per},
	    {"$defs/cost/properties/flag", vocab_flags},
	    {"$defs/unit-costs/properties/entries/items/properties/unit", vocab_cost_units},
	    {"$defs/unit-costs/properties/entries/items/properties/flag", vocab_flags},
	    {"$defs/deflators/properties/entries/items/properties/flag", vocab_flags},
	    {"$defs/baselines/properties/entries/items/properties/flag", vocab_flags},
	    {"$defs/areas/properties/entries/items/properties/country", vocab_nations},
	    {"$defs/areas/properties/entries/items/properties/body", vocab_bodies},
	};
	json_t *s = schema();

	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++)
		same_enum(s, pairs[i].path, pairs[i].list);
	json_decref(s);
}

/* Each measure has exactly one effect form in the schema, and every form
 * that takes an se (the model converts each) also forbids it beside ci95. */
Test(vocab, every_measure_has_one_schema_form)
{
	json_t *s = schema(), *forms = at(s, "$defs/effect/allOf"), *f;
	int seen[16] = {0};
	size_t i, j;

	json_array_foreach(forms, i, f)
	{
		json_t *m = at(f, "if/properties/measure"), *c = json_object_get(m, "const");
		json_t *e = json_object_get(m, "enum"), *v;
		json_t *props = at(f, "then/properties");

		if (c != NULL) {
			int k = vocab_index(vocab_measures, json_string_value(c));
			cr_assert_geq(k, 0, "allOf[%zu]: %s is not a measure", i,
			              json_string_value(c));
			seen[k]++;
		}
		json_array_foreach(e, j, v)
		{
			int k = vocab_index(vocab_measures, json_string_value(v));
			cr_assert_geq(k, 0, "allOf[%zu]: %s is not a measure", i,
			              json_string_value(v));
			seen[k]++;
		}
		if (json_object_get(props, "se") != NULL)
			cr_expect_not_null(json_object_get(at(f, "then"), "not"),
			                   "allOf[%zu] takes se but does not forbid ci95 with it",
			                   i);
	}
	for (i = 0; vocab_measures[i] != NULL; i++)
		cr_expect_eq(seen[i], 1, "%s has %d effect forms in the schema", vocab_measures[i],
		             seen[i]);
	json_decref(s);
}

Test(vocab, percent_change_takes_se_as_the_model_does)
{
	json_t *s = schema(), *f;
	size_t i;
	int found = 0;

	json_array_foreach(at(s, "$defs/effect/allOf"), i, f)
	{
		json_t *c = json_object_get(at(f, "if/properties/measure"), "const");
		if (c != NULL && strcmp(json_string_value(c), "percent-change") == 0) {
			cr_expect_not_null(json_object_get(at(f, "then/properties"), "se"));
			found = 1;
		}
	}
	cr_expect(found);
	json_decref(s);
}

Test(vocab, the_model_names_measures_and_levels_from_the_lists)
{
	for (int m = VFM_RISK_RATIO; m <= VFM_COUNTS; m++) {
		cr_expect_str_eq(vfm_measure_name((enum vfm_measure)m), vocab_measures[m]);
		cr_expect_eq(vfm_measure_parse(vocab_measures[m]), m);
	}
	cr_expect_eq(vocab_count(vocab_measures), (size_t)VFM_COUNTS + 1);
	cr_expect_null(vfm_measure_name((enum vfm_measure)(VFM_COUNTS + 1)));
	cr_expect_eq(vfm_measure_parse("hazard-ratio"), -1);
	for (int b = VFM_BAND_INSUFFICIENT; b <= VFM_BAND_IMPLAUSIBLE; b++)
		cr_expect_geq(vocab_index(vocab_bands, vfm_band_name((enum vfm_band)b)), 0,
		              "the model's band %s is not in vocab_bands",
		              vfm_band_name((enum vfm_band)b));
	cr_expect_eq(vocab_count(vocab_bands), (size_t)VFM_BAND_IMPLAUSIBLE + 1);
}

Test(vocab, band_ranks)
{
	static const char *const worst_to_best[] = {
	    "implausible", "insufficient", "poor", "low", "medium", "high", "very-high"};
	char sql[200];

	for (int r = 1; r <= 7; r++) {
		cr_expect_eq(vocab_band_rank(worst_to_best[r - 1]), r, "%s", worst_to_best[r - 1]);
		cr_expect_str_eq(vocab_band_at_rank(r), worst_to_best[r - 1]);
	}
	cr_expect_eq(vocab_band_rank("great"), 0);
	cr_expect_eq(vocab_band_rank(NULL), 0);
	cr_expect_null(vocab_band_at_rank(0));
	cr_expect_null(vocab_band_at_rank(8));
	cr_assert_gt(vocab_band_order_sql(sql, sizeof(sql)), 0);
	cr_expect_str_eq(sql, "ARRAY['implausible','insufficient','poor','low','medium','high',"
	                      "'very-high']");
	cr_expect_eq(vocab_band_order_sql(sql, 20), -1);
	cr_expect_eq(vocab_band_order_sql(sql, 0), -1);
}

Test(vocab, lookups)
{
	cr_expect_eq(vocab_index(vocab_levels, "place"), 1);
	cr_expect_eq(vocab_index(vocab_levels, "Place"), -1);
	cr_expect_eq(vocab_index(vocab_levels, NULL), -1);
	cr_expect_str_eq(vocab_label(vocab_themes, vocab_theme_labels, "vawg"),
	                 "Violence against women and girls");
	cr_expect_null(vocab_label(vocab_themes, vocab_theme_labels, "fraud"));
	cr_expect_eq(vocab_count(vocab_theme_labels), vocab_count(vocab_themes));
	cr_expect_eq(vocab_count(vocab_level_labels), vocab_count(vocab_levels));
	cr_expect_eq(vocab_count(vocab_sector_labels), vocab_count(vocab_sectors));
}

/* The text of the latest migration (by number) that defines
 * intervention_list_refresh, or NULL. */
static char *latest_list_refresh(char *name, size_t size)
{
	struct dirent **ents;
	int n = scandir("schema", &ents, NULL, alphasort);
	char *found = NULL;

	cr_assert_geq(n, 0, "cannot read schema/");
	for (int i = n - 1; i >= 0; i--) {
		size_t len = strlen(ents[i]->d_name);
		if (found == NULL && len > 4 && strcmp(ents[i]->d_name + len - 4, ".sql") == 0) {
			char path[512];
			FILE *f;
			long sz;

			snprintf(path, sizeof(path), "schema/%s", ents[i]->d_name);
			f = fopen(path, "rb");
			cr_assert_not_null(f, "%s", path);
			fseek(f, 0, SEEK_END);
			sz = ftell(f);
			rewind(f);
			char *text = calloc(1, (size_t)sz + 1);
			cr_assert_eq(fread(text, 1, (size_t)sz, f), (size_t)sz);
			fclose(f);
			if (strstr(text, "FUNCTION intervention_list_refresh") != NULL) {
				found = text;
				snprintf(name, size, "%s", path);
			} else {
				free(text);
			}
		}
		free(ents[i]);
	}
	free(ents);
	return found;
}

/* s with the whitespace removed, in place. */
static char *squeeze(char *s)
{
	char *w = s;

	for (char *r = s; *r; r++)
		if (*r != ' ' && *r != '\n' && *r != '\t' && *r != '\r')
			*w++ = *r;
	*w = 0;
	return s;
}

Test(vocab, the_latest_list_refresh_migration_ranks_bands_like_the_c_list)
{
	char name[512], want[200], *text = latest_list_refresh(name, sizeof(name)), *a, *end;

	cr_assert_not_null(text, "no migration defines intervention_list_refresh");
	cr_assert_gt(vocab_band_order_sql(want, sizeof(want)), 0);
	squeeze(text);
	a = strstr(text, "array_position(ARRAY[");
	cr_assert_not_null(a, "%s has no band order", name);
	a += strlen("array_position(");
	end = strchr(a, ']');
	cr_assert_not_null(end);
	end[1] = 0;
	cr_expect_str_eq(a, want, "%s ranks bands as %s, vocab.c as %s", name, a, want);
	free(text);
}
