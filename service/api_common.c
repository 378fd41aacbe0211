/*
 * api_common.c - the evidence version, as_of, paging and cursors, the SQL
 * builder and the response envelope shared by every endpoint
 *
 * The cursor. Paging is by offset within one pinned evidence version, so a
 * cursor carries: a format number, the import run the first page was read
 * from (later pages read as of that run, so an import landing mid-walk does
 * not shift rows), the offset of the next page, a keyset key (imports only:
 * the last run id served, so new runs do not shift a newest-first walk), and
 * a 64-bit FNV-1a hash of the endpoint and every non-paging parameter (sort,
 * filters, as_of). The text "1.<run>.<offset>.<key>.<hash hex>" is sent
 * base64url-encoded without padding. Clients treat it as opaque; a cursor
 * used with other parameters, edited, or sent with offset is a 400. Only the
 * canonical text is accepted (no sign, leading zero, space or upper-case
 * hex: it is decoded, written again and compared).
 *
 * It is not signed, and needs no secret: it is a convenience over what any
 * client may ask for directly (as_of and offset, or the imports' newest-first
 * order), so an edited cursor can reach nothing those parameters cannot. The
 * hash only catches a cursor sent with other filters by mistake.
 */
#include "api_internal.h"
#include "db_row.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OFFSET_MAX 1000000000000LL

/* ---- the SQL builder ---- */

void qb_init(struct qb *q)
{
	q->len = 0;
	q->overflow = 0;
	q->prepare = 0;
	q->n = 0;
	q->sql[0] = '\0';
}

void qb_sql(struct qb *q, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (q->overflow)
		return;
	va_start(ap, fmt);
	n = vsnprintf(q->sql + q->len, sizeof(q->sql) - q->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(q->sql) - q->len)
		q->overflow = 1;
	else
		q->len += (size_t)n;
}

int qb_param(struct qb *q, const char *value)
{
	if (q->n == QB_MAX_PARAMS || (value != NULL && strlen(value) >= QB_VALUE_MAX)) {
		q->overflow = 1;
		return 1;
	}
	if (value == NULL) {
		q->values[q->n] = NULL;
	} else {
		memcpy(q->store[q->n], value, strlen(value) + 1);
		q->values[q->n] = q->store[q->n];
	}
	return ++q->n;
}

int qb_param_ll(struct qb *q, long long v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%lld", v);
	return qb_param(q, buf);
}

/* Runs q, which must return one row of nfields columns; *out gets it. */
static int qb_exec_row(struct qb *q, PGconn *db, int nfields, struct db_row **out, struct err *e)
{
	*out = NULL;
	if (q->overflow)
		return err_set(e, WW_ENOMEM, "query too large to build");
	return db_row_query(out, db, q->sql, q->n, q->values, nfields, q->prepare, e);
}

int qb_exec_json(struct qb *q, PGconn *db, json_t **out, struct err *e)
{
	struct db_row *res;
	json_error_t jerr;
	const char *v;
	size_t len;
	int rc;

	*out = NULL;
	if ((rc = qb_exec_row(q, db, 1, &res, e)) < 0)
		return rc;
	if ((v = db_row_value(res, 0, &len)) == NULL) {
		db_row_free(res);
		return err_set(e, WW_EDB, "could not read the evidence base: unexpected result");
	}
	*out = json_loadb(v, len, 0, &jerr);
	db_row_free(res);
	if (*out == NULL)
		return err_set(e, WW_EDB, "could not parse the database's JSON: %s", jerr.text);
	return 0;
}

void api_bind_run(struct qb *q, long long run)
{
	if (run > 0)
		qb_param_ll(q, run);
	else
		qb_param(q, NULL);
}

/* ---- the evidence version ---- */

static void make_etag(struct api_version *v)
{
	char c12[13];
	size_t n = 0;

	if (v->run_id <= 0) {
		snprintf(v->etag, sizeof(v->etag), "\"ev-0\"");
		return;
	}
	/* only characters an ETag may hold, whatever a feed calls its versions */
	for (const char *s = v->commit; *s != '\0' && n < 12; s++)
		if (isalnum((unsigned char)*s))
			c12[n++] = *s;
	c12[n] = '\0';
	snprintf(v->etag, sizeof(v->etag), "\"ev-%lld-%s\"", v->run_id, c12);
}

