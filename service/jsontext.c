/*
 * jsontext.c - JSON text read and written as jansson does, faster
 *
 * Scoring reads ~6 MB of PostgreSQL's JSON output and an import writes the
 * bodies of its records and the figures of its scores (~18 MB for 10,000
 * evaluations), where json_loads and json_dumps were a large part of the
 * time. These give jansson's results, value for value and byte for byte, and
 * hand anything they are not sure of to jansson itself.
 */
#include "jsontext.h"

#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- JSON read as jansson reads it, faster ------------------------------- */

/*
 * json_loads reads ~30 MB/s: one byte at a time through a callback, each
 * saved into a buffer. The scoring input is ~6 MB of PostgreSQL's own JSON
 * output, so this reader takes the text in place and builds the same values
 * with the same jansson calls as its parser. Anything it is not sure of
 * (invalid syntax or UTF-8, \u0000, an integer or real out of range, deep
 * nesting) it leaves to json_loads, which then gives jansson's own result or
 * error.
 */

#define READ_DEPTH_MAX 1000

struct reader {
	const char *p, *end;
	int depth;
};

static void skip_space(struct reader *r)
{
	while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r'))
		r->p++;
}

/* The length of the valid UTF-8 sequence at p (< end) of 2 to 4 bytes, or 0:
 * jansson's rules (no overlong forms, surrogates or values past U+10FFFF). */
static int utf8_length(const unsigned char *p, const unsigned char *end)
{
	unsigned char c = p[0];
	int n = c >= 0xC2 && c <= 0xDF   ? 2
	        : c >= 0xE0 && c <= 0xEF ? 3
	        : c >= 0xF0 && c <= 0xF4 ? 4
	                                 : 0;
	uint32_t v;

	if (n == 0 || end - p < n)
		return 0;
	v = c & (n == 2 ? 0x1F : n == 3 ? 0x0F : 0x07);
	for (int i = 1; i < n; i++) {
		if ((p[i] & 0xC0) != 0x80)
			return 0;
		v = v << 6 | (p[i] & 0x3F);
	}
	if ((n == 3 && v < 0x800) || (n == 4 && v < 0x10000) || v > 0x10FFFF ||
	    (v >= 0xD800 && v <= 0xDFFF))
		return 0;
	return n;
}

static int hex4(const char *p, uint32_t *v)
{
	*v = 0;
	for (int i = 0; i < 4; i++) {
		char c = p[i];
		int d = c >= '0' && c <= '9'   ? c - '0'
		        : c >= 'a' && c <= 'f' ? c - 'a' + 10
		        : c >= 'A' && c <= 'F' ? c - 'A' + 10
		                               : -1;
		if (d < 0)
			return -1;
		*v = *v << 4 | (uint32_t)d;
	}
	return 0;
}

/*
 * The string whose opening quote r->p is past: *s and *len point into the
 * text when it has no escapes, else into *buf (malloc'd, to free). -1 for
 * what jansson would refuse.
 */
