/*
 * http_api.c - the cached API response path: content negotiation, the
 * evidence version and ETag/304, the response cache, JSON and CSV bodies
 * (whole tables streamed), Link headers; the pooled database calls behind them
 */
#include "http_internal.h"

#include "clock.h"
#include "db_pool.h"
#include "db_route.h"
#include "log.h"

#include <limits.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static ssize_t no_body(void *cls, uint64_t pos, char *buf, size_t max)
{
	(void)cls;
	(void)pos;
	(void)buf;
	(void)max;
	return MHD_CONTENT_READER_END_OF_STREAM;
}

/* A 304 sends no body; its Content-Length, which libmicrohttpd always adds,
 * is the length of the 200 it stands for (RFC 9110 8.6), never 0. */
enum MHD_Result http_send_304(struct request *rq, const char *etag, uint64_t len)
{
	struct MHD_Response *r = MHD_create_response_from_callback(len, 64, no_body, NULL, NULL);
	if (r == NULL)
		return MHD_NO;
	MHD_add_response_header(r, "ETag", etag);
	MHD_add_response_header(r, "Cache-Control", rq->dyn->cache_control);
	rq->bytes = 0;
	return http_finish(rq, r, 304);
}

/* ---- the database and the evidence version ---- */

struct call {
	const struct route *route;
	struct request *rq;
	struct api_result *res;
	struct api_version *ver;
	int kind;     /* 0: api call, 1: version */
	uint64_t lsn; /* kind 1: the primary's WAL position after the version was read */
	const struct api_params *params; /* NULL: the request's own */
};

/* Runs one call on a pooled connection; retries once on a connection that
 * broke (PostgreSQL restarted since it was made). The version is read on the
 * primary; API calls go where db_route_pick sends them, and a replica's "not
 * found" is asked of the primary again (a run it has not replayed yet). */
static int with_db(struct call *k, struct err *e)
{
	struct http_server *s = k->rq->s;
	struct api_params own = {http_param_get, http_param_name_at, k->rq, http_param_count, 0};
	const struct api_params *params = k->params ? k->params : &own;
	struct db_pool *pool = k->kind == 1 ? s->pool : db_route_pick(s->route, k->rq->min_lsn);
	int rc = 0, retried = 0;

	for (int attempt = 0; attempt < 3; attempt++) {
		PGconn *db;
		err_clear(e);
		if ((rc = db_pool_acquire(pool, &db, s->cfg.db_acquire_timeout_ms, e)) < 0) {
			if (db_route_is_primary(s->route, pool) || retried)
				return rc;
			pool = s->pool;
			retried = 1;
			continue;
		}
		if (k->kind == 1) {
			rc = api_version_current(k->ver, db, e);
			if (rc == 0 && db_route_replicas(s->route) > 0 &&
			    db_wal_lsn(db, &k->lsn, e) < 0)
				rc = WW_EDB;
		} else if (k->route->list != NULL) {
			rc = k->route->list(k->res, db, params, e);
		} else {
			rc = k->route->item(k->res, db, k->rq->path_id, params, e);
		}
		int dropped = db_pool_release(pool, db, rc == WW_EDB);
		/* a replica that went away, or one behind the run asked for */
		if ((rc == WW_ENOTFOUND || rc == WW_EDB) && !db_route_is_primary(s->route, pool) &&
		    !retried) {
			pool = s->pool;
			retried = 1;
			continue;
		}
		if (!(rc == WW_EDB && dropped))
			break;
	}
	return rc;
}

/* An import committed (NOTIFY): read the version again on the next request. */
void http_evidence_changed(void *arg)
{
	struct http_server *s = arg;
	log_debug("evidence changed", "watch=%d", s->watch != NULL);
	pthread_mutex_lock(&s->ver_lock);
	s->ver_at = LLONG_MIN / 2;
	pthread_mutex_unlock(&s->ver_lock);
	http_version_watch_poke(s->watch);
}