void api_version_from_json(struct api_version *v, const json_t *obj)
{
	const char *c = json_string_value(json_object_get(obj, "commit"));

	memset(v, 0, sizeof(*v));
	v->run_id = json_integer_value(json_object_get(obj, "run_id"));
	snprintf(v->commit, sizeof(v->commit), "%s", c ? c : "");
	make_etag(v);
}

int api_version_current(struct api_version *out, PGconn *db, struct err *e)
{
	struct qb q;
	json_t *doc;
	int rc;

	qb_init(&q);
	qb_param(&q, NULL);
	qb_sql(&q, "SELECT coalesce(" API_VERSION_SQL ", '{}'::json)::text");
	if ((rc = qb_exec_json(&q, db, &doc, e)) < 0)
		return rc;
	api_version_from_json(out, doc);
	json_decref(doc);
	return 0;
}

static int is_hex(const char *s)
{
	for (; *s != '\0'; s++)
		if (!isxdigit((unsigned char)*s))
			return 0;
	return 1;
}

int api_parse_as_of(long long *run, PGconn *db, const struct api_params *p, struct err *e)
{
	const char *v = api_param(p, "as_of");
	char prefix[72];
	struct qb q;
	json_t *doc;
	long long matches;
	int rc;

	*run = 0;
	if (v == NULL)
		return 0;
	if (strlen(v) < 7 || strlen(v) > 64 || !is_hex(v))
		return err_set(
		    e, WW_EINVALID,
		    "parameter \"as_of\" must be a commit id: 7 to 64 hexadecimal digits");
	for (size_t i = 0; i <= strlen(v); i++)
		prefix[i] = (char)tolower((unsigned char)v[i]);
	qb_init(&q);
	qb_param(&q, prefix);
	/* the latest succeeded run of the commit that imported it (a re-import,
	 * mode 'unchanged', is no version); more than one commit: ambiguous */
	qb_sql(&q,
	       "SELECT json_build_object('commits', count(DISTINCT commit), 'run',"
	       " coalesce(max(id) FILTER (WHERE mode IS DISTINCT FROM 'unchanged'), max(id)))::text"
	       " FROM import_runs WHERE status = 'succeeded' AND commit LIKE $1 || '%%'");
	if ((rc = qb_exec_json(&q, db, &doc, e)) < 0)
		return rc;
	matches = json_integer_value(json_object_get(doc, "commits"));
	*run = json_integer_value(json_object_get(doc, "run"));
	json_decref(doc);
	if (matches == 0)
		return err_set(e, WW_ENOTFOUND, "commit \"%s\" has not been imported", prefix);
	if (matches > 1)
		return err_set(e, WW_EINVALID,
		               "parameter \"as_of\": commit prefix \"%s\" is ambiguous, give more "
		               "digits",
		               prefix);
	return 0;
}

/* ---- paging and cursors ---- */

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static void b64url_encode(char *out, size_t size, const unsigned char *in, size_t n)
{
	size_t o = 0;
	uint32_t acc = 0;
	int bits = 0;

	for (size_t i = 0; i < n && o + 2 < size; i++) {
		acc = (acc << 8) | in[i];
		bits += 8;
		while (bits >= 6 && o + 1 < size) {
			bits -= 6;
			out[o++] = b64[(acc >> bits) & 63];
		}
	}
	if (bits > 0 && o + 1 < size)
		out[o++] = b64[(acc << (6 - bits)) & 63];
	out[o] = '\0';
}

/* Returns the decoded length, or -1 for a character outside the alphabet. */
static int b64url_decode(unsigned char *out, size_t size, const char *in)
{
	size_t o = 0;
	uint32_t acc = 0;
	int bits = 0;

	for (; *in != '\0'; in++) {
		const char *c = strchr(b64, *in);
		if (c == NULL || o + 1 >= size)
			return -1;
		acc = (acc << 6) | (uint32_t)(c - b64);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (unsigned char)((acc >> bits) & 0xff);
		}
	}
	/* canonical only: no dangling character, unused bits zero */
	if (bits >= 6 || (acc & ((1u << bits) - 1)) != 0)
		return -1;
	out[o] = '\0';
	return (int)o;
}