static int read_string(struct reader *r, const char **s, size_t *len, char **buf)
{
	const char *p = r->p, *start = p;
	int escapes = 0;
	char *o;

	*buf = NULL;
	while (p < r->end && *p != '"') {
		unsigned char c = (unsigned char)*p;
		int n;

		if (c < 0x20)
			return -1;
		if (c == '\\') {
			escapes = 1;
			p += 2;
		} else if (c >= 0x80) {
			if ((n = utf8_length((const unsigned char *)p,
			                     (const unsigned char *)r->end)) == 0)
				return -1;
			p += n;
		} else {
			p++;
		}
	}
	if (p >= r->end)
		return -1;
	r->p = p + 1;
	if (!escapes) {
		*s = start;
		*len = (size_t)(p - start);
		return 0;
	}
	/* the decoded text is never longer than the escaped one */
	if ((*buf = o = malloc((size_t)(p - start) + 1)) == NULL)
		return -1;
	for (const char *q = start; q < p;) {
		uint32_t v, lo;

		if (*q != '\\') {
			*o++ = *q++;
			continue;
		}
		switch (q[1]) {
		case '"':
		case '\\':
		case '/': *o++ = q[1]; break;
		case 'b': *o++ = '\b'; break;
		case 'f': *o++ = '\f'; break;
		case 'n': *o++ = '\n'; break;
		case 'r': *o++ = '\r'; break;
		case 't': *o++ = '\t'; break;
		case 'u':
			if (p - q < 6 || hex4(q + 2, &v) < 0 || v == 0 ||
			    (v >= 0xDC00 && v <= 0xDFFF))
				return -1;
			if (v >= 0xD800 && v <= 0xDBFF) {
				if (p - q < 12 || q[6] != '\\' || q[7] != 'u' ||
				    hex4(q + 8, &lo) < 0 || lo < 0xDC00 || lo > 0xDFFF)
					return -1;
				v = ((v - 0xD800) << 10) + (lo - 0xDC00) + 0x10000;
				q += 6;
			}
			if (v < 0x80) {
				*o++ = (char)v;
			} else if (v < 0x800) {
				*o++ = (char)(0xC0 | v >> 6);
				*o++ = (char)(0x80 | (v & 0x3F));
			} else if (v < 0x10000) {
				*o++ = (char)(0xE0 | v >> 12);
				*o++ = (char)(0x80 | (v >> 6 & 0x3F));
				*o++ = (char)(0x80 | (v & 0x3F));
			} else {
				*o++ = (char)(0xF0 | v >> 18);
				*o++ = (char)(0x80 | (v >> 12 & 0x3F));
				*o++ = (char)(0x80 | (v >> 6 & 0x3F));
				*o++ = (char)(0x80 | (v & 0x3F));
			}
			q += 4;
			break;
		default: return -1;
		}
		q += 2;
	}
	*s = *buf;
	*len = (size_t)(o - *buf);
	return 0;
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* A number as jansson's lexer reads it: an integer unless it has a fraction
 * or an exponent. The text ends in a NUL, so strtoll and strtod stop there. */
static json_t *read_number(struct reader *r)
{
	const char *p = r->p, *start = p;
	int real = 0;
	char *endp;

	if (*p == '-')
		p++;
	if (p < r->end && *p == '0')
		p++;
	else if (p < r->end && is_digit(*p))
		while (p < r->end && is_digit(*p))
			p++;
	else
		return NULL;
	if (p < r->end && is_digit(*p)) /* 01 */
		return NULL;
	if (p < r->end && *p == '.') {
		real = 1;
		if (++p >= r->end || !is_digit(*p))
			return NULL;
		while (p < r->end && is_digit(*p))
			p++;
	}
	if (p < r->end && (*p == 'e' || *p == 'E')) {
		real = 1;
		if (++p < r->end && (*p == '+' || *p == '-'))
			p++;
		if (p >= r->end || !is_digit(*p))
			return NULL;
		while (p < r->end && is_digit(*p))
			p++;
	}
	errno = 0;
	if (!real) {
		long long v = strtoll(start, &endp, 10);

		if (errno == ERANGE || endp != p)
			return NULL;
		r->p = p;
		return json_integer(v);
	}
	double v = strtod(start, &endp);

	if ((errno == ERANGE && (v == HUGE_VAL || v == -HUGE_VAL)) || endp != p)
		return NULL;
	r->p = p;
	return json_real(v);
}

static json_t *read_value(struct reader *r);

static json_t *read_object(struct reader *r)
{
	json_t *o = json_object(), *v;

	skip_space(r);
	if (o != NULL && r->p < r->end && *r->p == '}') {
		r->p++;
		return o;
	}
	while (o != NULL) {
		const char *key;
		size_t len;
		char *buf;

		if (r->p >= r->end || *r->p != '"')
			break;
		r->p++;
		if (read_string(r, &key, &len, &buf) < 0 || memchr(key, '\0', len) != NULL) {
			free(buf);
			break;
		}
		skip_space(r);
		if (r->p >= r->end || *r->p != ':') {
			free(buf);
			break;
		}
		r->p++;
		skip_space(r);
		v = read_value(r);
		if (v == NULL || json_object_setn_new_nocheck(o, key, len, v) != 0) {
			free(buf);
			break;
		}
		free(buf);
		skip_space(r);
		if (r->p < r->end && *r->p == ',') {
			r->p++;
			skip_space(r);
			continue;
		}
		if (r->p < r->end && *r->p == '}') {
			r->p++;
			return o;
		}
		break;
	}
	json_decref(o);
	return NULL;
}

static json_t *read_array(struct reader *r)
{
	json_t *a = json_array(), *v;

	skip_space(r);
	if (a != NULL && r->p < r->end && *r->p == ']') {
		r->p++;
		return a;
	}
	while (a != NULL) {
		if ((v = read_value(r)) == NULL || json_array_append_new(a, v) != 0)
			break;
		skip_space(r);
		if (r->p < r->end && *r->p == ',') {
			r->p++;
			skip_space(r);
			continue;
		}
		if (r->p < r->end && *r->p == ']') {
			r->p++;
			return a;
		}
		break;
	}
	json_decref(a);
	return NULL;
}

/* true, false or null, not followed by another letter */
static int read_word(struct reader *r, const char *w)
{
	size_t n = strlen(w);

	if ((size_t)(r->end - r->p) < n || memcmp(r->p, w, n) != 0)
		return 0;
	if (r->p + n < r->end &&
	    ((r->p[n] >= 'a' && r->p[n] <= 'z') || (r->p[n] >= 'A' && r->p[n] <= 'Z')))
		return 0;
	r->p += n;
	return 1;
}

static json_t *read_value(struct reader *r)
{
	json_t *v = NULL;

	if (r->p >= r->end || ++r->depth > READ_DEPTH_MAX)
		return NULL;
	switch (*r->p) {
	case '{':
		r->p++;
		v = read_object(r);
		break;
	case '[':
		r->p++;
		v = read_array(r);
		break;
	case '"': {
		const char *s;
		size_t len;
		char *buf;

		r->p++;
		if (read_string(r, &s, &len, &buf) == 0 && memchr(s, '\0', len) == NULL)
			v = json_stringn_nocheck(s, len);
		free(buf);
		break;
	}
	case 't': v = read_word(r, "true") ? json_true() : NULL; break;
	case 'f': v = read_word(r, "false") ? json_false() : NULL; break;
	case 'n': v = read_word(r, "null") ? json_null() : NULL; break;
	default: v = read_number(r);
	}
	r->depth--;
	return v;
}

json_t *jsontext_load(const char *text, json_error_t *je)
{
	struct reader r = {text, text + strlen(text), 0};
	json_t *v = NULL;

	skip_space(&r);
	if (r.p < r.end && (*r.p == '{' || *r.p == '[') && (v = read_value(&r)) != NULL) {
		skip_space(&r);
		if (r.p == r.end)
			return v;
		json_decref(v);
	}
	return json_loads(text, 0, je);
}

/* ---- JSON text as jansson writes it, faster ------------------------------ */

/*
 * The figures of 3,000 scores are ~11 MB of JSON, and json_dumps spent most
 * of its time in snprintf("%.15g") for the reals and in its check for
 * reference loops. put_json writes the same bytes as json_dumps(v,
 * JSON_COMPACT | JSON_REAL_PRECISION(15) | JSON_ENCODE_ANY), straight into
 * COPY's escapes when copy is set: object keys in jansson's (insertion) order,
 * strings escaped as jansson escapes valid UTF-8 (which is all a json_t
 * built by jansson's checked constructors can hold), reals as below.
 */

#if LDBL_MANT_DIG >= 64
/* 10^k, exact in a 64-bit long double mantissa for k <= 27 */
static const long double pow10l_exact[28] = {1e0L,  1e1L,  1e2L,  1e3L,  1e4L,  1e5L,  1e6L,
                                             1e7L,  1e8L,  1e9L,  1e10L, 1e11L, 1e12L, 1e13L,
                                             1e14L, 1e15L, 1e16L, 1e17L, 1e18L, 1e19L, 1e20L,
                                             1e21L, 1e22L, 1e23L, 1e24L, 1e25L, 1e26L, 1e27L};

/*
 * x > 0 rounded to 15 significant digits: *digits in [1e14, 1e15) and *exp10
 * with x ~ digits * 10^(exp10 - 14). One multiplication or division by an
 * exact power of ten in long double is off by less than 1e-4 at this scale,
 * so the rounding is right unless the fraction is that close to a half: then,
 * and out of the exact powers' range, returns -1 for snprintf to decide.
 */
static int round15(uint64_t *digits, int *exp10, double x)
{
	int e = (int)floor(log10(x));

	for (int tries = 0; tries < 3; tries++) {
		int p = 14 - e;
		long double s;
		long long r;

		if (p > 27 || p < -27)
			return -1;
		s = p >= 0 ? (long double)x * pow10l_exact[p] : (long double)x / pow10l_exact[-p];
		if (s < 1e14L) {
			e--;
			continue;
		}
		if (s >= 1e15L) {
			e++;
			continue;
		}
		/* nearest, in the default rounding mode (fistp, no change of mode) */
		r = llrintl(s);
		if (fabsl(fabsl(s - (long double)r) - 0.5L) < 1e-3L)
			return -1;
		*digits = (uint64_t)r;
		*exp10 = e;
		if (*digits == 1000000000000000ULL) {
			*digits /= 10;
			(*exp10)++;
		}
		return 0;
	}
	return -1;
}
#else
static int round15(uint64_t *digits, int *exp10, double x)
{
	(void)digits, (void)exp10, (void)x;
	return -1;
}
#endif

/* jansson's form of snprintf("%.15g"): ".0" added when there is neither a
 * point nor an exponent, and no '+' or leading zeros in the exponent. */
static size_t real_slow(char *out, double x)
{
	int n = snprintf(out, 32, "%.15g", x);
	char *e;

	if (strchr(out, '.') == NULL && strchr(out, 'e') == NULL) {
		memcpy(out + n, ".0", 3);
		return (size_t)n + 2;
	}
	if ((e = strchr(out, 'e')) != NULL) {
		char *start = e + 1 + (e[1] == '-'), *end = e + 2;

		while (*end == '0')
			end++;
		memmove(start, end, strlen(end) + 1);
	}
	return strlen(out);
}

/* A real as jansson writes it with JSON_REAL_PRECISION(15), into out (32
 * bytes); returns the length. */
static size_t real_text(char *out, double x)
{
	char d[16], *o = out;
	uint64_t digits;
	int e, n = 15;

	if (x == 0 || !isfinite(x) || round15(&digits, &e, fabs(x)) < 0)
		return real_slow(out, x);
	for (int i = 14; i >= 0; i--, digits /= 10)
		d[i] = (char)('0' + digits % 10);
	while (n > 1 && d[n - 1] == '0')
		n--;
	if (x < 0)
		*o++ = '-';
	if (e >= 15 || e < -4) { /* d.ddde-X */
		*o++ = d[0];
		if (n > 1) {
			*o++ = '.';
			memcpy(o, d + 1, (size_t)n - 1);
			o += n - 1;
		}
		o += snprintf(o, 8, "e%d", e);
	} else if (e >= 0) { /* ddd.ddd, or ddd.0 */
		for (int i = 0; i <= e; i++)
			*o++ = i < n ? d[i] : '0';
		*o++ = '.';
		if (n > e + 1) {
			memcpy(o, d + e + 1, (size_t)(n - e - 1));
			o += n - e - 1;
		} else {
			*o++ = '0';
		}
	} else { /* 0.000ddd */
		*o++ = '0';
		*o++ = '.';
		for (int i = -1; i > e; i--)
			*o++ = '0';
		memcpy(o, d, (size_t)n);
		o += n;
	}
	*o = '\0';
	return (size_t)(o - out);
}

/* A string in double quotes with JSON's escapes, each backslash written twice
 * when copy is set. */
static void put_json_string(struct db_copy *b, const char *s, size_t n, int copy)
{
	static const char hex[] = "0123456789ABCDEF";
	char *o;

	if (db_copy_reserve(b, 2 + 8 * n) < 0)
		return;
	o = b->buf + b->len;
	*o++ = '"';
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		char x = 0;

		if (c >= 0x20 && c != '"' && c != '\\') {
			*o++ = (char)c;
			continue;
		}
		*o++ = '\\';
		if (copy)
			*o++ = '\\';
		switch (c) {
		case '"': x = '"'; break;
		case '\\': x = '\\'; break;
		case '\b': x = 'b'; break;
		case '\f': x = 'f'; break;
		case '\n': x = 'n'; break;
		case '\r': x = 'r'; break;
		case '\t': x = 't'; break;
		}
		if (x == '\\' && copy) {
			*o++ = '\\';
			*o++ = '\\';
		} else if (x) {
			*o++ = x;
		} else {
			*o++ = 'u';
			*o++ = '0';
			*o++ = '0';
			*o++ = hex[c >> 4];
			*o++ = hex[c & 15];
		}
	}
	*o++ = '"';
	b->len = (size_t)(o - b->buf);
}