static int current_version(struct request *rq, struct api_version *out, struct err *e)
{
	struct http_server *s = rq->s;
	long long now = clock_ns() / 1000000;
	struct call k = {NULL, rq, NULL, out, 1, 0, NULL};
	int rc;

	/* the watch thread keeps the version fresh; a worker reads it itself only
	 * when there is none (at start, after an import, PostgreSQL down): a worker
	 * waiting on PostgreSQL stalls every connection it owns */
	pthread_mutex_lock(&s->ver_lock);
	if (s->ver_ok &&
	    (s->watch != NULL || now - s->ver_at < s->cfg.version_ttl_ms || s->ver_reading)) {
		*out = s->ver;
		rq->min_lsn = s->ver_lsn;
		pthread_mutex_unlock(&s->ver_lock);
		return 0;
	}
	s->ver_reading = 1;
	pthread_mutex_unlock(&s->ver_lock);
	memset(out, 0, sizeof(*out));
	rc = with_db(&k, e);
	pthread_mutex_lock(&s->ver_lock);
	s->ver_reading = 0;
	if (rc == 0) {
		if (s->ver_ok && strcmp(s->ver.etag, out->etag) != 0)
			http_cache_clear(s->cache);
		/* the WAL position when this version was first seen: any replica
		 * past it has the version's run, and it does not move on with
		 * unrelated writes, so replicas can catch up with it */
		if (!s->ver_ok || strcmp(s->ver.etag, out->etag) != 0)
			s->ver_lsn = k.lsn;
		rq->min_lsn = s->ver_lsn;
		s->ver = *out;
		s->ver_ok = 1;
		s->ver_at = now;
	} else {
		s->ver_ok = 0;
	}
	pthread_mutex_unlock(&s->ver_lock);
	return rc;
}

void http_version_seen(void *cls, const struct api_version *v)
{
	struct http_server *s = cls;

	pthread_mutex_lock(&s->ver_lock);
	if (v != NULL) {
		if (s->ver_ok && strcmp(s->ver.etag, v->etag) != 0)
			http_cache_clear(s->cache);
		/* the WAL floor of a version is where it was first seen (current_version) */
		if (!s->ver_ok || strcmp(s->ver.etag, v->etag) != 0)
			s->ver_lsn = v->lsn;
		s->ver = *v;
		s->ver_ok = 1;
		s->ver_at = clock_ns() / 1000000;
	} else {
		s->ver_ok = 0;
	}
	pthread_mutex_unlock(&s->ver_lock);
}

void http_version_header(char *out, size_t size, const struct api_version *v)
{
	snprintf(out, size, "run=%lld commit=%s", v->run_id, v->commit[0] ? v->commit : "none");
}

/* ---- the API endpoints ---- */

static void release_cached(void *cls)
{
	http_cache_release(NULL, cls);
}

/* A response that sends c->body without copying it: it holds a reference to
 * c until libmicrohttpd destroys it. */
static struct MHD_Response *cached_response(struct request *rq, struct http_cached *c,
                                            int compressed)
{
	struct MHD_Response *r = MHD_create_response_from_buffer_with_free_callback_cls(
	    c->len, c->body, release_cached, c);
	char n[32];

	if (r == NULL)
		return NULL;
	http_cache_hold(c);
	rq->bytes = c->len;
	MHD_add_response_header(r, "Content-Type",
	                        c->rep == HTTP_REP_CSV    ? CSV_TYPE
	                        : c->rep == HTTP_REP_HTML ? HTML_TYPE
	                                                  : JSON_TYPE);
	if (c->rep == HTTP_REP_HTML)
		http_add_page_headers(r);
	MHD_add_response_header(r, "ETag", c->etag);
	MHD_add_response_header(r, "Cache-Control", rq->dyn->cache_control);
	if (compressed)
		MHD_add_response_header(r, "Content-Encoding", "gzip");
	if (c->link != NULL && c->link[0] != '\0')
		MHD_add_response_header(r, "Link", c->link);
	if (c->total >= 0) {
		snprintf(n, sizeof(n), "%lld", c->total);
		MHD_add_response_header(r, "X-Total-Count", n);
	}
	if (c->rep == HTTP_REP_CSV) {
		char cd[128];
		snprintf(cd, sizeof(cd), "attachment; filename=\"%s.csv\"", c->filename);
		MHD_add_response_header(r, "Content-Disposition", cd);
	}
	snprintf(rq->version_header, sizeof(rq->version_header), "%s", c->version_header);
	return r;
}

