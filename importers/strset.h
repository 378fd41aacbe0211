/*
 * strset.h - a sorted set of borrowed strings
 *
 * Add, then sort once, then ask: the import's path and id sets are built in
 * one pass and queried many times. The set never owns its strings.
 */
#ifndef WW_STRSET_H
#define WW_STRSET_H

#include <stddef.h>

struct strset {
	const char **v;
	size_t n, cap;
};

/* Appends x (borrowed). Returns 0, or -1 when memory runs out (s unchanged). */
int strset_add(struct strset *s, const char *x);
/* Sorts the set so that strset_has can search it. Can't fail. */
void strset_sort(struct strset *s);
/* Whether the sorted set holds x. */
int strset_has(const struct strset *s, const char *x);
/* Frees the array (not the strings) and empties the set; NULL-safe. */
void strset_free(struct strset *s);
/* Frees each string too, for a set that was given owned strings. */
void strset_free_all(struct strset *s);

#endif
