/*
 * api_params.c - query parameters: known names, typed values, sort lists
 *
 * Pure code (no database). Every message names the parameter and says what
 * is allowed, in the PostgreSQL style.
 */
#include "api_internal.h"

#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SEARCH_MAX 200 /* characters in ?q */

const char *api_param(const struct api_params *p, const char *name)
{
	const char *v;

	if (p == NULL || p->get == NULL)
		return NULL;
	v = p->get(p->ctx, name);
	return (v == NULL || v[0] == '\0') ? NULL : v;
}

static int in_list(const char *s, const char *const *list)
{
	for (size_t i = 0; list[i] != NULL; i++)
		if (strcmp(s, list[i]) == 0)
			return 1;
	return 0;
}

static void join(char *out, size_t size, const char *const *list)
{
	size_t len = 0;

	out[0] = '\0';
	for (size_t i = 0; list[i] != NULL && len < size; i++)
		len += (size_t)snprintf(out + len, size - len, "%s%s", i ? ", " : "", list[i]);
}

/* The parameters that take a comma-separated list: given more than once,
 * their values combine (the HTTP layer joins them with commas). */
static const char *const list_params[] = {"theme",        "level",  "sector",  "tag",  "band",
                                          "intervention", "design", "country", "area", "status",
                                          "crime_type",   "sort",   NULL};

int api_check_params(const struct api_params *p, const char *const *allowed, struct err *e)
{
	const char *name;
	char names[512];

	if (p == NULL || p->name_at == NULL)
		return 0;
	for (size_t i = 0; (name = p->name_at(p->ctx, i)) != NULL; i++) {
		if (p->count != NULL && !in_list(name, list_params) && p->count(p->ctx, name) > 1)
			return err_set(e, WW_EINVALID,
			               "parameter \"%.64s\" is given more than once; it takes one "
			               "value",
			               name);
		if (strcmp(name, "format") == 0 || in_list(name, allowed))
			continue;
		join(names, sizeof(names), allowed);
		if (allowed[0] == NULL)
			return err_set(e, WW_EINVALID,
			               "unknown parameter \"%.64s\": this endpoint takes none",
			               name);
		return err_set(e, WW_EINVALID, "unknown parameter \"%.64s\": allowed are %s", name,
		               names);
	}
	return 0;
}

int api_param_int(const struct api_params *p, const char *name, long long min, long long max,
                  long long *out, struct err *e)
{
	const char *v = api_param(p, name);
	char *end;
	long long n;

	if (v == NULL)
		return 0;
	errno = 0;
	n = strtoll(v, &end, 10);
	if (!isdigit((unsigned char)v[v[0] == '-']) || *end != '\0' || errno != 0 || n < min ||
	    n > max) {
		if (max == 9223372036854775807LL)
			return err_set(e, WW_EINVALID,
			               "parameter \"%s\" must be an integer of at least %lld", name,
			               min);
		return err_set(e, WW_EINVALID,
		               "parameter \"%s\" must be an integer from %lld to %lld", name, min,
		               max);
	}
	*out = n;
	return 1;
}

int api_param_bool(const struct api_params *p, const char *name, int *out, struct err *e)
{
	const char *v = api_param(p, name);

	if (v == NULL)
		return 0;
	if (strcmp(v, "true") == 0)
		*out = 1;
	else if (strcmp(v, "false") == 0)
		*out = 0;
	else
		return err_set(e, WW_EINVALID, "parameter \"%s\" must be true or false", name);
	return 1;
}

int api_param_number(const struct api_params *p, const char *name, char *out, size_t size,
                     struct err *e)
{
	const char *v = api_param(p, name);
	char *end;
	double d;

	if (v == NULL)
		return 0;
	errno = 0;
	d = strtod(v, &end);
	/* decimal notation only: no hex floats, inf or nan */
	if (*end != '\0' || errno != 0 || !isfinite(d) || strpbrk(v, "xXnNiI") != NULL ||
	    strlen(v) > 32)
		return err_set(e, WW_EINVALID, "parameter \"%s\" must be a number, e.g. 1.5", name);
	snprintf(out, size, "%.17g", d);
	return 1;
}

int api_is_id(const char *s)
{
	size_t n = 0;

	if (s == NULL || !(islower((unsigned char)s[0]) || isdigit((unsigned char)s[0])))
		return 0;
	for (; s[n] != '\0'; n++)
		if (!(islower((unsigned char)s[n]) || isdigit((unsigned char)s[n]) || s[n] == '-'))
			return 0;
	return n <= 80;
}

static int list_element_ok(char *el, enum api_list_kind kind, const char *const *allowed)
{
	switch (kind) {
	case API_LIST_ENUM: return in_list(el, allowed);
	case API_LIST_ID: return api_is_id(el);
	case API_LIST_COUNTRY:
		if (strlen(el) != 2 || !isalpha((unsigned char)el[0]) ||
		    !isalpha((unsigned char)el[1]))
			return 0;
		el[0] = (char)toupper((unsigned char)el[0]);
		el[1] = (char)toupper((unsigned char)el[1]);
		return 1;
	}
	return 0;
}

static int list_error(const char *name, enum api_list_kind kind, const char *const *allowed,
                      struct err *e)
{
	char names[512];

	switch (kind) {
	case API_LIST_ENUM:
		join(names, sizeof(names), allowed);
		return err_set(
		    e, WW_EINVALID,
		    "parameter \"%s\" must be one of %s, or a comma-separated list of them", name,
		    names);
	case API_LIST_ID:
		return err_set(e, WW_EINVALID,
		               "parameter \"%s\" must be an id (lower-case letters, digits and "
		               "hyphens, at most 80 characters), or a comma-separated list of them",
		               name);
	case API_LIST_COUNTRY:
		return err_set(
		    e, WW_EINVALID,
		    "parameter \"%s\" must be a two-letter ISO 3166-1 country code, e.g. "
		    "GB, or a comma-separated list of them",
		    name);
	}
	return WW_EINVALID;
}

