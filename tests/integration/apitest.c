/*
 * apitest.c - calling the read API's functions from tests
 */
#include "apitest.h"

#include <criterion/criterion.h>
#include <string.h>

const char *apitest_kv_get(void *ctx, const char *name)
{
	const char *const *p = ((struct kv *)ctx)->pairs;
	for (size_t i = 0; p[i] != NULL; i += 2)
		if (strcmp(p[i], name) == 0)
			return p[i + 1];
	return NULL;
}

const char *apitest_kv_name_at(void *ctx, size_t i)
{
	const char *const *p = ((struct kv *)ctx)->pairs;
	for (size_t k = 0; k < i; k++)
		if (p[2 * k] == NULL)
			return NULL;
	return p[2 * i];
}

void apitest_ready(struct api_result *r)
{
	struct err e = {0};
	cr_assert_eq(api_result_json(r, &e), 0, "%s", e.msg);
	cr_assert_eq(api_result_rows(r, &e), 0, "%s", e.msg);
}

json_t *apitest_data(struct api_result *r)
{
	apitest_ready(r);
	return json_object_get(r->body, "data");
}

void apitest_ok(PGconn *db, list_fn fn, struct api_result *r, const struct api_params *p)
{
	struct err e = {0};
	int rc = fn(r, db, p, &e);
	cr_assert_eq(rc, 0, "rc %d: %s", rc, e.msg);
	apitest_ready(r);
	cr_assert_not_null(r->body);
}

void apitest_fails(PGconn *db, list_fn fn, const struct api_params *p, int code, const char *want)
{
	struct api_result r;
	struct err e = {0};
	int rc = fn(&r, db, p, &e);
	cr_assert_eq(rc, code, "rc %d (want %d): %s", rc, code, e.msg);
	cr_assert(strstr(e.msg, want) != NULL, "message \"%s\" lacks \"%s\"", e.msg, want);
	cr_assert_null(r.body);
	api_result_free(&r);
}
