/*
 * test_http_cache.c - the response cache: bounded, oldest out, counted references
 */
#include "http.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

static struct http_cached *entry(size_t len)
{
	struct http_cached *e = calloc(1, sizeof(*e));
	e->body = malloc(len + 1);
	memset(e->body, 'x', len);
	e->body[len] = '\0';
	e->len = len;
	e->refs = 1;
	return e;
}

Test(http_cache, get_finds_what_put_stored)
{
	struct http_cache *c;
	struct http_cached *e;

	cr_assert_eq(http_cache_new(&c, 1 << 20), 0);
	cr_assert_null(http_cache_get(c, "k"));
	http_cache_put(c, "k", entry(10));
	e = http_cache_get(c, "k");
	cr_assert_not_null(e);
	cr_assert_eq(e->len, 10);
	http_cache_release(c, e);
	cr_assert_null(http_cache_get(c, "other"));
	http_cache_free(c);
}

Test(http_cache, oldest_goes_first_when_the_budget_is_spent)
{
	struct http_cache *c;
	char key[16];

	cr_assert_eq(http_cache_new(&c, 4 * 4096), 0);
	for (int i = 0; i < 20; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		http_cache_put(c, key, entry(1500));
	}
	cr_assert_null(http_cache_get(c, "k0"), "the oldest was evicted");
	struct http_cached *e = http_cache_get(c, "k19");
	cr_assert_not_null(e, "the newest stays");
	http_cache_release(c, e);
	http_cache_free(c);
}

Test(http_cache, an_entry_larger_than_a_quarter_is_not_kept)
{
	struct http_cache *c;

	cr_assert_eq(http_cache_new(&c, 4000), 0);
	http_cache_put(c, "big", entry(2000));
	cr_assert_null(http_cache_get(c, "big"));
	http_cache_free(c);
}

Test(http_cache, a_held_entry_outlives_eviction_and_clear)
{
	struct http_cache *c;
	struct http_cached *e;

	cr_assert_eq(http_cache_new(&c, 1 << 20), 0);
	http_cache_put(c, "k", entry(100));
	e = http_cache_get(c, "k");
	http_cache_put(c, "k", entry(50)); /* replaces the entry under k */
	http_cache_clear(c);
	cr_assert_null(http_cache_get(c, "k"));
	cr_assert_eq(e->len, 100, "the holder still reads the old entry");
	cr_assert_eq(e->body[99], 'x');
	http_cache_release(c, e); /* the last reference frees it (ASan checks) */
	http_cache_free(c);
}

Test(http_cache, a_zero_budget_keeps_nothing)
{
	struct http_cache *c;

	cr_assert_eq(http_cache_new(&c, 0), 0);
	http_cache_put(c, "k", entry(1));
	cr_assert_null(http_cache_get(c, "k"));
	http_cache_free(c);
}