int api_param_list(const struct api_params *p, const char *name, enum api_list_kind kind,
                   const char *const *allowed, char *out, size_t size, struct err *e)
{
	const char *v = api_param(p, name);
	char el[96];
	size_t len = 0;

	if (v == NULL)
		return 0;
	out[len++] = '{';
	for (const char *s = v;;) {
		const char *comma = strchr(s, ',');
		size_t n = comma ? (size_t)(comma - s) : strlen(s);

		if (n == 0 || n >= sizeof(el))
			return list_error(name, kind, allowed, e);
		memcpy(el, s, n);
		el[n] = '\0';
		if (!list_element_ok(el, kind, allowed))
			return list_error(name, kind, allowed, e);
		if (len + n + 3 > size)
			return err_set(e, WW_EINVALID, "parameter \"%s\" lists too many values",
			               name);
		if (len > 1)
			out[len++] = ',';
		memcpy(out + len, el, n);
		len += n;
		if (comma == NULL)
			break;
		s = comma + 1;
	}
	out[len++] = '}';
	out[len] = '\0';
	return 1;
}

static int digits(const char *s, int n)
{
	for (int i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return 0;
	return 1;
}

int api_param_date_prefix(const struct api_params *p, const char *name, const char **out,
                          struct err *e)
{
	static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	const char *v = api_param(p, name);
	size_t n;
	int ok;

	if (v == NULL)
		return 0;
	n = strlen(v);
	ok = (n == 4 || n == 7 || n == 10) && digits(v, 4);
	if (ok && n >= 7) {
		int m = atoi(v + 5);
		ok = v[4] == '-' && digits(v + 5, 2) && m >= 1 && m <= 12;
		if (ok && n == 10)
			ok = v[7] == '-' && digits(v + 8, 2) && atoi(v + 8) >= 1 &&
			     atoi(v + 8) <= mdays[m - 1];
	}
	if (!ok)
		return err_set(e, WW_EINVALID,
		               "parameter \"%s\" must be a date as YYYY, YYYY-MM or YYYY-MM-DD",
		               name);
	*out = v;
	return 1;
}

int api_param_search(const struct api_params *p, const char *name, char *out, size_t size,
                     struct err *e)
{
	const char *v = api_param(p, name);
	size_t len = 0;

	if (v == NULL)
		return 0;
	if (strlen(v) > SEARCH_MAX)
		return err_set(e, WW_EINVALID, "parameter \"%s\" must be at most %d characters",
		               name, SEARCH_MAX);
	out[len++] = '%';
	for (; *v != '\0' && len + 4 < size; v++) {
		if (*v == '\\' || *v == '%' || *v == '_')
			out[len++] = '\\';
		out[len++] = *v;
	}
	out[len++] = '%';
	out[len] = '\0';
	return 1;
}

static const struct api_sort_col *find_col(const struct api_sort_col *cols, const char *name,
                                           size_t n)
{
	for (size_t i = 0; cols[i].name != NULL; i++)
		if (strlen(cols[i].name) == n && strncmp(cols[i].name, name, n) == 0)
			return &cols[i];
	return NULL;
}

static int sort_error(const char *why, const struct api_sort_col *cols, struct err *e)
{
	char names[512];
	size_t len = 0;

	names[0] = '\0';
	for (size_t i = 0; cols[i].name != NULL && len < sizeof(names); i++)
		len += (size_t)snprintf(names + len, sizeof(names) - len, "%s%s", i ? ", " : "",
		                        cols[i].name);
	return err_set(e, WW_EINVALID,
	               "parameter \"sort\" must be a comma-separated list of columns, each "
	               "optionally prefixed with \"-\" for descending order%s: %s",
	               why, names);
}

int api_parse_sort(const struct api_params *p, const struct api_sort_col *cols, const char *def,
                   const char *tiebreak, char *out, size_t size, struct err *e)
{
	const char *v = api_param(p, "sort");
	const struct api_sort_col *used[16];
	size_t nused = 0, len = 0;
	int has_tiebreak = 0;

	if (v == NULL)
		v = def;
	out[0] = '\0';
	for (const char *s = v;;) {
		const char *comma = strchr(s, ',');
		size_t n = comma ? (size_t)(comma - s) : strlen(s);
		int desc = n > 0 && s[0] == '-';
		const struct api_sort_col *c = find_col(cols, s + desc, n - (size_t)desc);

		if (c == NULL)
			return sort_error("", cols, e);
		for (size_t i = 0; i < nused; i++)
			if (used[i] == c)
				return sort_error(" (each column once)", cols, e);
		if (nused == sizeof(used) / sizeof(used[0]))
			return sort_error("", cols, e);
		used[nused++] = c;
		has_tiebreak |= strcmp(c->name, tiebreak) == 0;
		len += (size_t)snprintf(out + len, size - len, "%s%s %s NULLS LAST",
		                        len ? ", " : "", c->expr, desc ? "DESC" : "ASC");
		if (len >= size)
			return err_set(e, WW_EINVALID, "parameter \"sort\" is too long");
		if (comma == NULL)
			break;
		s = comma + 1;
	}
	if (!has_tiebreak) {
		const struct api_sort_col *c = find_col(cols, tiebreak, strlen(tiebreak));
		assert(c != NULL); /* the tiebreak is one of the endpoint's columns */
		len += (size_t)snprintf(out + len, size - len, ", %s ASC", c->expr);
	}
	if (len >= size)
		return err_set(e, WW_EINVALID, "parameter \"sort\" is too long");
	return 0;
}