/* Picks JSON or CSV from format= and Accept; -1 after sending 400/406. */
int http_negotiate(struct request *rq, int csv_ok, enum MHD_Result *sent)
{
	const char *fmt = http_param_get(rq, "format");
	int rep;

	if (fmt != NULL) {
		if (strcmp(fmt, "json") == 0)
			return HTTP_REP_JSON;
		if (strcmp(fmt, "csv") == 0 && csv_ok)
			return HTTP_REP_CSV;
		*sent = http_send_error(
		    rq, 400,
		    csv_ok ? "parameter \"format\" must be json or csv"
		           : "parameter \"format\" must be json",
		    json_pack("{s:s, s:[s,s]}", "parameter", "format", "allowed", "json", "csv"));
		return -1;
	}
	rep =
	    http_accept_pick(MHD_lookup_connection_value(rq->c, MHD_HEADER_KIND, "Accept"), csv_ok);
	if (rep < 0) {
		*sent = http_send_error(
		    rq, 406,
		    csv_ok ? "this resource is available as application/json or "
		             "text/csv"
		           : "this resource is available as application/json",
		    csv_ok ? json_pack("{s:[s,s]}", "available", "application/json", "text/csv")
		           : json_pack("{s:[s]}", "available", "application/json"));
		return -1;
	}
	return rep;
}

/* ---- whole tables as CSV ---- */

/*
 * A CSV download without limit, offset or cursor is the whole table: the
 * first page is read here (so a bad parameter is still a 400 and a match
 * of If-None-Match a 304), the rest while libmicrohttpd sends, page by page
 * through next_cursor, which pins the import run of the first page. The
 * body is chunked and not cached; a page that fails mid-way ends the
 * response with an error (the client sees a cut, never a short table).
 */
struct whole {
	struct request *rq;
	const struct route *rt;
	struct api_params params;
	char cursor[128];
	struct buf buf;
	size_t pos;
};

static const char *whole_get(void *ctx, const char *name)
{
	struct whole *w = ctx;
	if (strcmp(name, "cursor") == 0 && w->cursor[0] != '\0')
		return w->cursor;
	return http_param_get(w->rq, name);
}

static const char *whole_name_at(void *ctx, size_t i)
{
	return http_param_name_at(((struct whole *)ctx)->rq, i);
}

static int whole_count(void *ctx, const char *name)
{
	return http_param_count(((struct whole *)ctx)->rq, name);
}

/* Reads the next page into w->buf (with the header when first); 0, 1 when
 * the resource has no CSV form, or an error code with e set. */
static int whole_page(struct whole *w, int first, struct api_result *res, struct err *e)
{
	struct call k = {w->rt, w->rq, res, NULL, 0, 0, &w->params};
	int rc;

	memset(res, 0, sizeof(*res));
	if ((rc = with_db(&k, e)) < 0 || (rc = api_result_rows(res, e)) < 0)
		return rc;
	buf_free(&w->buf);
	w->pos = 0;
	if (res->rows == NULL)
		return 1; /* no CSV form */
	rc = first ? http_csv_render(&w->buf, res->rows, res->columns)
	           : http_csv_rows(&w->buf, res->rows, res->columns);
	if (rc < 0)
		return err_set(e, WW_ENOMEM, "out of memory rendering the CSV");
	snprintf(w->cursor, sizeof(w->cursor), "%s", res->limit > 0 ? res->next_cursor : "");
	return 0;
}

static ssize_t whole_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct whole *w = cls;
	struct api_result res;
	struct err e = {0};
	(void)pos;

	while (w->pos >= w->buf.len) {
		if (w->cursor[0] == '\0')
			return MHD_CONTENT_READER_END_OF_STREAM;
		int rc = whole_page(w, 0, &res, &e);
		api_result_free(&res);
		if (rc != 0) {
			char q[1100];
			http_quote(q, sizeof(q), e.msg, sizeof(q));
			log_warn("csv page failed", "request_id=%s code=\"%s\" detail=\"%s\"",
			         w->rq->id, err_code_name(rc), q);
			return MHD_CONTENT_READER_END_WITH_ERROR;
		}
	}
	size_t n = w->buf.len - w->pos < max ? w->buf.len - w->pos : max;
	memcpy(buf, w->buf.data + w->pos, n);
	w->pos += n;
	w->rq->bytes += n;
	return (ssize_t)n;
}

static void whole_free(void *cls)
{
	struct whole *w = cls;
	buf_free(&w->buf);
	free(w);
}

static int given(struct request *rq, const char *name)
{
	const char *v = http_param_get(rq, name);
	return v != NULL && v[0] != '\0';
}

