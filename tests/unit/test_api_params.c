/*
 * test_api_params.c - the API's query parameters, parsed without a database
 */
#include "api_internal.h"
#include "err.h"

#include <criterion/criterion.h>
#include <string.h>

/* A request's query: name=value pairs, NULL-terminated. */
struct query {
	const char *const *kv;
};

static const char *get(void *ctx, const char *name)
{
	const struct query *q = ctx;
	for (size_t i = 0; q->kv[i] != NULL; i += 2)
		if (strcmp(q->kv[i], name) == 0)
			return q->kv[i + 1];
	return NULL;
}

static const char *name_at(void *ctx, size_t i)
{
	const struct query *q = ctx;
	for (size_t k = 0; q->kv[k] != NULL; k += 2)
		if (k / 2 == i)
			return q->kv[k];
	return NULL;
}

#define PARAMS(...)                                                                                \
	(&(struct api_params){get, name_at,                                                        \
	                      &(struct query){(const char *const[]){__VA_ARGS__, NULL}}})

Test(api_params, unknown_parameters_are_named_with_the_allowed_ones)
{
	struct err e = {0};
	const char *const allowed[] = {"limit", "theme", NULL};
	const char *const none[] = {NULL};

	cr_assert_eq(api_check_params(PARAMS("limit", "1", "format", "csv"), allowed, &e), 0);
	cr_assert_eq(api_check_params(PARAMS("them", "x"), allowed, &e), WW_EINVALID);
	cr_assert_str_eq(e.msg, "unknown parameter \"them\": allowed are limit, theme");
	e = (struct err){0};
	cr_assert_eq(api_check_params(PARAMS("a", "x"), none, &e), WW_EINVALID);
	cr_assert_str_eq(e.msg, "unknown parameter \"a\": this endpoint takes none");
}

Test(api_params, integers_within_bounds)
{
	static const struct {
		const char *v;
		int rc;
		long long out;
	} cases[] = {{"5", 1, 5},
	             {"0", 1, 0},
	             {"-1", WW_EINVALID, 0},
	             {"11", WW_EINVALID, 0},
	             {"1x", WW_EINVALID, 0},
	             {"", 0, 0},
	             {" 1", WW_EINVALID, 0},
	             {"99999999999999999999", WW_EINVALID, 0}};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct err e = {0};
		long long out = 0;
		int rc = api_param_int(PARAMS("n", cases[i].v), "n", 0, 10, &out, &e);
		cr_expect_eq(rc, cases[i].rc, "\"%s\": rc %d", cases[i].v, rc);
		if (rc == 1)
			cr_expect_eq(out, cases[i].out);
		if (rc < 0)
			cr_expect_str_eq(e.msg, "parameter \"n\" must be an integer from 0 to 10");
	}
}

Test(api_params, booleans_and_numbers)
{
	struct err e = {0};
	char num[40];
	int b = -1;

	cr_assert_eq(api_param_bool(PARAMS("b", "true"), "b", &b, &e), 1);
	cr_assert_eq(b, 1);
	cr_assert_eq(api_param_bool(PARAMS("b", "yes"), "b", &b, &e), WW_EINVALID);
	cr_assert_str_eq(e.msg, "parameter \"b\" must be true or false");
	cr_assert_eq(api_param_number(PARAMS("x", "1.5"), "x", num, sizeof(num), &e), 1);
	cr_assert_str_eq(num, "1.5");
	/* decimal notation only */
	cr_assert_eq(api_param_number(PARAMS("x", "0x10"), "x", num, sizeof(num), &e), WW_EINVALID);
	cr_assert_eq(api_param_number(PARAMS("x", "nan"), "x", num, sizeof(num), &e), WW_EINVALID);
	cr_assert_eq(api_param_number(PARAMS("x", "inf"), "x", num, sizeof(num), &e), WW_EINVALID);
}

Test(api_params, lists_become_checked_array_literals)
{
	struct err e = {0};
	char out[128];
	const char *const themes[] = {"knife-crime", "vawg", NULL};

	cr_assert_eq(api_param_list(PARAMS("t", "vawg,knife-crime"), "t", API_LIST_ENUM, themes,
	                            out, sizeof(out), &e),
	             1);
	cr_assert_str_eq(out, "{vawg,knife-crime}");
	cr_assert_eq(
	    api_param_list(PARAMS("t", "vawg,"), "t", API_LIST_ENUM, themes, out, sizeof(out), &e),
	    WW_EINVALID);
	cr_assert_eq(
	    api_param_list(PARAMS("t", "a\"b"), "t", API_LIST_ID, NULL, out, sizeof(out), &e),
	    WW_EINVALID, "no quote reaches the array literal");
	e = (struct err){0};
	cr_assert_eq(api_param_list(PARAMS("t", "iv-1,iv-2"), "t", API_LIST_ID, NULL, out, 8, &e),
	             WW_EINVALID);
	cr_assert_str_eq(e.msg, "parameter \"t\" lists too many values");
}

Test(api_params, date_prefixes_are_real_dates)
{
	static const struct {
		const char *v;
		int ok;
	} cases[] = {{"2024", 1},       {"2024-02", 1},    {"2024-02-29", 1}, {"2024-13", 0},
	             {"2024-02-30", 0}, {"2024-2", 0},     {"24", 0},         {"2024-04-31", 0},
	             {"abcd", 0},       {"2024-01-01x", 0}};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct err e = {0};
		const char *out = NULL;
		int rc = api_param_date_prefix(PARAMS("d", cases[i].v), "d", &out, &e);
		cr_expect_eq(rc, cases[i].ok ? 1 : WW_EINVALID, "\"%s\"", cases[i].v);
	}
}

Test(api_params, search_escapes_like_wildcards)
{
	struct err e = {0};
	char out[64];

	cr_assert_eq(api_param_search(PARAMS("q", "50%_a\\b"), "q", out, sizeof(out), &e), 1);
	cr_assert_str_eq(out, "%50\\%\\_a\\\\b%");
}

static const struct api_sort_col cols[] = {
    {"name", "i.name"}, {"id", "i.id"}, {"rating", "i.rating"}, {NULL, NULL}};

Test(api_params, sort_lists_become_order_by)
{
	struct err e = {0};
	char out[256];

	cr_assert_eq(
	    api_parse_sort(PARAMS("sort", "-rating"), cols, "name", "id", out, sizeof(out), &e), 0);
	cr_assert_str_eq(out, "i.rating DESC NULLS LAST, i.id ASC");
	cr_assert_eq(api_parse_sort(PARAMS("x", "1"), cols, "name,-id", "id", out, sizeof(out), &e),
	             0);
	cr_assert_str_eq(out, "i.name ASC NULLS LAST, i.id DESC NULLS LAST");
	e = (struct err){0};
	cr_assert_eq(
	    api_parse_sort(PARAMS("sort", "id,id"), cols, "name", "id", out, sizeof(out), &e),
	    WW_EINVALID);
	cr_assert(strstr(e.msg, "(each column once): name, id, rating") != NULL, "%s", e.msg);
	cr_assert_eq(
	    api_parse_sort(PARAMS("sort", "bogus"), cols, "name", "id", out, sizeof(out), &e),
	    WW_EINVALID);
}
