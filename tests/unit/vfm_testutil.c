/*
 * vfm_testutil.c - JSON helpers shared by the value-for-money unit tests
 */
#include "vfm_testutil.h"

#include <criterion/criterion.h>
#include <string.h>

json_t *load(const char *text)
{
	json_error_t je;
	json_t *j = json_loads(text, 0, &je);

	cr_assert_not_null(j, "test JSON: %s at %d:%d", je.text, je.line, je.column);
	return j;
}

const json_t *by_type(const json_t *scores, const char *ct)
{
	const json_t *s;
	size_t i;

	json_array_foreach(scores, i, s)
	{
		if (strcmp(json_string_value(json_object_get(s, "crime_type")), ct) == 0)
			return s;
	}
	cr_assert_fail("no score for %s", ct);
	return NULL;
}

double num(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	cr_assert(json_is_number(v), "%s is not a number", key);
	return json_number_value(v);
}

const char *str(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	cr_assert_not_null(s, "%s is not a string", key);
	return s;
}