static enum MHD_Result h_csv_whole(struct request *rq, const struct route *rt)
{
	const char *inm = MHD_lookup_connection_value(rq->c, MHD_HEADER_KIND, "If-None-Match");
	struct whole *w = calloc(1, sizeof(*w));
	struct api_result res;
	struct err e = {0};
	struct MHD_Response *r;
	char etag[128], n[32], cd[128];
	int rc;

	if (w == NULL)
		return MHD_NO;
	w->rq = rq;
	w->rt = rt;
	w->params = (struct api_params){whole_get, whole_name_at, w, whole_count, 1};
	rc = whole_page(w, 1, &res, &e);
	if (rc != 0) {
		api_result_free(&res);
		whole_free(w);
		if (rc == 1)
			return http_send_error(
			    rq, 406, "this resource has no CSV form; ask for JSON",
			    json_pack("{s:[s]}", "available", "application/json"));
		return http_send_err(rq, rc, &e);
	}
	http_version_header(rq->version_header, sizeof(rq->version_header), &res.version);
	etag[0] = '\0';
	if (rt->flags & F_VERSIONED)
		http_etag_variant(etag, sizeof(etag), res.version.etag, HTTP_REP_CSV, 0);
	if (etag[0] != '\0' && http_etag_match(inm, etag)) {
		api_result_free(&res);
		whole_free(w);
		return http_send_304(rq, etag, MHD_SIZE_UNKNOWN);
	}
	r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 64 * 1024, whole_read, w,
	                                      whole_free);
	if (r == NULL) {
		api_result_free(&res);
		whole_free(w);
		return MHD_NO;
	}
	MHD_add_response_header(r, "Content-Type", CSV_TYPE);
	if (etag[0] != '\0')
		MHD_add_response_header(r, "ETag", etag);
	MHD_add_response_header(r, "Cache-Control",
	                        rt->flags & F_VERSIONED ? rq->dyn->cache_control : "no-store");
	if (res.total >= 0 && res.limit > 0) {
		snprintf(n, sizeof(n), "%lld", res.total);
		MHD_add_response_header(r, "X-Total-Count", n);
	}
	snprintf(cd, sizeof(cd), "attachment; filename=\"%s.csv\"", rt->filename);
	MHD_add_response_header(r, "Content-Disposition", cd);
	api_result_free(&res);
	return http_finish(rq, r, 200);
}

/* Answers a GET on an API route or a page. Every way out passes through out:
 * what is held is freed there, and an error found on the way (fail: an error
 * code with e set, or NO_CSV) is answered after that, as it always was. */
enum MHD_Result http_h_api(struct request *rq, const struct route *rt)
{
	enum { NO_CSV = 1 }; /* fail: the resource has no CSV form */
	struct http_server *s = rq->s;
	const char *inm = MHD_lookup_connection_value(rq->c, MHD_HEADER_KIND, "If-None-Match");
	const char *ae = MHD_lookup_connection_value(rq->c, MHD_HEADER_KIND, "Accept-Encoding");
	int cacheable = (rt->flags & F_VERSIONED) && http_param_get(rq, "as_of") == NULL;
	int gz = http_accepts_gzip(ae), rep, rc, compress, fail = 0;
	struct api_version v;
	struct api_result res;
	struct err e = {0};
	char etag[128], base[96], *key = NULL;
	enum MHD_Result sent = MHD_NO;
	struct buf body = {0}, packed = {0}, link = {0};
	struct call k = {rt, rq, &res, NULL, 0, 0, NULL};
	struct http_cached *c = NULL;

