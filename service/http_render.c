/*
 * http_render.c - the pure parts of HTTP: CSV, gzip, negotiation,
 * ETags, CORS origins and Link headers. No I/O, no server.
 */
#include "http.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

/* ---- header lists: "a;q=0.5, b" ---- */

/* Iterates the comma-separated items of a header; returns the next start. */
static const char *next_item(const char *p, const char **start, size_t *len, double *q)
{
	const char *end;

	while (*p == ' ' || *p == '\t' || *p == ',')
		p++;
	if (*p == '\0')
		return NULL;
	end = p + strcspn(p, ",");
	*start = p;
	*len = strcspn(p, ";,");
	while (*len > 0 && (p[*len - 1] == ' ' || p[*len - 1] == '\t'))
		(*len)--;
	*q = 1.0;
	for (const char *s = p + *len; s < end; s++) {
		if (*s != ';')
			continue;
		s++;
		while (*s == ' ')
			s++;
		if ((s[0] == 'q' || s[0] == 'Q') && s[1] == '=')
			*q = strtod(s + 2, NULL);
	}
	return end;
}

static int item_is(const char *s, size_t n, const char *what)
{
	return strlen(what) == n && strncasecmp(s, what, n) == 0;
}

int http_accept_pick(const char *accept, int csv_ok)
{
	double qjson = 0, qcsv = 0;
	const char *p = accept, *s;
	size_t n;
	double q;
	int specific_json = 0, specific_csv = 0;

	if (accept == NULL || accept[0] == '\0')
		return HTTP_REP_JSON;
	while ((p = next_item(p, &s, &n, &q)) != NULL) {
		if (item_is(s, n, "application/json")) {
			qjson = q;
			specific_json = 1;
		} else if (item_is(s, n, "text/csv")) {
			qcsv = q;
			specific_csv = 1;
		} else if (item_is(s, n, "*/*")) {
			if (!specific_json && q > qjson)
				qjson = q;
			if (!specific_csv && q > qcsv)
				qcsv = q;
		} else if (item_is(s, n, "application/*")) {
			if (!specific_json)
				qjson = q;
		} else if (item_is(s, n, "text/*")) {
			if (!specific_csv)
				qcsv = q;
		}
	}
	if (!csv_ok)
		qcsv = 0;
	if (qjson <= 0 && qcsv <= 0)
		return -1;
	return qcsv > qjson ? HTTP_REP_CSV : HTTP_REP_JSON;
}

int http_accepts_gzip(const char *ae)
{
	const char *p = ae, *s;
	size_t n;
	double q, star = -1, gz = -1;

	if (ae == NULL)
		return 0;
	while ((p = next_item(p, &s, &n, &q)) != NULL) {
		if (item_is(s, n, "gzip") || item_is(s, n, "x-gzip"))
			gz = q;
		else if (item_is(s, n, "*"))
			star = q;
	}
	if (gz >= 0)
		return gz > 0;
	return star > 0;
}

/* ---- CSV ---- */

/*
 * A field; text fields that a spreadsheet would read as a formula (OWASP's
 * CSV injection rule: a first character of = + - @ tab or carriage return)
 * are quoted and prefixed with an apostrophe, so Excel, LibreOffice and
 * Power BI show the text instead of running it. Numbers are never text here:
 * a negative BCR stays a number.
 */
static void csv_field_as(struct buf *b, const char *s, size_t n, int text)
{
	int quote = 0, defuse = text && n > 0 && s[0] != '\0' && strchr("=+-@\t\r", s[0]) != NULL;

	for (size_t i = 0; i < n; i++)
		if (s[i] == ',' || s[i] == '"' || s[i] == '\r' || s[i] == '\n') {
			quote = 1;
			break;
		}
	if (!quote && !defuse) {
		buf_add(b, s, n);
		return;
	}
	buf_add(b, defuse ? "\"'" : "\"", defuse ? 2 : 1);
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '"')
			buf_add(b, "\"", 1);
		buf_add(b, s + i, 1);
	}
	buf_add(b, "\"", 1);
}

static void csv_field(struct buf *b, const char *s, size_t n)
{
	csv_field_as(b, s, n, 1);
}