static uint64_t fnv(uint64_t h, const char *s)
{
	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h;
}

static int paging_name(const char *n)
{
	return strcmp(n, "limit") == 0 || strcmp(n, "offset") == 0 || strcmp(n, "cursor") == 0 ||
	       strcmp(n, "format") == 0;
}

static uint64_t params_hash(const struct api_params *p, const char *endpoint,
                            const char *const *allowed)
{
	uint64_t h = fnv(14695981039346656037ULL, endpoint);

	for (size_t i = 0; allowed[i] != NULL; i++) {
		const char *v = api_param(p, allowed[i]);
		if (paging_name(allowed[i]))
			continue;
		h = fnv(h, "&");
		h = fnv(h, allowed[i]);
		h = fnv(h, v ? "=" : "!");
		h = fnv(h, v ? v : "");
	}
	return h;
}

static int bad_cursor(struct err *e)
{
	return err_set(e, WW_EINVALID,
	               "parameter \"cursor\" must be a next_cursor this endpoint returned, sent "
	               "with the same sort and filters");
}

static int decode_cursor(struct api_page *pg, const char *v, struct err *e)
{
	unsigned char raw[128];
	long long run, offset, key;
	uint64_t hash;
	int used = 0, n;

	if (strlen(v) > 160 || (n = b64url_decode(raw, sizeof(raw), v)) < 0 ||
	    strlen((char *)raw) != (size_t)n)
		return bad_cursor(e);
	if (sscanf((char *)raw, "1.%lld.%lld.%lld.%16" SCNx64 "%n", &run, &offset, &key, &hash,
	           &used) != 4 ||
	    raw[used] != '\0' || run < 0 || offset < 0 || offset > OFFSET_MAX || key < 0 ||
	    hash != pg->hash)
		return bad_cursor(e);
	/* canonical only: what this server would have written, byte for byte */
	char again[128];
	snprintf(again, sizeof(again), "1.%lld.%lld.%lld.%016" PRIx64, run, offset, key, hash);
	if (strcmp(again, (char *)raw) != 0)
		return bad_cursor(e);
	pg->run = run;
	pg->offset = offset;
	pg->key = key;
	pg->from_cursor = 1;
	return 0;
}

int api_parse_page(struct api_page *pg, PGconn *db, const struct api_params *p,
                   const char *endpoint, const char *const *allowed, long long def_limit,
                   long long max_limit, struct err *e)
{
	const char *cursor = api_param(p, "cursor");
	int rc;

	memset(pg, 0, sizeof(*pg));
	pg->limit = p != NULL && p->whole ? max_limit : def_limit;
	pg->hash = params_hash(p, endpoint, allowed);
	if ((rc = api_param_int(p, "limit", 1, max_limit, &pg->limit, e)) < 0)
		return rc;
	if ((rc = api_param_int(p, "offset", 0, OFFSET_MAX, &pg->offset, e)) < 0)
		return rc;
	if (cursor != NULL) {
		if (rc == 1)
			return err_set(
			    e, WW_EINVALID,
			    "parameters \"cursor\" and \"offset\" cannot be used together: "
			    "the cursor holds the offset");
		return decode_cursor(pg, cursor, e);
	}
	for (size_t i = 0; allowed[i] != NULL; i++)
		if (strcmp(allowed[i], "as_of") == 0)
			return api_parse_as_of(&pg->run, db, p, e);
	return 0;
}

static void encode_cursor(char *out, size_t size, const struct api_page *pg, long long run,
                          long long offset, long long key)
{
	char raw[128];

	snprintf(raw, sizeof(raw), "1.%lld.%lld.%lld.%016" PRIx64, run, offset, key < 0 ? 0 : key,
	         pg->hash);
	b64url_encode(out, size, (const unsigned char *)raw, strlen(raw));
}

/* ---- the response envelope ---- */

static json_t *version_json(const struct api_version *v)
{
	return json_pack("{s:I, s:o}", "run_id", (json_int_t)v->run_id, "commit",
	                 v->commit[0] ? json_string(v->commit) : json_null());
}

