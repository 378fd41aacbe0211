/*
 * strset.c - a sorted set of borrowed strings (see strset.h)
 */
#include "strset.h"

#include <stdlib.h>
#include <string.h>

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int strset_add(struct strset *s, const char *x)
{
	if (s->n == s->cap) {
		size_t ncap = s->cap ? s->cap * 2 : 64;
		const char **nv = realloc(s->v, ncap * sizeof(*nv));
		if (nv == NULL)
			return -1;
		s->v = nv;
		s->cap = ncap;
	}
	s->v[s->n++] = x;
	return 0;
}

void strset_sort(struct strset *s)
{
	if (s->n > 1)
		qsort(s->v, s->n, sizeof(*s->v), cmp_str);
}

int strset_has(const struct strset *s, const char *x)
{
	return s->n > 0 && bsearch(&x, s->v, s->n, sizeof(*s->v), cmp_str) != NULL;
}

void strset_free(struct strset *s)
{
	if (s == NULL)
		return;
	free(s->v);
	memset(s, 0, sizeof(*s));
}

void strset_free_all(struct strset *s)
{
	if (s == NULL)
		return;
	for (size_t i = 0; i < s->n; i++)
		free((char *)s->v[i]);
	strset_free(s);
}