/* The text of a scalar, into tmp or borrowed; NULL for null. */
static const char *scalar_text(const json_t *v, char *tmp, size_t size, size_t *len)
{
	switch (json_typeof(v)) {
	case JSON_STRING: *len = json_string_length(v); return json_string_value(v);
	case JSON_INTEGER:
		*len = (size_t)snprintf(tmp, size, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return tmp;
	case JSON_REAL:
		/* 15 significant digits: what a spreadsheet keeps */
		*len = (size_t)snprintf(tmp, size, "%.15g", json_real_value(v));
		return tmp;
	case JSON_TRUE: *len = 4; return "true";
	case JSON_FALSE: *len = 5; return "false";
	default: *len = 0; return NULL;
	}
}

static int all_scalars(const json_t *a)
{
	size_t i;
	json_t *v;

	json_array_foreach(a, i, v) if (json_is_object(v) || json_is_array(v)) return 0;
	return 1;
}

static void csv_value(struct buf *b, const json_t *v)
{
	char tmp[64];
	size_t len;
	const char *s;

	if (v == NULL || json_is_null(v))
		return;
	if (json_is_array(v) && all_scalars(v)) {
		struct buf j = {0};
		size_t i;
		json_t *x;
		json_array_foreach(v, i, x)
		{
			if (i > 0)
				buf_add(&j, ";", 1);
			s = scalar_text(x, tmp, sizeof(tmp), &len);
			if (s != NULL)
				buf_add(&j, s, len);
		}
		if (j.failed)
			b->failed = 1;
		csv_field(b, j.data ? j.data : "", j.len);
		buf_free(&j);
		return;
	}
	if (json_is_array(v) || json_is_object(v)) {
		char *text = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS);
		if (text == NULL) {
			b->failed = 1;
			return;
		}
		csv_field(b, text, strlen(text));
		free(text);
		return;
	}
	s = scalar_text(v, tmp, sizeof(tmp), &len);
	if (s != NULL)
		csv_field_as(b, s, len, json_is_string(v));
}

static int csv_render(struct buf *out, const json_t *rows, const char *const *columns, int header);

int http_csv_render(struct buf *out, const json_t *rows, const char *const *columns)
{
	return csv_render(out, rows, columns, 1);
}

int http_csv_rows(struct buf *out, const json_t *rows, const char *const *columns)
{
	return csv_render(out, rows, columns, 0);
}

static int csv_render(struct buf *out, const json_t *rows, const char *const *columns, int header)
{
	const char *derived[128];
	size_t i, ncol = 0;
	json_t *row;

	if (columns == NULL) {
		const char *key;
		json_t *v;
		json_t *first = json_array_get(rows, 0);
		if (first != NULL)
			json_object_foreach(first, key, v)
			{
				if (ncol + 1 >= sizeof(derived) / sizeof(derived[0]))
					break;
				derived[ncol++] = key;
			}
		derived[ncol] = NULL;
		columns = derived;
	}
	for (ncol = 0; columns[ncol] != NULL; ncol++)
		;
	if (header) {
		buf_add(out, "\xEF\xBB\xBF", 3);
		for (size_t c = 0; c < ncol; c++) {
			if (c > 0)
				buf_add(out, ",", 1);
			csv_field(out, columns[c], strlen(columns[c]));
		}
		buf_add(out, "\r\n", 2);
	}
	json_array_foreach(rows, i, row)
	{
		for (size_t c = 0; c < ncol; c++) {
			if (c > 0)
				buf_add(out, ",", 1);
			csv_value(out, json_object_get(row, columns[c]));
		}
		buf_add(out, "\r\n", 2);
	}
	return out->failed ? WW_ENOMEM : 0;
}

/* ---- gzip ---- */

int http_gzip(struct buf *out, const void *in, size_t n)
{
	z_stream z;
	int rc;

	memset(&z, 0, sizeof(z));
	/* 15 + 16: a gzip header and trailer rather than zlib's */
	if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return WW_ENOMEM;
	size_t bound = deflateBound(&z, (uLong)n);
	out->len = 0;
	buf_add(out, "", 0);
	if (out->failed || out->cap < bound + 1) {
		char *d = realloc(out->data, bound + 1);
		if (d == NULL) {
			deflateEnd(&z);
			return WW_ENOMEM;
		}
		out->data = d;
		out->cap = bound + 1;
		out->failed = 0;
	}
	z.next_in = (Bytef *)(uintptr_t)in;
	z.avail_in = (uInt)n;
	z.next_out = (Bytef *)out->data;
	z.avail_out = (uInt)bound;
	rc = deflate(&z, Z_FINISH);
	out->len = bound - z.avail_out;
	deflateEnd(&z);
	return rc == Z_STREAM_END ? 0 : WW_ENOMEM;
}

/* ---- ETags ---- */

void http_etag_variant(char *out, size_t size, const char *base, int rep, int gz)
{
	size_t n = strlen(base);
	const char *suffix = rep == HTTP_REP_CSV    ? (gz ? "-csv-gz" : "-csv")
	                     : rep == HTTP_REP_HTML ? (gz ? "-html-gz" : "-html")
	                                            : (gz ? "-gz" : "");

	if (n >= 2 && base[n - 1] == '"') {
		const char *open = strchr(base, '"');
		snprintf(out, size, "\"%.*s%s\"", (int)(n - 2 - (size_t)(open - base)), open + 1,
		         suffix);
	} else {
		snprintf(out, size, "\"%s%s\"", base, suffix);
	}
}