void jsontext_put(struct db_copy *b, const json_t *v, int copy)
{
	char t[32];

	switch (json_typeof(v)) {
	case JSON_OBJECT:
		db_copy_raw(b, "{", 1);
		for (void *it = json_object_iter((json_t *)v); it != NULL;) {
			put_json_string(b, json_object_iter_key(it), json_object_iter_key_len(it),
			                copy);
			db_copy_raw(b, ":", 1);
			jsontext_put(b, json_object_iter_value(it), copy);
			if ((it = json_object_iter_next((json_t *)v, it)) != NULL)
				db_copy_raw(b, ",", 1);
		}
		db_copy_raw(b, "}", 1);
		break;
	case JSON_ARRAY:
		db_copy_raw(b, "[", 1);
		for (size_t i = 0; i < json_array_size(v); i++) {
			if (i > 0)
				db_copy_raw(b, ",", 1);
			jsontext_put(b, json_array_get(v, i), copy);
		}
		db_copy_raw(b, "]", 1);
		break;
	case JSON_STRING:
		put_json_string(b, json_string_value(v), json_string_length(v), copy);
		break;
	case JSON_INTEGER:
		db_copy_raw(
		    b, t,
		    (size_t)snprintf(t, sizeof(t), "%" JSON_INTEGER_FORMAT, json_integer_value(v)));
		break;
	case JSON_REAL: db_copy_raw(b, t, real_text(t, json_real_value(v))); break;
	case JSON_TRUE: db_copy_raw(b, "true", 4); break;
	case JSON_FALSE: db_copy_raw(b, "false", 5); break;
	case JSON_NULL: db_copy_raw(b, "null", 4); break;
	}
}

char *jsontext_dump(const json_t *v, int copy)
{
	struct db_copy b = {0};

	jsontext_put(&b, v, copy);
	db_copy_raw(&b, "", 1);
	if (b.oom) {
		free(b.buf);
		return NULL;
	}
	return b.buf;
}