static const json_t *lookup_path(const json_t *obj, const char *path)
{
	char key[64];
	const char *dot;

	while ((dot = strchr(path, '.')) != NULL && obj != NULL) {
		snprintf(key, sizeof(key), "%.*s", (int)(dot - path), path);
		obj = json_object_get(obj, key);
		path = dot + 1;
	}
	return obj ? json_object_get(obj, path) : NULL;
}

/* Arrays of scalars become "a;b;c"; objects and nested arrays compact JSON. */
static json_t *flat_value(const json_t *v)
{
	if (v == NULL)
		return json_null();
	if (json_is_array(v)) {
		size_t i, len = 0, cap = 64;
		char *buf = malloc(cap);
		json_t *el, *s;
		int scalar = 1;

		json_array_foreach(v, i, el) scalar &= !json_is_object(el) && !json_is_array(el);
		if (!scalar || buf == NULL) {
			free(buf);
			char *d = json_dumps(v, JSON_COMPACT);
			s = json_string(d ? d : "");
			free(d);
			return s;
		}
		buf[0] = '\0';
		json_array_foreach(v, i, el)
		{
			char num[40];
			const char *t = json_string_value(el);
			if (t == NULL) {
				char *d = json_dumps(el, JSON_ENCODE_ANY | JSON_COMPACT);
				snprintf(num, sizeof(num), "%s", d ? d : "");
				free(d);
				t = num;
			}
			size_t need = len + strlen(t) + 2;
			if (need > cap) {
				char *nb = realloc(buf, cap = need * 2);
				if (nb == NULL)
					break;
				buf = nb;
			}
			len += (size_t)sprintf(buf + len, "%s%s", i ? ";" : "", t);
		}
		s = json_string(buf);
		free(buf);
		return s;
	}
	if (json_is_object(v)) {
		char *d = json_dumps(v, JSON_COMPACT);
		json_t *s = json_string(d ? d : "");
		free(d);
		return s;
	}
	return json_incref((json_t *)v);
}

json_t *api_flatten_rows(const json_t *items, const char *const *columns)
{
	json_t *rows = json_array();
	const json_t *item;
	size_t i;

	if (rows == NULL)
		return NULL;
	json_array_foreach(items, i, item)
	{
		json_t *row = json_object();
		for (size_t c = 0; columns[c] != NULL; c++)
			json_object_set_new(row, columns[c],
			                    flat_value(lookup_path(item, columns[c])));
		json_array_append_new(rows, row);
	}
	return rows;
}

int api_finish_list(struct api_result *out, json_t *doc, const struct api_page *pg,
                    const char *const *columns, long long next_key, struct err *e)
{
	json_t *data = json_object_get(doc, "data");
	json_t *meta;
	size_t n = json_array_size(data);

	out->total = json_integer_value(json_object_get(doc, "total"));
	out->limit = pg->limit;
	out->offset = pg->offset;
	api_version_from_json(&out->version, json_object_get(doc, "version"));
	if (!json_is_array(data)) {
		json_decref(doc);
		return err_set(e, WW_EDB, "could not read the evidence base: no data array");
	}
	out->next_cursor[0] = '\0';
	if (pg->offset + (long long)n < out->total && n > 0)
		encode_cursor(out->next_cursor, sizeof(out->next_cursor), pg,
		              pg->run > 0 ? pg->run : out->version.run_id,
		              pg->offset + (long long)n, next_key);
	meta = json_pack("{s:I, s:I, s:I, s:o, s:o}", "total", (json_int_t)out->total, "limit",
	                 (json_int_t)out->limit, "offset", (json_int_t)out->offset, "next_cursor",
	                 out->next_cursor[0] ? json_string(out->next_cursor) : json_null(),
	                 "evidence_version", version_json(&out->version));
	out->body = json_pack("{s:O, s:o}", "data", data, "meta", meta);
	json_decref(doc);
	if (out->body == NULL)
		return err_set(e, WW_ENOMEM, "out of memory building the response");
	out->columns = columns;
	if (columns != NULL)
		out->rows = api_flatten_rows(data, columns);
	return 0;
}