/* The opaque tag without W/ and quotes. */
static void opaque(const char *s, size_t n, const char **o, size_t *on)
{
	if (n >= 2 && s[0] == 'W' && s[1] == '/') {
		s += 2;
		n -= 2;
	}
	if (n >= 2 && s[0] == '"' && s[n - 1] == '"') {
		s++;
		n -= 2;
	}
	*o = s;
	*on = n;
}

int http_etag_match(const char *inm, const char *etag)
{
	const char *e, *p = inm;
	size_t en;

	if (inm == NULL || etag == NULL)
		return 0;
	opaque(etag, strlen(etag), &e, &en);
	while (*p) {
		const char *s, *o;
		size_t n, on;
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (*p == '\0')
			break;
		s = p;
		/* an entity tag may not contain a comma: scan to the next one */
		p += strcspn(p, ",");
		n = (size_t)(p - s);
		while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
			n--;
		if (n == 1 && s[0] == '*')
			return 1;
		opaque(s, n, &o, &on);
		if (on == en && memcmp(o, e, en) == 0)
			return 1;
	}
	return 0;
}

/* ---- CORS ---- */

int http_origin_allowed(const char *allowed, const char *origin)
{
	const char *p = allowed;
	size_t olen;

	if (allowed == NULL || origin == NULL || origin[0] == '\0')
		return 0;
	if (strcmp(allowed, "*") == 0)
		return 1;
	olen = strlen(origin);
	while (*p) {
		size_t n = strcspn(p, ", ");
		if (n == olen && strncasecmp(p, origin, n) == 0)
			return 1;
		p += n;
		p += strspn(p, ", ");
	}
	return 0;
}

/* ---- Link ---- */

static int is_paging_key(const char *s, size_t n)
{
	size_t k = strcspn(s, "=");
	if (k > n)
		k = n;
	return (k == 6 && strncmp(s, "offset", 6) == 0) || (k == 6 && strncmp(s, "cursor", 6) == 0);
}

static void link_one(struct buf *out, const char *path, const char *q, const char *key,
                     const char *val, const char *rel)
{
	int any = 0;

	if (out->len > 0)
		buf_adds(out, ", ");
	buf_printf(out, "<%s?", path);
	for (const char *p = q; p != NULL && *p;) {
		size_t n = strcspn(p, "&");
		if (n > 0 && !is_paging_key(p, n)) {
			if (any)
				buf_add(out, "&", 1);
			buf_add(out, p, n);
			any = 1;
		}
		p += n;
		if (*p == '&')
			p++;
	}
	if (any)
		buf_add(out, "&", 1);
	buf_printf(out, "%s=", key);
	for (const char *c = val; *c; c++) {
		if (isalnum((unsigned char)*c) || strchr("-._~", *c))
			buf_add(out, c, 1);
		else
			buf_printf(out, "%%%02X", (unsigned char)*c);
	}
	buf_printf(out, ">; rel=\"%s\"", rel);
}

void http_link_header(struct buf *out, const char *path, const char *raw_query, long long limit,
                      long long offset, long long total, const char *next_cursor, int used_cursor)
{
	char v[32];

	if (limit <= 0)
		return;
	link_one(out, path, raw_query, "offset", "0", "first");
	if (offset > 0 && !used_cursor) {
		snprintf(v, sizeof(v), "%lld", offset > limit ? offset - limit : 0);
		link_one(out, path, raw_query, "offset", v, "prev");
	}
	if (used_cursor && next_cursor != NULL && next_cursor[0] != '\0') {
		link_one(out, path, raw_query, "cursor", next_cursor, "next");
	} else if (!used_cursor && (total >= 0 ? offset + limit < total
	                                       : (next_cursor != NULL && next_cursor[0] != '\0'))) {
		snprintf(v, sizeof(v), "%lld", offset + limit);
		link_one(out, path, raw_query, "offset", v, "next");
	}
	if (total > 0 && !used_cursor) {
		snprintf(v, sizeof(v), "%lld", (total - 1) / limit * limit);
		link_one(out, path, raw_query, "offset", v, "last");
	}
}

unsigned long long http_hash(const void *p, size_t n)
{
	const unsigned char *s = p;
	unsigned long long h = 1469598103934665603ULL;

	for (size_t i = 0; i < n; i++) {
		h ^= s[i];
		h *= 1099511628211ULL;
	}
	return h;
}
