/*
 * test_jsontext.c - JSON is written as the very text json_dumps gives, and
 * escaped for COPY; PostgreSQL's JSON output is read into the very values
 * json_loads gives
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jsontext.h"

#define FLAGS (JSON_COMPACT | JSON_REAL_PRECISION(15) | JSON_ENCODE_ANY)

/* json_dumps' text with COPY's escapes applied to it. */
static char *copy_escaped(const char *s)
{
	char *out = malloc(2 * strlen(s) + 1), *o = out;
	cr_assert_not_null(out);
	for (; *s; s++) {
		const char *esc = *s == '\\'   ? "\\\\"
		                  : *s == '\t' ? "\\t"
		                  : *s == '\n' ? "\\n"
		                  : *s == '\r' ? "\\r"
		                               : NULL;
		if (esc) {
			memcpy(o, esc, 2);
			o += 2;
		} else {
			*o++ = *s;
		}
	}
	*o = '\0';
	return out;
}

/* Expects both forms of v to be json_dumps' text; returns 1 when they are. */
static int same_as_jansson(const json_t *v)
{
	char *want = json_dumps(v, FLAGS), *got = jsontext_dump(v, 0);
	char *want_copy = copy_escaped(want), *got_copy = jsontext_dump(v, 1);
	int ok = strcmp(want, got) == 0 && strcmp(want_copy, got_copy) == 0;
	cr_expect_str_eq(got, want);
	cr_expect_str_eq(got_copy, want_copy);
	free(want);
	free(got);
	free(want_copy);
	free(got_copy);
	return ok;
}

static int same_real(double x)
{
	if (!isfinite(x)) /* JSON has no such number */
		return 1;
	json_t *j = json_real(x);
	char *want = json_dumps(j, FLAGS), *got = jsontext_dump(j, 0);
	int ok = strcmp(want, got) == 0;
	if (!ok)
		cr_log_error("%.17g: got %s, want %s", x, got, want);
	free(want);
	free(got);
	json_decref(j);
	return ok;
}

static uint64_t rng = 0x9e3779b97f4a7c15ULL;
static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

Test(score_json, reals_at_the_edges_of_the_format)
{
	static const double v[] = {0.0,
	                           -0.0,
	                           1.0,
	                           -1.0,
	                           0.5,
	                           0.1,
	                           0.1 + 0.2,
	                           1.0 / 3,
	                           2.0 / 3,
	                           100.0,
	                           123456789012345.0,
	                           999999999999999.0,
	                           999999999999999.5,
	                           9999999999999995.0,
	                           1000000000000005.0, /* a tie at the 16th digit */
	                           1000000000000015.0,
	                           1e14,
	                           1e15,
	                           1e16,
	                           1e20,
	                           1e22,
	                           1e23,
	                           1e40,
	                           1e41,
	                           1e300,
	                           0.0001,
	                           0.00001,
	                           0.000123456789012345,
	                           9.99999999999999e-5,
	                           1e-13,
	                           1e-14,
	                           5e-324,
	                           2.2250738585072014e-308,
	                           1.7976931348623157e308,
	                           0.035,
	                           74.5804,
	                           80.8738,
	                           14050 * 100 / 74.5804};
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		cr_expect(same_real(v[i]));
		cr_expect(same_real(-v[i]));
		cr_expect(same_real(nextafter(v[i], INFINITY)));
		cr_expect(same_real(nextafter(v[i], -INFINITY)));
	}
}

Test(score_json, random_reals_of_every_size)
{
	int bad = 0;
	for (int i = 0; i < 200000 && bad < 10; i++) {
		uint64_t u = next();
		double x;
		if (i % 2) { /* any finite double */
			memcpy(&x, &u, sizeof(x));
			if (!isfinite(x))
				continue;
		} else { /* the sizes scores have: 1e-8 .. 1e12, with short and long digits */
			x = ldexp((double)(u >> 11), -53) * pow(10, (int)(u % 21) - 8);
			if (i % 4 == 0)
				x = round(x * 1e6) / 1e6;
		}
		bad += !same_real(x);
	}
	cr_expect_eq(bad, 0);
}

Test(score_json, near_ties_of_the_fifteenth_digit)
{
	int bad = 0;
	for (int i = 0; i < 100000 && bad < 10; i++) {
		/* d.dddddddddddddd5 * 10^k, and its neighbours */
		double m = (double)(100000000000000ULL + next() % 900000000000000ULL) * 10 + 5;
		double x = m * pow(10, (int)(next() % 40) - 30);
		bad +=
		    !same_real(x) + !same_real(nextafter(x, 0)) + !same_real(nextafter(x, 1e300));
	}
	cr_expect_eq(bad, 0);
}

Test(score_json, strings_with_every_escape)
{
	char all[128];
	for (int c = 1; c < 128; c++)
		all[c - 1] = (char)c;
	all[127] = '\0';
	const char *v[] = {"",
	                   all,
	                   "tab\there\nnewline\rreturn\\backslash\"quote'apostrophe/slash",
	                   "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xef\xbf\xbf",
	                   "\\N",
	                   "\x7f\x01\x1f"};
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		json_t *s = json_string(v[i]);
		cr_assert_not_null(s);
		cr_expect(same_as_jansson(s));
		json_decref(s);
	}
}

