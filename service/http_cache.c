/*
 * http_cache.c - rendered responses, bounded in bytes, oldest evicted first
 *
 * The evidence changes only on import, so a response is a function of the
 * evidence version, the request target and the representation; the key holds
 * all three. Entries are reference-counted (atomic counts) so that a
 * response can send an entry's body straight from the cache while another
 * thread evicts it; the last reference frees it.
 */
#include "http.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define NBUCKETS 1024

struct http_cache {
	pthread_mutex_t lock;
	size_t budget, used;
	struct http_cached *buckets[NBUCKETS];
	struct http_cached *oldest, *newest;
};

int http_cache_new(struct http_cache **out, size_t budget)
{
	struct http_cache *c = calloc(1, sizeof(*c));

	*out = NULL;
	if (c == NULL)
		return WW_ENOMEM;
	pthread_mutex_init(&c->lock, NULL);
	c->budget = budget;
	*out = c;
	return 0;
}

static size_t cost(const struct http_cached *e)
{
	return sizeof(*e) + e->len + strlen(e->key) + (e->link ? strlen(e->link) : 0);
}

static void entry_free(struct http_cached *e)
{
	free(e->body);
	free(e->link);
	free(e->key);
	free(e);
}

static void unref(struct http_cached *e)
{
	if (__atomic_sub_fetch(&e->refs, 1, __ATOMIC_ACQ_REL) == 0)
		entry_free(e);
}

/* Unlinks e from the bucket and age lists; the lock is held. */
static void unlink_entry(struct http_cache *c, struct http_cached *e)
{
	struct http_cached **pp = &c->buckets[e->hash % NBUCKETS];

	while (*pp != e)
		pp = &(*pp)->next_in_bucket;
	*pp = e->next_in_bucket;
	if (e->older)
		e->older->newer = e->newer;
	else
		c->oldest = e->newer;
	if (e->newer)
		e->newer->older = e->older;
	else
		c->newest = e->older;
	c->used -= cost(e);
	unref(e);
}

void http_cache_free(struct http_cache *c)
{
	if (c == NULL)
		return;
	http_cache_clear(c);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

struct http_cached *http_cache_get(struct http_cache *c, const char *key)
{
	unsigned long long h = http_hash(key, strlen(key));
	struct http_cached *e;

	pthread_mutex_lock(&c->lock);
	for (e = c->buckets[h % NBUCKETS]; e != NULL; e = e->next_in_bucket)
		if (e->hash == h && strcmp(e->key, key) == 0) {
			http_cache_hold(e);
			break;
		}
	pthread_mutex_unlock(&c->lock);
	return e;
}

void http_cache_hold(struct http_cached *e)
{
	__atomic_add_fetch(&e->refs, 1, __ATOMIC_RELAXED);
}

void http_cache_release(struct http_cache *c, struct http_cached *e)
{
	(void)c;
	if (e != NULL)
		unref(e);
}

void http_cache_put(struct http_cache *c, const char *key, struct http_cached *e)
{
	struct http_cached *old;

	e->key = strdup(key);
	if (e->key == NULL || c->budget == 0) {
		unref(e);
		return;
	}
	e->hash = http_hash(key, strlen(key));
	if (cost(e) > c->budget / 4) {
		/* one huge page (an export) would push out everything else */
		unref(e);
		return;
	}
	pthread_mutex_lock(&c->lock);
	for (old = c->buckets[e->hash % NBUCKETS]; old != NULL; old = old->next_in_bucket)
		if (old->hash == e->hash && strcmp(old->key, key) == 0)
			break;
	if (old != NULL)
		unlink_entry(c, old);
	while (c->oldest != NULL && c->used + cost(e) > c->budget)
		unlink_entry(c, c->oldest);
	e->next_in_bucket = c->buckets[e->hash % NBUCKETS];
	c->buckets[e->hash % NBUCKETS] = e;
	e->older = c->newest;
	e->newer = NULL;
	if (c->newest)
		c->newest->newer = e;
	else
		c->oldest = e;
	c->newest = e;
	c->used += cost(e);
	pthread_mutex_unlock(&c->lock);
}

void http_cache_clear(struct http_cache *c)
{
	if (c == NULL)
		return;
	pthread_mutex_lock(&c->lock);
	while (c->oldest != NULL)
		unlink_entry(c, c->oldest);
	pthread_mutex_unlock(&c->lock);
}
