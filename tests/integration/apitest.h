/*
 * apitest.h - calling the read API's functions from tests
 *
 * Request parameters from a list of name, value pairs, and checks shared by
 * the tests of the api_*.c endpoints.
 */
#ifndef WW_APITEST_H
#define WW_APITEST_H

#include "api.h"

#include <jansson.h>

/* Request parameters from a NULL-terminated list of name, value. */
struct kv {
	const char *const *pairs;
};
const char *apitest_kv_get(void *ctx, const char *name);
const char *apitest_kv_name_at(void *ctx, size_t i);

#define PARAMS(...)                                                                                \
	(&(struct api_params){apitest_kv_get, apitest_kv_name_at,                                  \
	                      &(struct kv){(const char *const[]){__VA_ARGS__, NULL}}})
#define NOPARAMS                                                                                   \
	(&(struct api_params){apitest_kv_get, apitest_kv_name_at,                                  \
	                      &(struct kv){(const char *const[]){NULL}}})

typedef int (*list_fn)(struct api_result *, PGconn *, const struct api_params *, struct err *);

/* Builds the document and the CSV rows of a result, whether the endpoint made
 * them with jansson or passed PostgreSQL's text through; asserts success. */
void apitest_ready(struct api_result *r);
/* The "data" member of a ready result (borrowed). */
json_t *apitest_data(struct api_result *r);
/* Runs a list endpoint that must succeed. */
void apitest_ok(PGconn *db, list_fn fn, struct api_result *r, const struct api_params *p);
/* Runs a list endpoint that must fail with code and a message containing want. */
void apitest_fails(PGconn *db, list_fn fn, const struct api_params *p, int code, const char *want);

#endif