int api_finish_item(struct api_result *out, json_t *doc, const char *what, const char *id,
                    const char *rows_key, const char *const *columns, struct err *e)
{
	json_t *data = json_object_get(doc, "data");

	out->total = -1;
	api_version_from_json(&out->version, json_object_get(doc, "version"));
	if (data == NULL || json_is_null(data)) {
		json_decref(doc);
		return err_set(e, WW_ENOTFOUND, "%s \"%.80s\" does not exist", what, id);
	}
	out->body = json_pack("{s:O, s:{s:o}}", "data", data, "meta", "evidence_version",
	                      version_json(&out->version));
	json_decref(doc);
	if (out->body == NULL)
		return err_set(e, WW_ENOMEM, "out of memory building the response");
	if (rows_key != NULL && columns != NULL) {
		json_t *items = json_object_get(json_object_get(out->body, "data"), rows_key);
		out->columns = columns;
		out->rows = api_flatten_rows(json_is_array(items) ? items : NULL, columns);
	}
	return 0;
}

/* Parses a small JSON value (the version) PostgreSQL returned; NULL for SQL NULL. */
static void version_from_text(struct api_version *v, const struct db_row *res, int col)
{
	json_t *obj = NULL;
	size_t len;
	const char *text = db_row_value(res, col, &len);

	if (text != NULL)
		obj = json_loadb(text, len, 0, NULL);
	api_version_from_json(v, obj);
	json_decref(obj);
}

/* Copies the JSON text src without the whitespace PostgreSQL puts between
 * tokens ("key" : value, ", \n " in arrays); returns the length copied. */
static size_t copy_compact(char *dst, const char *src, size_t n)
{
	size_t o = 0;
	int in_str = 0;

	for (size_t i = 0; i < n; i++) {
		char ch = src[i];
		if (in_str) {
			dst[o++] = ch;
			if (ch == '\\' && i + 1 < n)
				dst[o++] = src[++i];
			else if (ch == '"')
				in_str = 0;
		} else if (ch != ' ' && ch != '\n' && ch != '\t' && ch != '\r') {
			dst[o++] = ch;
			in_str = ch == '"';
		}
	}
	return o;
}

/* out->text = {"data":<data>,"meta":<meta>}, data without its whitespace;
 * meta is stolen. */
static int envelope(struct api_result *out, const char *data, size_t data_len, json_t *meta,
                    struct err *e)
{
	char *m = meta ? json_dumps(meta, JSON_COMPACT) : NULL;
	size_t mlen = m ? strlen(m) : 0;

	json_decref(meta);
	if (m != NULL)
		out->text = malloc(data_len + mlen + sizeof("{\"data\":,\"meta\":}"));
	if (out->text == NULL) {
		free(m);
		return err_set(e, WW_ENOMEM, "out of memory building the response");
	}
	memcpy(out->text, "{\"data\":", 8);
	data_len = copy_compact(out->text + 8, data, data_len);
	memcpy(out->text + 8 + data_len, ",\"meta\":", 8);
	memcpy(out->text + 16 + data_len, m, mlen);
	out->text[16 + data_len + mlen] = '}';
	out->text[17 + data_len + mlen] = '\0';
	out->text_len = 17 + data_len + mlen;
	free(m);
	return 0;
}

int api_list_text(struct api_result *out, struct qb *q, PGconn *db, const struct api_page *pg,
                  const char *const *columns, long long next_key, struct err *e)
{
	struct db_row *res;
	const char *total, *count, *data;
	size_t data_len;
	json_t *meta;
	long long n;
	int rc;

	if ((rc = qb_exec_row(q, db, 4, &res, e)) < 0)
		return rc;
	total = db_row_value(res, 0, NULL);
	count = db_row_value(res, 2, NULL);
	data = db_row_value(res, 3, &data_len);
	if (total == NULL || count == NULL || data == NULL) {
		db_row_free(res);
		return err_set(e, WW_EDB, "could not read the evidence base: no data array");
	}
	out->total = atoll(total);
	out->limit = pg->limit;
	out->offset = pg->offset;
	version_from_text(&out->version, res, 1);
	n = atoll(count);
	out->next_cursor[0] = '\0';
	if (pg->offset + n < out->total && n > 0)
		encode_cursor(out->next_cursor, sizeof(out->next_cursor), pg,
		              pg->run > 0 ? pg->run : out->version.run_id, pg->offset + n,
		              next_key);
	meta = json_pack("{s:I, s:I, s:I, s:o, s:o}", "total", (json_int_t)out->total, "limit",
	                 (json_int_t)out->limit, "offset", (json_int_t)out->offset, "next_cursor",
	                 out->next_cursor[0] ? json_string(out->next_cursor) : json_null(),
	                 "evidence_version", version_json(&out->version));
	rc = envelope(out, data, data_len, meta, e);
	db_row_free(res);
	if (rc < 0)
		return rc;
	out->columns = columns;
	out->rows_key = NULL;
	return 0;
}