	memset(&res, 0, sizeof(res));
	if (rt->flags & F_HTML)
		rep = HTTP_REP_HTML;
	else if ((rep = http_negotiate(rq, 1, &sent)) < 0)
		goto out;
	if (rep == HTTP_REP_CSV && rt->list != NULL && !given(rq, "limit") &&
	    !given(rq, "offset") && !given(rq, "cursor")) {
		sent = h_csv_whole(rq, rt);
		goto out;
	}
	if (cacheable) {
		if ((rc = current_version(rq, &v, &e)) < 0) {
			fail = rc;
			goto out;
		}
		http_version_header(rq->version_header, sizeof(rq->version_header), &v);
		/* If-None-Match is answered only for a request that succeeded: a
		 * cached response, or below once the parameters and the record
		 * are known good (a bad parameter or a missing record never 304s) */
		if (s->cache != NULL &&
		    asprintf(&key, "%s|%d|%d|%s", v.etag, rep, gz, rq->target) > 0) {
			struct http_cached *hit = http_cache_get(s->cache, key);
			if (hit != NULL) {
				if (http_etag_match(inm, hit->etag)) {
					sent = http_send_304(rq, hit->etag, hit->len);
				} else {
					struct MHD_Response *r = cached_response(rq, hit, hit->gz);
					sent = http_finish(rq, r, 200);
				}
				http_cache_release(s->cache, hit);
				goto out;
			}
		}
	}
	if ((rc = with_db(&k, &e)) < 0) {
		fail = rc;
		goto out;
	}
	http_version_header(rq->version_header, sizeof(rq->version_header), &res.version);
	if (rep == HTTP_REP_CSV) {
		if ((rc = api_result_rows(&res, &e)) < 0) {
			fail = rc;
			goto out;
		}
		if (res.rows == NULL) {
			fail = NO_CSV;
			goto out;
		}
		rc = http_csv_render(&body, res.rows, res.columns);
	} else if (res.text != NULL) {
		/* the JSON PostgreSQL rendered, as it is */
		body.data = res.text;
		body.len = body.cap = res.text_len;
		res.text = NULL;
		rc = 0;
	} else {
		/* 15 significant digits, as in CSV: 0.4 stays 0.4, not 0.40000000000000002 */
		char *text = json_dumps(res.body, JSON_COMPACT | JSON_REAL_PRECISION(15));
		if (text != NULL) {
			body.data = text;
			body.len = body.cap = strlen(text);
		}
		rc = text != NULL ? 0 : WW_ENOMEM;
	}
	if (rc == 0 && res.limit > 0 && !res.unpaged) {
		const char *q = strchr(rq->target, '?');
		char *path = strndup(rq->target, q ? (size_t)(q - rq->target) : rq->target_len);
		if (path != NULL)
			http_link_header(&link, path, q ? q + 1 : NULL, res.limit, res.offset,
			                 res.total, res.next_cursor,
			                 http_param_get(rq, "cursor") != NULL);
		free(path);
	}
	if (rt->flags & F_VERSIONED) {
		snprintf(base, sizeof(base), "%s", res.version.etag);
	} else {
		snprintf(base, sizeof(base), "\"h%016llx\"", http_hash(body.data, body.len));
	}
	http_etag_variant(etag, sizeof(etag), base, rep, gz);
	c = calloc(1, sizeof(*c));
	if (c != NULL)
		c->refs = 1;
	if (rc < 0 || c == NULL || body.data == NULL) {
		free(c);
		fail = err_set(&e, WW_ENOMEM, "out of memory rendering the response");
		goto out;
	}
	compress = gz && body.len >= (size_t)s->cfg.gzip_min_size;
	if (compress) {
		if (http_gzip(&packed, body.data, body.len) < 0) {
			free(c);
			fail = err_set(&e, WW_ENOMEM, "out of memory rendering the response");
			goto out;
		}
		buf_free(&body);
		body = packed;
		memset(&packed, 0, sizeof(packed));
	}
	c->body = body.data;
	c->len = body.len;
	c->rep = rep;
	c->gz = compress;
	snprintf(c->etag, sizeof(c->etag), "%s", etag);
	snprintf(c->version_header, sizeof(c->version_header), "%s", rq->version_header);
	c->link = link.data;
	c->total = res.total >= 0 && res.limit > 0 ? res.total : -1;
	snprintf(c->filename, sizeof(c->filename), "%s", rt->filename);
	memset(&link, 0, sizeof(link));
	memset(&body, 0, sizeof(body));
	if (http_etag_match(inm, etag)) {
		sent = http_send_304(rq, etag, c->len);
	} else {
		struct MHD_Response *r = cached_response(rq, c, compress);
		sent = http_finish(rq, r, 200);
	}
	/* store only what was computed for the version the key names */
	if (key != NULL && cacheable && strcmp(res.version.etag, v.etag) == 0)
		http_cache_put(s->cache, key, c);
	else
		http_cache_release(s->cache, c);
out:
	buf_free(&body);
	buf_free(&packed);
	buf_free(&link);
	api_result_free(&res);
	free(key);
	if (fail == NO_CSV)
		return http_send_error(rq, 406, "this resource has no CSV form; ask for JSON",
		                       json_pack("{s:[s]}", "available", "application/json"));
	if (fail < 0)
		return http_send_err(rq, fail, &e);
	return sent;
}