Test(score_json, nested_values_keep_jansson_key_order)
{
	json_t *o = json_pack("{s:i, s:f, s:[], s:{}, s:[i,f,s,b,b,n,{s:[f,f]}], s:s, s:I, s:o}",
	                      "zeta", 3, "alpha", 0.25, "empty", "nothing", "list", -7, 1e-7,
	                      "x\ty", 1, 0, "k", 1.5, -2.0, "key \"quoted\"\\", "v\n", "big",
	                      (json_int_t)-9223372036854775807LL - 1, "last", json_null());
	cr_assert_not_null(o);
	cr_expect(same_as_jansson(o));
	cr_expect(same_as_jansson(json_object_get(o, "list")));
	json_decref(o);
}

/* ---- reading ------------------------------------------------------------ */

/* Expects jsontext_load to give what json_loads gives: the same values
 * (integers as integers, reals to the bit, keys in order) or the same error. */
static void reads_as_jansson(const char *text)
{
	json_error_t je1, je2;
	json_t *want = json_loads(text, 0, &je1), *got = jsontext_load(text, &je2);
	if (want == NULL) {
		cr_expect_null(got, "%s: read, json_loads says %s", text, je1.text);
		cr_expect_str_eq(je2.text, je1.text, "%s", text);
		json_decref(got);
		return;
	}
	cr_assert_not_null(got, "%s: not read: %s", text, je2.text);
	char *w = json_dumps(want, JSON_COMPACT | JSON_REAL_PRECISION(17)),
	     *g = json_dumps(got, JSON_COMPACT | JSON_REAL_PRECISION(17));
	cr_expect_str_eq(g, w, "%s", text);
	cr_expect(json_equal(got, want), "%s", text);
	free(w);
	free(g);
	json_decref(want);
	json_decref(got);
}

Test(score_json, reads_what_postgresql_writes)
{
	reads_as_jansson("{\"id\": \"ev-000000\", \"cost\": {\"per\": \"participant\", \"amount\":"
	                 " 1203, \"price_year\": 2019}, \"quality\": 4, \"outcomes\": [{\"effect\":"
	                 " {\"ci95\": [0.707, 1.06], \"measure\": \"risk-ratio\", \"estimate\":"
	                 " 0.884}, \"baseline\": {\"per\": \"participant\", \"rate\": 0.4,"
	                 " \"years\": 1}}], \"flag\": true, \"none\": null, \"off\": false}");
	reads_as_jansson("[{\"a\": 1}, {\"a\": 2},{},[],[[]], \"\"]");
	reads_as_jansson(" \t\r\n{ \"k\" : [ 1 , -0 , -0.0 , 0.000000000000000000001 , 1e-400 ,"
	                 " 12345678901234567890.5 , 9223372036854775807 , -9223372036854775808 ,"
	                 " 1E+2 , 1e-2 , 2.5E3 ] } \n");
	reads_as_jansson("{\"dup\": 1, \"other\": 2, \"dup\": 3}");
	reads_as_jansson("{\"s\": \"tab\\t nl\\n cr\\r bs\\\\ q\\\" sl\\/ b\\b f\\f"
	                 " \\u00e9\\u20AC \\ud83d\\ude00 \\u001f caf\xc3\xa9 \xf0\x9f\x98\x80\"}");
}

Test(score_json, refuses_what_json_loads_refuses_with_its_message)
{
	static const char *const bad[] = {
	    "",
	    "   ",
	    "1",
	    "\"string\"",
	    "{",
	    "{\"a\"}",
	    "{\"a\":}",
	    "{\"a\":1,}",
	    "[1,]",
	    "[01]",
	    "[1.]",
	    "[.5]",
	    "[1e]",
	    "[-]",
	    "[+1]",
	    "[0x10]",
	    "[1e400]",
	    "[-1e400]",
	    "[9223372036854775808]",
	    "[-9223372036854775809]",
	    "[tru]",
	    "[truex]",
	    "[True]",
	    "[nan]",
	    "[\"\\u0000\"]",
	    "{\"a\\u0000b\": 1}",
	    "[\"\\ud800\"]",
	    "[\"\\udc00\"]",
	    "[\"\\ud800\\u0041\"]",
	    "[\"\\u12\"]",
	    "[\"\\x\"]",
	    "[\"raw\ttab\"]",
	    "[\"\xc0\xaf\"]",
	    "[\"\xe0\x80\xaf\"]",
	    "[\"\xf0\x80\x80\xaf\"]",
	    "[\"\xf5\x80\x80\x80\"]",
	    "[\"\x80\"]",
	    "[\"\xc3\"]",
	    "[\"\xed\xa0\x80\"]",
	    "[\"\xf4\x90\x80\x80\"]",
	    "[\"\xe2\x82\"]",
	    "[\"unterminated]",
	    "[1] [2]",
	    "[1] x",
	    "{\"a\": 1} ,",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		reads_as_jansson(bad[i]);
	/* deeper than the reader goes: json_loads decides */
	char deep[2 * 2050 + 1];
	memset(deep, '[', 2050);
	memset(deep + 2050, ']', 2050);
	deep[2 * 2050] = '\0';
	reads_as_jansson(deep);
}

Test(score_json, random_numbers_read_to_the_bit)
{
	char text[64];
	for (int i = 0; i < 20000; i++) {
		uint64_t u = next();
		double x;
		memcpy(&x, &u, sizeof(x));
		if (!isfinite(x))
			continue;
		snprintf(text, sizeof(text), i % 2 ? "[%.17g]" : "[%.6g]", x);
		reads_as_jansson(text);
		snprintf(text, sizeof(text), "[%lld]", (long long)u >> (u % 60));
		reads_as_jansson(text);
	}
}