int api_item_text(struct api_result *out, struct qb *q, PGconn *db, const char *what,
                  const char *id, const char *rows_key, const char *const *columns, struct err *e)
{
	struct db_row *res;
	const char *data;
	size_t data_len;
	int rc;

	out->total = -1;
	if ((rc = qb_exec_row(q, db, 2, &res, e)) < 0)
		return rc;
	version_from_text(&out->version, res, 0);
	if ((data = db_row_value(res, 1, &data_len)) == NULL) {
		db_row_free(res);
		return err_set(e, WW_ENOTFOUND, "%s \"%.80s\" does not exist", what, id);
	}
	rc = envelope(out, data, data_len,
	              json_pack("{s:o}", "evidence_version", version_json(&out->version)), e);
	db_row_free(res);
	if (rc < 0)
		return rc;
	if (rows_key != NULL && columns != NULL) {
		out->columns = columns;
		out->rows_key = rows_key;
	}
	return 0;
}

int api_result_rows(struct api_result *r, struct err *e)
{
	json_t *doc, *items;
	json_error_t jerr;

	if (r->rows != NULL || r->columns == NULL || r->text == NULL)
		return 0;
	doc = json_loadb(r->text, r->text_len, 0, &jerr);
	if (doc == NULL)
		return err_set(e, WW_EDB, "could not parse the database's JSON: %s", jerr.text);
	items = json_object_get(doc, "data");
	if (r->rows_key != NULL)
		items = json_object_get(items, r->rows_key);
	r->rows = api_flatten_rows(json_is_array(items) ? items : NULL, r->columns);
	json_decref(doc);
	if (r->rows == NULL)
		return err_set(e, WW_ENOMEM, "out of memory building the CSV rows");
	return 0;
}

int api_result_json(struct api_result *r, struct err *e)
{
	json_error_t jerr;

	if (r->body != NULL || r->text == NULL)
		return 0;
	r->body = json_loadb(r->text, r->text_len, 0, &jerr);
	if (r->body == NULL)
		return err_set(e, WW_EDB, "could not parse the database's JSON: %s", jerr.text);
	return 0;
}

void api_result_free(struct api_result *r)
{
	if (r == NULL)
		return;
	json_decref(r->body);
	json_decref(r->rows);
	free(r->text);
	memset(r, 0, sizeof(*r));
}

int api_score_filters(struct qb *q, const struct api_params *p, struct err *e)
{
	char arr[QB_VALUE_MAX], num[40];
	long long n;
	int b, rc;

	if ((rc = api_param_list(p, "band", API_LIST_ENUM, vocab_bands, arr, sizeof(arr), e)) < 0)
		return rc;
	if (rc)
		qb_sql(q, " AND s.band = ANY($%d::text[])", qb_param(q, arr));
	if ((rc = api_param_int(p, "min_evidence", 0, 5, &n, e)) < 0)
		return rc;
	if (rc)
		qb_sql(q, " AND coalesce(s.evidence_rating, 0) >= $%d::int", qb_param_ll(q, n));
	if ((rc = api_param_bool(p, "harmful", &b, e)) < 0)
		return rc;
	if (rc)
		qb_sql(q, " AND coalesce(s.harmful, false) = $%d::boolean",
		       qb_param(q, b ? "true" : "false"));
	if ((rc = api_param_number(p, "min_bcr", num, sizeof(num), e)) < 0)
		return rc;
	if (rc)
		qb_sql(q, " AND s.bcr >= $%d::float8", qb_param(q, num));
	return 0;
}
