/*
 * http.c - libmicrohttpd server, routing, status mapping and the endpoints
 *
 * A request's life: uri_logged() allocates its struct request (raw target,
 * request id, start time); on_request() checks limits, routes, negotiates and
 * answers from the fast paths (304 from the cached evidence version, the
 * response cache) or through the API functions on a pooled connection;
 * completed() logs one line, counts it and frees the request.
 */
#include "http.h"
#include "api.h"
#include "clock.h"
#include "db_pool.h"
#include "db_route.h"
#include "db_sources.h"
#include "hooks.h"
#include "http_gate.h"
#include "import.h"
#include "log.h"
#include "web.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <microhttpd.h>
#include <netdb.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define JSON_TYPE "application/json; charset=utf-8"
#define CSV_TYPE "text/csv; charset=utf-8"
#define HTML_TYPE "text/html; charset=utf-8"
#define VARY "Accept, Accept-Encoding, Origin"
#define EXPOSE "ETag, Link, X-Evidence-Version, X-Request-Id, X-Total-Count, Retry-After"

/* The settings SIGHUP may change: replaced whole, read without a lock. */
struct dyn {
	char cors[1024];
	int cors_max_age;
	char cache_control[256];
	char token[256];
	char source[256];
	struct dyn *prev; /* older snapshots, freed at stop */
};

struct http_server {
	struct MHD_Daemon *daemon;
	int listen_fd;
	struct config cfg;
	struct db_pool *pool;   /* the primary */
	struct db_route *route; /* reads: caught-up replicas, else the primary */
	struct http_cache *cache;
	struct dyn *dyn;
	pthread_mutex_t ver_lock;
	struct api_version ver;
	int ver_ok;
	int ver_reading;                  /* a thread is reading the version from the database */
	struct http_version_watch *watch; /* reads it every version_ttl_ms (http_version.c) */
	long long ver_at;
	uint64_t ver_lsn; /* the primary's WAL position when ver was read */
	int in_flight;
	int stopping;
	/* what /metrics last read from PostgreSQL, served again while it is down
	 * so that series do not vanish (under ver_lock) */
	struct ops_snapshot {
		int ok;
		struct db_run_count counts[8];
		int ncounts;
		struct api_version v;
		struct db_source_success sources[32];
		int nsources;
	} ops;
	unsigned seed;
	unsigned long long next_id;
	struct http_gate *gate;
	int live;           /* libmicrohttpd's open connections */
	size_t unauth_held; /* bytes of webhook bodies held before their check */
};

struct request {
	struct http_server *s;
	struct MHD_Connection *c;
	const struct dyn *dyn;
	char id[72];
	char method[16];
	char *target; /* raw request target, query included */
	size_t target_len;
	long long t0;
	int seen, route, status;
	size_t bytes;
	struct buf upload;
	int too_big;
	int body_started;
	size_t held;         /* this request's part of unauth_held */
	char bad_bytes[256]; /* the 400 for a target that is not UTF-8 */
	char path_id[256];
	char version_header[128];
	uint64_t min_lsn;      /* a replica must have replayed this far to answer */
	struct joined *joined; /* values of repeated parameters, freed at completion */
};

struct joined {
	struct joined *next;
	char *value;
};

typedef int (*api_list_fn)(struct api_result *, PGconn *, const struct api_params *, struct err *);
typedef int (*api_item_fn)(struct api_result *, PGconn *, const char *, const struct api_params *,
                           struct err *);
typedef enum MHD_Result (*special_fn)(struct request *);

enum { M_GET = 1, M_POST = 2 };
enum { F_VERSIONED = 1, F_HTML = 2 /* a page (web.h): HTML, errors as pages */ };

struct route {
	const char *path;
	const char *methods;
	unsigned mask;
	int flags;
	api_list_fn list;
	api_item_fn item;
	special_fn get, post;
	const char *filename;
};

static enum MHD_Result h_openapi(struct request *rq);
static enum MHD_Result h_healthz(struct request *rq);
static enum MHD_Result h_readyz(struct request *rq);
static enum MHD_Result h_metrics(struct request *rq);
static enum MHD_Result h_imports_post(struct request *rq);
static enum MHD_Result h_hooks_git(struct request *rq);

static const struct route routes[] = {
    {"/v1/interventions", "GET", M_GET, F_VERSIONED, api_interventions_list, NULL, NULL, NULL,
     "interventions"},
    {"/v1/interventions/{id}", "GET", M_GET, F_VERSIONED, NULL, api_intervention_get, NULL, NULL,
     "intervention"},
    {"/v1/interventions/{id}/projection", "GET", M_GET, 0, NULL, api_intervention_projection, NULL,
     NULL, "projection"},
    {"/v1/evaluations", "GET", M_GET, F_VERSIONED, api_evaluations_list, NULL, NULL, NULL,
     "evaluations"},
    {"/v1/evaluations/{id}", "GET", M_GET, F_VERSIONED, NULL, api_evaluation_get, NULL, NULL,
     "evaluation"},
    {"/v1/evaluations/{id}/history", "GET", M_GET, F_VERSIONED, NULL, api_evaluation_history, NULL,
     NULL, "evaluation-history"},
    {"/v1/themes", "GET", M_GET, F_VERSIONED, api_themes, NULL, NULL, NULL, "themes"},
    {"/v1/reference/unit-costs", "GET", M_GET, F_VERSIONED, api_unit_costs, NULL, NULL, NULL,
     "unit-costs"},
    {"/v1/reference/deflators", "GET", M_GET, F_VERSIONED, api_deflators, NULL, NULL, NULL,
     "deflators"},
    {"/v1/areas", "GET", M_GET, F_VERSIONED, api_areas, NULL, NULL, NULL, "areas"},
    /* recorded crime changes with police-uk runs, even failed ones that stored some units,
       so these two are not cached by the evidence version */
    {"/v1/areas/{id}/crime", "GET", M_GET, 0, NULL, api_area_crime, NULL, NULL, "area-crime"},
    /* import runs change without the evidence version changing (rejected runs) */
    {"/v1/imports", "GET POST", M_GET | M_POST, 0, api_imports_list, NULL, NULL, h_imports_post,
     "imports"},
    {"/v1/imports/{id}", "GET", M_GET, 0, NULL, api_import_get, NULL, NULL, "import"},
    {"/v1/export", "GET", M_GET, F_VERSIONED, api_export, NULL, NULL, NULL, "export"},
    {"/v1/scores", "GET", M_GET, F_VERSIONED, api_scores_list, NULL, NULL, NULL, "scores"},
    /* the parameters in force come from this process's environment, not the database */
    {"/v1/scoring/parameters", "GET", M_GET, 0, api_scoring_parameters, NULL, NULL, NULL,
     "scoring-parameters"},
    {"/openapi.json", "GET", M_GET, 0, NULL, NULL, h_openapi, NULL, NULL},
    {"/healthz", "GET", M_GET, 0, NULL, NULL, h_healthz, NULL, NULL},
    {"/readyz", "GET", M_GET, 0, NULL, NULL, h_readyz, NULL, NULL},
    {"/metrics", "GET", M_GET, 0, NULL, NULL, h_metrics, NULL, NULL},
    {"/v1/hooks/git", "POST", M_POST, 0, NULL, NULL, NULL, h_hooks_git, NULL},
    /* the pages (web.h), through the same cache, ETag and version as the API */
    {"/", "GET", M_GET, F_VERSIONED | F_HTML, web_home, NULL, NULL, NULL, "home"},
    {"/interventions", "GET", M_GET, F_VERSIONED | F_HTML, web_interventions, NULL, NULL, NULL,
     "interventions"},
    {"/interventions/{id}", "GET", M_GET, F_VERSIONED | F_HTML, NULL, web_intervention, NULL, NULL,
     "intervention"},
    {"/interventions/{id}/projection", "GET", M_GET, F_HTML, NULL, web_projection, NULL, NULL,
     "projection"},
    {"/compare", "GET", M_GET, F_VERSIONED | F_HTML, web_compare, NULL, NULL, NULL, "compare"},
};
#define NROUTES (sizeof(routes) / sizeof(routes[0]))
_Static_assert(NROUTES <= HTTP_MAX_ROUTES, "/metrics counts at most HTTP_MAX_ROUTES routes");

static struct http_route_desc route_desc[NROUTES];

static void fill_route_desc(void)
{
	for (size_t i = 0; i < NROUTES; i++) {
		route_desc[i].path = routes[i].path;
		route_desc[i].methods = routes[i].methods;
	}
}

const struct http_route_desc *http_routes(size_t *n)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	pthread_once(&once, fill_route_desc);
	*n = NROUTES;
	return route_desc;
}

int http_status_for(int code)
{
	switch (code) {
	case WW_OK: return 200;
	case WW_ENOTFOUND: return 404;
	case WW_EINVALID: return 400;
	case WW_ECONFLICT: return 409;
	case WW_EUPSTREAM: return 502;
	case WW_EDB: return 503;
	case WW_ENOMEM: return 503;
	case WW_EAUTH: return 401;
	case WW_EIO: return 500;
	}
	return 500;
}

static const char *error_code_for(int status)
{
	switch (status) {
	case 400: return "invalid_parameter";
	case 401: return "unauthorized";
	case 403: return "forbidden";
	case 404: return "not_found";
	case 405: return "method_not_allowed";
	case 406: return "not_acceptable";
	case 408: return "request_timeout";
	case 409: return "conflict";
	case 413: return "payload_too_large";
	case 414: return "uri_too_long";
	case 501: return "not_implemented";
	case 502: return "upstream_failed";
	case 503: return "unavailable";
	}
	return "internal";
}

static size_t quote(char *out, size_t size, const char *s, size_t max);

/* ---- responses ---- */

static const struct dyn *dyn_of(struct http_server *s)
{
	return __atomic_load_n(&s->dyn, __ATOMIC_ACQUIRE);
}

static void add_common(struct request *rq, struct MHD_Response *r)
{
	const char *origin = MHD_lookup_connection_value(rq->c, MHD_HEADER_KIND, "Origin");

	MHD_add_response_header(r, "X-Request-Id", rq->id);
	if (rq->version_header[0] == '\0') {
		struct http_server *s = rq->s;
		pthread_mutex_lock(&s->ver_lock);
		if (s->ver_ok)
			snprintf(rq->version_header, sizeof(rq->version_header),
			         "run=%lld commit=%s", s->ver.run_id,
			         s->ver.commit[0] ? s->ver.commit : "none");
		pthread_mutex_unlock(&s->ver_lock);
	}
	if (rq->version_header[0] != '\0')
		MHD_add_response_header(r, "X-Evidence-Version", rq->version_header);
	MHD_add_response_header(r, "Vary", VARY);
	if (origin != NULL && http_origin_allowed(rq->dyn->cors, origin)) {
		MHD_add_response_header(r, "Access-Control-Allow-Origin",
		                        strcmp(rq->dyn->cors, "*") == 0 ? "*" : origin);
		MHD_add_response_header(r, "Access-Control-Expose-Headers", EXPOSE);
	}
	if (__atomic_load_n(&rq->s->stopping, __ATOMIC_ACQUIRE))
		MHD_add_response_header(r, "Connection", "close");
}

static enum MHD_Result finish(struct request *rq, struct MHD_Response *r, int status)
{
	enum MHD_Result ret;

	if (r == NULL) /* out of memory: let libmicrohttpd close the connection */
		return MHD_NO;
	add_common(rq, r);
	rq->status = status;
	ret = MHD_queue_response(rq->c, (unsigned)status, r);
	MHD_destroy_response(r);
	return ret;
}

static struct MHD_Response *buffer_response(char *data, size_t len, int must_free,
                                            struct request *rq)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(
	    len, data, must_free ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_MUST_COPY);
	rq->bytes = len;
	return r;
}

/* Sends a JSON document (stolen) with status. */
static enum MHD_Result send_json(struct request *rq, int status, json_t *doc,
                                 const char *cache_control)
{
	char *text = json_dumps(doc, JSON_COMPACT);
	struct MHD_Response *r;

	json_decref(doc);
	if (text == NULL)
		return MHD_NO;
	r = buffer_response(text, strlen(text), 1, rq);
	if (r == NULL) {
		free(text);
		return MHD_NO;
	}
	MHD_add_response_header(r, "Content-Type", JSON_TYPE);
	MHD_add_response_header(r, "Cache-Control", cache_control ? cache_control : "no-store");
	return finish(rq, r, status);
}

/* The methods a route answers, as the Allow header and a 405's detail.allow say. */
static const char *allow_of(const struct route *rt)
{
	if (rt->mask & M_POST)
		return rt->mask & M_GET ? "GET, HEAD, POST, OPTIONS" : "POST, OPTIONS";
	return "GET, HEAD, OPTIONS";
}

static json_t *error_doc(int status, const char *message, json_t *detail)
{
	return json_pack("{s:{s:s, s:s, s:o}}", "error", "code", error_code_for(status), "message",
	                 message, "detail", detail ? detail : json_null());
}

/* The parameter a message like 'parameter "limit" must ...' names, or NULL. */
static json_t *detail_from_message(const char *msg)
{
	const char *p = strstr(msg, "parameter \""), *ps = strstr(msg, "parameters \"");
	const char *end;

	if (p == NULL && ps == NULL)
		return NULL;
	p = p == NULL || (ps != NULL && ps < p) ? ps + strlen("parameters \"")
	                                        : p + strlen("parameter \"");
	end = strchr(p, '"');
	if (end == NULL)
		return NULL;
	return json_pack("{s:s%}", "parameter", p, (size_t)(end - p));
}

/* The security headers of every page. */
static void add_page_headers(struct MHD_Response *r)
{
	MHD_add_response_header(r, "Content-Security-Policy", web_csp);
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "Referrer-Policy", "same-origin");
}

/* Errors on a page's route are pages; so is a 404 for a browser (Accept
 * names text/html) outside the API. */
static int wants_html_error(struct request *rq)
{
	const char *accept;

	if (rq->route >= 0)
		return (routes[rq->route].flags & F_HTML) != 0;
	accept = MHD_lookup_connection_value(rq->c, MHD_HEADER_KIND, "Accept");
	return accept != NULL && strstr(accept, "text/html") != NULL && rq->target != NULL &&
	       strncmp(rq->target, "/v1/", 4) != 0;
}

/* Sends the error for status (JSON, or a page: wants_html_error); detail is
 * stolen (may be NULL). */
static enum MHD_Result send_error(struct request *rq, int status, const char *message,
                                  json_t *detail)
{
	int html = wants_html_error(rq);
	json_t *doc = html ? NULL : error_doc(status, message, detail);
	size_t len = 0;
	char *text = html  ? web_error_page(status, message, &len)
	             : doc ? json_dumps(doc, JSON_COMPACT)
	                   : NULL;
	struct MHD_Response *r;
	char n[16];

	json_decref(doc);
	if (html)
		json_decref(detail);
	if (text == NULL)
		return MHD_NO;
	r = buffer_response(text, html ? len : strlen(text), 1, rq);
	if (r == NULL) {
		free(text);
		return MHD_NO;
	}
	MHD_add_response_header(r, "Content-Type", html ? HTML_TYPE : JSON_TYPE);
	if (html)
		add_page_headers(r);
	MHD_add_response_header(r, "Cache-Control", "no-store");
	if (status == 503) {
		snprintf(n, sizeof(n), "%d", rq->s->cfg.retry_after);
		MHD_add_response_header(r, "Retry-After", n);
	}
	if (status == 405)
		MHD_add_response_header(r, "Allow", allow_of(&routes[rq->route]));
	if (status == 401)
		MHD_add_response_header(r, "WWW-Authenticate", "Bearer realm=\"whatworks\"");
	if (status == 408 || status == 413 || status == 414)
		MHD_add_response_header(r, "Connection", "close");
	return finish(rq, r, status);
}

/* Sends the error for a failed call: status from the code, message from e. */
static enum MHD_Result send_err(struct request *rq, int code, const struct err *e)
{
	int status = http_status_for(code);
	const char *msg = e->msg[0] ? e->msg : err_code_name(code);

	if (status >= 500) {
		char q[1100];
		quote(q, sizeof(q), msg, sizeof(q));
		log_warn("request failed", "request_id=%s code=\"%s\" detail=\"%s\"", rq->id,
		         err_code_name(code), q);
	}
	if (status == 503 && code == WW_EDB)
		msg = "the database is unavailable; try again shortly";
	return send_error(rq, status, msg, status == 400 ? detail_from_message(e->msg) : NULL);
}

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
static enum MHD_Result send_304(struct request *rq, const char *etag, uint64_t len)
{
	struct MHD_Response *r = MHD_create_response_from_callback(len, 64, no_body, NULL, NULL);
	if (r == NULL)
		return MHD_NO;
	MHD_add_response_header(r, "ETag", etag);
	MHD_add_response_header(r, "Cache-Control", rq->dyn->cache_control);
	rq->bytes = 0;
	return finish(rq, r, 304);
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

struct gather {
	const char *name;
	int count;
	struct buf values;
	int count_only;
};

static enum MHD_Result gather_cb(void *cls, enum MHD_ValueKind kind, const char *key,
                                 const char *value)
{
	struct gather *g = cls;
	(void)kind;
	if (strcmp(key, g->name) != 0)
		return MHD_YES;
	g->count++;
	if (!g->count_only && value != NULL && value[0] != '\0') {
		if (g->values.len > 0)
			buf_add(&g->values, ",", 1);
		buf_add(&g->values, value, strlen(value));
	}
	return MHD_YES;
}

/* A parameter's value; a repeated one (theme=a&theme=b, as Python's requests
 * sends a list) reads as its values joined with commas, like theme=a,b, and
 * api_check_params rejects the repeat of a parameter that takes one value. */
static const char *param_get(void *ctx, const char *name)
{
	struct request *rq = ctx;
	struct gather g = {name, 0, {0}, 0};
	struct joined *j;

	MHD_get_connection_values(rq->c, MHD_GET_ARGUMENT_KIND, gather_cb, &g);
	if (g.count <= 1) {
		buf_free(&g.values);
		return MHD_lookup_connection_value(rq->c, MHD_GET_ARGUMENT_KIND, name);
	}
	j = calloc(1, sizeof(*j));
	buf_add(&g.values, "", 1);
	if (j == NULL || g.values.failed) {
		free(j);
		buf_free(&g.values);
		return ","; /* out of memory: a value no parameter accepts */
	}
	j->value = g.values.data;
	j->next = rq->joined;
	rq->joined = j;
	return j->value;
}

struct nth {
	size_t want, at;
	const char *found;
};

static enum MHD_Result nth_cb(void *cls, enum MHD_ValueKind kind, const char *key,
                              const char *value)
{
	struct nth *n = cls;
	(void)kind;
	(void)value;
	if (n->at++ == n->want) {
		n->found = key;
		return MHD_NO;
	}
	return MHD_YES;
}

static int param_count(void *ctx, const char *name)
{
	struct request *rq = ctx;
	struct gather g = {name, 0, {0}, 1};
	MHD_get_connection_values(rq->c, MHD_GET_ARGUMENT_KIND, gather_cb, &g);
	return g.count;
}

static const char *param_name_at(void *ctx, size_t i)
{
	struct request *rq = ctx;
	struct nth n = {i, 0, NULL};
	MHD_get_connection_values(rq->c, MHD_GET_ARGUMENT_KIND, nth_cb, &n);
	return n.found;
}

/* Runs one call on a pooled connection; retries once on a connection that
 * broke (PostgreSQL restarted since it was made). The version is read on the
 * primary; API calls go where db_route_pick sends them, and a replica's "not
 * found" is asked of the primary again (a run it has not replayed yet). */
static int with_db(struct call *k, struct err *e)
{
	struct http_server *s = k->rq->s;
	struct api_params own = {param_get, param_name_at, k->rq, param_count, 0};
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
static void evidence_changed(void *arg)
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

static void version_seen(void *cls, const struct api_version *v)
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

static void version_header(char *out, size_t size, const struct api_version *v)
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
		add_page_headers(r);
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
static int negotiate(struct request *rq, int csv_ok, enum MHD_Result *sent)
{
	const char *fmt = param_get(rq, "format");
	int rep;

	if (fmt != NULL) {
		if (strcmp(fmt, "json") == 0)
			return HTTP_REP_JSON;
		if (strcmp(fmt, "csv") == 0 && csv_ok)
			return HTTP_REP_CSV;
		*sent = send_error(
		    rq, 400,
		    csv_ok ? "parameter \"format\" must be json or csv"
		           : "parameter \"format\" must be json",
		    json_pack("{s:s, s:[s,s]}", "parameter", "format", "allowed", "json", "csv"));
		return -1;
	}
	rep =
	    http_accept_pick(MHD_lookup_connection_value(rq->c, MHD_HEADER_KIND, "Accept"), csv_ok);
	if (rep < 0) {
		*sent = send_error(
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
	return param_get(w->rq, name);
}

static const char *whole_name_at(void *ctx, size_t i)
{
	return param_name_at(((struct whole *)ctx)->rq, i);
}

static int whole_count(void *ctx, const char *name)
{
	return param_count(((struct whole *)ctx)->rq, name);
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
			quote(q, sizeof(q), e.msg, sizeof(q));
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
	const char *v = param_get(rq, name);
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
			return send_error(rq, 406, "this resource has no CSV form; ask for JSON",
			                  json_pack("{s:[s]}", "available", "application/json"));
		return send_err(rq, rc, &e);
	}
	version_header(rq->version_header, sizeof(rq->version_header), &res.version);
	etag[0] = '\0';
	if (rt->flags & F_VERSIONED)
		http_etag_variant(etag, sizeof(etag), res.version.etag, HTTP_REP_CSV, 0);
	if (etag[0] != '\0' && http_etag_match(inm, etag)) {
		api_result_free(&res);
		whole_free(w);
		return send_304(rq, etag, MHD_SIZE_UNKNOWN);
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
	return finish(rq, r, 200);
}

static enum MHD_Result h_api(struct request *rq, const struct route *rt)
{
	struct http_server *s = rq->s;
	const char *inm = MHD_lookup_connection_value(rq->c, MHD_HEADER_KIND, "If-None-Match");
	const char *ae = MHD_lookup_connection_value(rq->c, MHD_HEADER_KIND, "Accept-Encoding");
	int cacheable = (rt->flags & F_VERSIONED) && param_get(rq, "as_of") == NULL;
	int gz = http_accepts_gzip(ae), rep, rc;
	struct api_version v;
	struct api_result res;
	struct err e = {0};
	char etag[128], base[96], *key = NULL;
	enum MHD_Result sent = MHD_NO;
	struct buf body = {0}, packed = {0}, link = {0};
	struct call k = {rt, rq, &res, NULL, 0, 0, NULL};

	if (rt->flags & F_HTML)
		rep = HTTP_REP_HTML;
	else if ((rep = negotiate(rq, 1, &sent)) < 0)
		return sent;
	if (rep == HTTP_REP_CSV && rt->list != NULL && !given(rq, "limit") &&
	    !given(rq, "offset") && !given(rq, "cursor"))
		return h_csv_whole(rq, rt);
	if (cacheable) {
		if ((rc = current_version(rq, &v, &e)) < 0)
			return send_err(rq, rc, &e);
		version_header(rq->version_header, sizeof(rq->version_header), &v);
		/* If-None-Match is answered only for a request that succeeded: a
		 * cached response, or below once the parameters and the record
		 * are known good (a bad parameter or a missing record never 304s) */
		if (s->cache != NULL &&
		    asprintf(&key, "%s|%d|%d|%s", v.etag, rep, gz, rq->target) > 0) {
			struct http_cached *hit = http_cache_get(s->cache, key);
			if (hit != NULL) {
				struct MHD_Response *r = NULL;
				enum MHD_Result done;
				if (http_etag_match(inm, hit->etag)) {
					done = send_304(rq, hit->etag, hit->len);
				} else {
					r = cached_response(rq, hit, hit->gz);
					done = finish(rq, r, 200);
				}
				http_cache_release(s->cache, hit);
				free(key);
				return done;
			}
		}
	}
	memset(&res, 0, sizeof(res));
	if ((rc = with_db(&k, &e)) < 0) {
		free(key);
		return send_err(rq, rc, &e);
	}
	version_header(rq->version_header, sizeof(rq->version_header), &res.version);
	if (rep == HTTP_REP_CSV) {
		if ((rc = api_result_rows(&res, &e)) < 0) {
			api_result_free(&res);
			free(key);
			return send_err(rq, rc, &e);
		}
		if (res.rows == NULL) {
			api_result_free(&res);
			free(key);
			return send_error(rq, 406, "this resource has no CSV form; ask for JSON",
			                  json_pack("{s:[s]}", "available", "application/json"));
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
			                 param_get(rq, "cursor") != NULL);
		free(path);
	}
	if (rt->flags & F_VERSIONED) {
		snprintf(base, sizeof(base), "%s", res.version.etag);
	} else {
		snprintf(base, sizeof(base), "\"h%016llx\"", http_hash(body.data, body.len));
	}
	http_etag_variant(etag, sizeof(etag), base, rep, gz);
	struct http_cached *c = calloc(1, sizeof(*c));
	if (c != NULL)
		c->refs = 1;
	if (rc < 0 || c == NULL || body.data == NULL) {
		free(c);
		goto oom;
	}
	int compress = gz && body.len >= (size_t)s->cfg.gzip_min_size;
	if (compress) {
		if (http_gzip(&packed, body.data, body.len) < 0) {
			free(c);
			goto oom;
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
		sent = send_304(rq, etag, c->len);
	} else {
		struct MHD_Response *r = cached_response(rq, c, compress);
		sent = finish(rq, r, 200);
	}
	/* store only what was computed for the version the key names */
	if (key != NULL && cacheable && strcmp(res.version.etag, v.etag) == 0)
		http_cache_put(s->cache, key, c);
	else
		http_cache_release(s->cache, c);
	api_result_free(&res);
	free(key);
	return sent;
oom:
	buf_free(&body);
	buf_free(&packed);
	buf_free(&link);
	api_result_free(&res);
	free(key);
	err_set(&e, WW_ENOMEM, "out of memory rendering the response");
	return send_err(rq, WW_ENOMEM, &e);
}

/* ---- operational endpoints ---- */

/* Whether to gzip a body of n bytes for this request. */
static int want_gzip(struct request *rq, size_t n)
{
	return n >= (size_t)rq->s->cfg.gzip_min_size &&
	       http_accepts_gzip(
	           MHD_lookup_connection_value(rq->c, MHD_HEADER_KIND, "Accept-Encoding"));
}

/* The document gzipped once, for every client that accepts it. */
static struct buf openapi_gz;

static void pack_openapi(void)
{
	if (http_gzip(&openapi_gz, http_openapi_json, http_openapi_json_len) < 0)
		buf_free(&openapi_gz);
}

static enum MHD_Result h_openapi(struct request *rq)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	int gz = want_gzip(rq, http_openapi_json_len);
	enum MHD_Result sent = MHD_NO;
	const char *inm = MHD_lookup_connection_value(rq->c, MHD_HEADER_KIND, "If-None-Match");
	char etag[64];
	struct MHD_Response *r;

	if (negotiate(rq, 0, &sent) < 0)
		return sent;
	if (gz) {
		pthread_once(&once, pack_openapi);
		gz = openapi_gz.data != NULL;
	}
	const void *body = gz ? (const void *)openapi_gz.data : (const void *)http_openapi_json;
	size_t len = gz ? openapi_gz.len : http_openapi_json_len;
	snprintf(etag, sizeof(etag), gz ? "\"o%016llx-gz\"" : "\"o%016llx\"",
	         http_hash(http_openapi_json, http_openapi_json_len));
	if (http_etag_match(inm, etag))
		return send_304(rq, etag, len);
	r = MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_PERSISTENT);
	if (r == NULL)
		return MHD_NO;
	rq->bytes = len;
	if (gz)
		MHD_add_response_header(r, "Content-Encoding", "gzip");
	MHD_add_response_header(r, "Content-Type", JSON_TYPE);
	MHD_add_response_header(r, "ETag", etag);
	MHD_add_response_header(r, "Cache-Control", rq->dyn->cache_control);
	return finish(rq, r, 200);
}

static enum MHD_Result h_healthz(struct request *rq)
{
	return send_json(rq, 200, json_pack("{s:s}", "status", "ok"), "no-store");
}

static int token_equal(const char *given, const char *want);

/* A caller with the import token (WHATWORKS_IMPORT_TOKEN) as a bearer token. */
static int trusted(struct request *rq)
{
	const char *auth = MHD_lookup_connection_value(rq->c, MHD_HEADER_KIND, "Authorization");
	const char *token = rq->dyn->token;

	return token[0] != '\0' && auth != NULL && strncasecmp(auth, "Bearer ", 7) == 0 &&
	       token_equal(auth + 7, token);
}

static enum MHD_Result h_readyz(struct request *rq)
{
	struct http_server *s = rq->s;
	struct err e = {0};
	PGconn *db = NULL;
	json_t *checks = json_object();
	const char *failed = NULL;
	char msg[1100];
	int rc;

	if ((rc = db_pool_acquire(s->pool, &db, s->cfg.db_acquire_timeout_ms, &e)) == 0 &&
	    (rc = db_pool_ping(db, &e)) < 0) {
		/* a connection made before a restart: one more try */
		if (db_pool_release(s->pool, db, 1)) {
			err_clear(&e);
			db = NULL;
			if ((rc = db_pool_acquire(s->pool, &db, s->cfg.db_acquire_timeout_ms,
			                          &e)) == 0)
				rc = db_pool_ping(db, &e);
		} else {
			db = NULL;
		}
	}
	if (rc < 0) {
		failed = "database";
		goto done;
	}
	json_object_set_new(checks, "database", json_string("ok"));
	rc = db_migrations_current(db, &e);
	if (rc != 1) {
		failed = "migrations";
		if (rc >= 0)
			err_set(&e, WW_ENOTFOUND,
			        "the database schema is behind; run 'whatworks migrate'");
		goto done;
	}
	json_object_set_new(checks, "migrations", json_string("ok"));
	struct api_version v;
	memset(&v, 0, sizeof(v));
	rc = api_version_current(&v, db, &e);
	if (rc < 0 || v.run_id <= 0) {
		failed = "import";
		if (rc >= 0)
			err_set(&e, WW_ENOTFOUND, "no import has succeeded yet");
		goto done;
	}
	json_object_set_new(checks, "import", json_string("ok"));
	version_header(rq->version_header, sizeof(rq->version_header), &v);
done:
	if (db != NULL)
		db_pool_release(s->pool, db, rc < 0);
	if (failed == NULL)
		return send_json(rq, 200,
		                 json_pack("{s:s, s:o, s:o}", "status", "ready", "checks", checks,
		                           "database", db_route_status(s->route)),
		                 "no-store");
	/* what PostgreSQL said names hosts, users and databases: only for a caller
	 * with the import token (the log has it too) */
	if (rc < 0 && !trusted(rq)) {
		char q[1100];
		quote(q, sizeof(q), e.msg, sizeof(q));
		log_warn("not ready", "request_id=%s check=%s detail=\"%s\"", rq->id, failed, q);
		err_clear(&e);
		err_set(&e, WW_EDB, "the database is unavailable");
	}
	snprintf(msg, sizeof(msg), "not ready: %s", e.msg);
	json_object_set_new(checks, failed, json_string(e.msg));
	return send_error(rq, 503, msg,
	                  json_pack("{s:s, s:o}", "failed", failed, "checks", checks));
}

static enum MHD_Result h_metrics(struct request *rq)
{
	struct http_server *s = rq->s;
	struct buf b = {0};
	struct err e = {0};
	PGconn *db = NULL;
	int open = 0, busy = 0, n = -1;

	http_metrics_render(&b, NROUTES);
	db_pool_stats(s->pool, &open, &busy);
	buf_printf(&b,
	           "# HELP whatworks_http_requests_in_flight Requests being served.\n"
	           "# TYPE whatworks_http_requests_in_flight gauge\n"
	           "whatworks_http_requests_in_flight %d\n"
	           "# HELP whatworks_db_connections PostgreSQL connections in the pool.\n"
	           "# TYPE whatworks_db_connections gauge\n"
	           "whatworks_db_connections{state=\"open\"} %d\n"
	           "whatworks_db_connections{state=\"busy\"} %d\n",
	           __atomic_load_n(&s->in_flight, __ATOMIC_RELAXED), open, busy);
	struct ops_snapshot snap;
	memset(&snap, 0, sizeof(snap));
	if (db_pool_acquire(s->pool, &db, s->cfg.db_acquire_timeout_ms, &e) == 0) {
		n = db_pool_run_counts(db, snap.counts, 8, &e);
		int rc = n < 0 ? n : api_version_current(&snap.v, db, &e);
		if (rc >= 0)
			rc = snap.nsources = db_pool_source_successes(db, snap.sources, 32, &e);
		db_pool_release(s->pool, db, rc < 0);
		if (rc < 0)
			n = -1;
		snap.ncounts = n;
		snap.ok = n >= 0;
	}
	pthread_mutex_lock(&s->ver_lock);
	if (snap.ok)
		s->ops = snap;
	else
		snap = s->ops; /* the last values read: the series stay */
	pthread_mutex_unlock(&s->ver_lock);
	buf_printf(&b,
	           "# HELP whatworks_database_up Whether PostgreSQL answered this scrape.\n"
	           "# TYPE whatworks_database_up gauge\nwhatworks_database_up %d\n",
	           n >= 0);
	http_metrics_process(&b);
	if (snap.ok) {
		const char *all[] = {"running", "succeeded", "rejected", "failed"};
		buf_adds(&b, "# HELP whatworks_import_runs Import runs recorded, by result (the "
		             "last values read while PostgreSQL is down).\n"
		             "# TYPE whatworks_import_runs gauge\n");
		for (size_t i = 0; i < 4; i++) {
			long long cnt = 0;
			for (int j = 0; j < snap.ncounts; j++)
				if (strcmp(snap.counts[j].status, all[i]) == 0)
					cnt = snap.counts[j].count;
			buf_printf(&b, "whatworks_import_runs{result=\"%s\"} %lld\n", all[i], cnt);
		}
		buf_printf(&b,
		           "# HELP whatworks_evidence_run_id The import run the evidence "
		           "base reflects.\n# TYPE whatworks_evidence_run_id gauge\n"
		           "whatworks_evidence_run_id %lld\n"
		           "# HELP whatworks_evidence_info The evidence version served.\n"
		           "# TYPE whatworks_evidence_info gauge\n"
		           "whatworks_evidence_info{run=\"%lld\",commit=\"%s\"} 1\n",
		           snap.v.run_id, snap.v.run_id, snap.v.commit);
		buf_adds(&b, "# HELP whatworks_source_last_success_timestamp_seconds When each "
		             "source last imported successfully (0: never); alert on its age.\n"
		             "# TYPE whatworks_source_last_success_timestamp_seconds gauge\n");
		for (int i = 0; i < snap.nsources; i++) {
			buf_adds(&b, "whatworks_source_last_success_timestamp_seconds{source=\"");
			http_metrics_label(&b, snap.sources[i].name);
			buf_printf(&b, "\",kind=\"%s\"} %.3f\n", snap.sources[i].kind,
			           snap.sources[i].last_success);
		}
	}
	int gz = !b.failed && want_gzip(rq, b.len);
	if (gz) {
		struct buf packed = {0};
		if (http_gzip(&packed, b.data, b.len) < 0) {
			buf_free(&packed);
			gz = 0;
		} else {
			buf_free(&b);
			b = packed;
		}
	}
	if (b.failed) {
		buf_free(&b);
		return MHD_NO;
	}
	struct MHD_Response *r = buffer_response(b.data, b.len, 1, rq);
	if (r == NULL) {
		buf_free(&b);
		return MHD_NO;
	}
	if (gz)
		MHD_add_response_header(r, "Content-Encoding", "gzip");
	MHD_add_response_header(r, "Content-Type", "text/plain; version=0.0.4; charset=utf-8");
	MHD_add_response_header(r, "Cache-Control", "no-store");
	return finish(rq, r, 200);
}

/* Constant time in the length of the expected token. */
static int token_equal(const char *given, const char *want)
{
	size_t gl = strlen(given), wl = strlen(want);
	unsigned char d = gl != wl;

	for (size_t i = 0; i < wl; i++)
		d |= (unsigned char)(want[i] ^ (i < gl ? given[i] : 0));
	return d == 0;
}

/* Runs an import of a configured git source now, on a pooled connection. */
static enum MHD_Result run_import(struct request *rq, const char *name)
{
	struct http_server *s = rq->s;
	const char *dir = getenv("WHATWORKS_DATA_DIR");
	struct db_pool_source src;
	struct import_git_opts o = {0};
	struct import_result res;
	struct err e = {0};
	PGconn *db;
	int rc;

	if ((rc = db_pool_acquire(s->pool, &db, s->cfg.db_acquire_timeout_ms, &e)) < 0)
		return send_err(rq, rc, &e);
	if ((rc = db_pool_source_get(db, name, &src, &e)) == 0 && strcmp(src.kind, "git") != 0)
		rc = err_set(&e, WW_EINVALID,
		             "parameter \"source\" names a %s source; only git sources can be run "
		             "over HTTP",
		             src.kind);
	memset(&res, 0, sizeof(res));
	if (rc == 0) {
		o.name = name;
		o.location = src.location;
		o.ref = src.ref[0] ? src.ref : NULL;
		o.subpath = src.subpath;
		o.data_dir = dir && dir[0] ? dir : "var";
		o.trigger = "api";
		rc = import_git(db, &o, &res, &e);
	}
	db_pool_release(s->pool, db, rc == WW_EDB);
	if ((rc < 0 && rc != WW_EINVALID) || (rc == WW_EINVALID && res.run_id == 0)) {
		/* no run recorded: a bad request or a failure before it started */
		import_result_free(&res);
		return send_err(rq, rc, &e);
	}
	/* the evidence may have changed: read the version again */
	pthread_mutex_lock(&s->ver_lock);
	s->ver_ok = 0;
	pthread_mutex_unlock(&s->ver_lock);
	log_info("import run over HTTP", "request_id=%s run=%lld status=%s", rq->id, res.run_id,
	         res.status);
	json_t *doc =
	    json_pack("{s:{s:I, s:s, s:s, s:s, s:s, s:{s:i, s:i, s:i, s:i, s:i}}}", "data",
	              "run_id", (json_int_t)res.run_id, "status", res.status, "mode", res.mode,
	              "commit", res.commit, "previous_commit", res.previous, "counts", "added",
	              res.n.added, "updated", res.n.updated, "unchanged", res.n.unchanged,
	              "removed", res.n.removed, "rejected", res.n.rejected);
	if (doc != NULL && e.msg[0] != '\0')
		json_object_set_new(json_object_get(doc, "data"), "message", json_string(e.msg));
	import_result_free(&res);
	return send_json(rq, 200, doc, "no-store");
}

static const char *hook_header(void *ctx, const char *name)
{
	struct request *rq = ctx;
	return MHD_lookup_connection_value(rq->c, MHD_HEADER_KIND, name);
}

/* Records a webhook delivery in PostgreSQL: 1 when it was there already. */
static int hook_seen(void *ctx, const char *source, const char *delivery)
{
	struct request *rq = ctx;
	struct err e = {0};
	PGconn *db;
	int seen;

	if (db_pool_acquire(rq->s->pool, &db, rq->s->cfg.db_acquire_timeout_ms, &e) < 0)
		return -1;
	seen = db_webhook_delivery_seen(db, source, delivery, &e);
	if (seen < 0) {
		log_warn("webhook delivery not recorded", "request_id=%s detail=\"%s\"", rq->id,
		         e.msg);
		seen = -1;
	}
	db_pool_release(rq->s->pool, db, seen < 0);
	return seen;
}

/* POST /v1/hooks/git: hooks.c decides; the import runs on the scheduler. */
static enum MHD_Result h_hooks_git(struct request *rq)
{
	struct hook_request h = {
	    hook_header, rq,       param_get(rq, "source"), rq->upload.data, rq->upload.len,
	    rq->id,      hook_seen};
	struct hook_reply out;

	hooks_handle(&h, &out);
	if (out.status >= 400)
		return send_error(rq, out.status, out.message, NULL);
	return send_json(rq, out.status,
	                 json_pack("{s:{s:s, s:s, s:s}}", "data", "status", out.result, "source",
	                           out.source, "message", out.message),
	                 "no-store");
}

/* NULL when the request may run an import, else why not (*status). */
static const char *imports_auth(struct request *rq, int *status)
{
	const char *auth = MHD_lookup_connection_value(rq->c, MHD_HEADER_KIND, "Authorization");
	const char *token = rq->dyn->token;

	*status = 403;
	if (token[0] == '\0')
		return "running imports over HTTP is disabled: set import_token "
		       "(WHATWORKS_IMPORT_TOKEN) to enable POST /v1/imports";
	*status = 401;
	if (auth == NULL || strncasecmp(auth, "Bearer ", 7) != 0 || !token_equal(auth + 7, token))
		return "a valid bearer token is required to run an import";
	return NULL;
}

static enum MHD_Result h_imports_post(struct request *rq)
{
	const char *name = rq->dyn->source;
	json_t *body = NULL, *src;
	enum MHD_Result sent;
	int status;
	const char *refused = imports_auth(rq, &status);

	if (refused != NULL)
		return send_error(rq, status, refused, NULL);
	if (rq->upload.len > 0) {
		json_error_t je;
		body = json_loadb(rq->upload.data, rq->upload.len, 0, &je);
		src = json_object_get(body, "source");
		if (!json_is_object(body) || (src != NULL && !json_is_string(src))) {
			json_decref(body);
			return send_error(rq, 400,
			                  "parameter \"source\": the body must be empty or a JSON "
			                  "object like {\"source\": \"evidence\"}",
			                  json_pack("{s:s}", "parameter", "source"));
		}
		if (src != NULL)
			name = json_string_value(src);
	}
	sent = run_import(rq, name);
	json_decref(body);
	return sent;
}

/* ---- dispatch ---- */

/* Matches path against a template; the {id} segment goes into id. */
static int match(const char *tmpl, const char *path, char *id, size_t idsize)
{
	while (*tmpl && *path) {
		if (*tmpl == '{') {
			size_t n = strcspn(path, "/");
			if (n == 0 || n >= idsize)
				return 0;
			memcpy(id, path, n);
			id[n] = '\0';
			path += n;
			tmpl = strchr(tmpl, '}') + 1;
			continue;
		}
		if (*tmpl++ != *path++)
			return 0;
	}
	return *tmpl == '\0' && *path == '\0';
}

static enum MHD_Result preflight(struct request *rq, const struct route *rt)
{
	const char *origin = MHD_lookup_connection_value(rq->c, MHD_HEADER_KIND, "Origin");
	const char *want =
	    MHD_lookup_connection_value(rq->c, MHD_HEADER_KIND, "Access-Control-Request-Method");
	const char *allow = allow_of(rt);
	struct MHD_Response *r =
	    MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
	char age[16];

	if (r == NULL)
		return MHD_NO;
	MHD_add_response_header(r, "Allow", allow);
	MHD_add_response_header(r, "Cache-Control", "no-store");
	if (origin != NULL && want != NULL && http_origin_allowed(rq->dyn->cors, origin)) {
		snprintf(age, sizeof(age), "%d", rq->dyn->cors_max_age);
		MHD_add_response_header(r, "Access-Control-Allow-Methods", allow);
		MHD_add_response_header(r, "Access-Control-Allow-Headers",
		                        "Accept, Accept-Encoding, Authorization, Content-Type, "
		                        "If-None-Match, X-Request-Id");
		MHD_add_response_header(r, "Access-Control-Max-Age", age);
	}
	return finish(rq, r, 204);
}

static enum MHD_Result dispatch(struct request *rq, const char *url, const char *method)
{
	const struct route *rt = NULL;
	unsigned want;

	for (size_t i = 0; i < NROUTES; i++)
		if (match(routes[i].path, url, rq->path_id, sizeof(rq->path_id))) {
			rt = &routes[i];
			rq->route = (int)i;
			break;
		}
	if (rt == NULL)
		return send_error(rq, 404, "no such resource; see /openapi.json",
		                  json_pack("{s:s}", "path", url));
	if (strcmp(method, "OPTIONS") == 0)
		return preflight(rq, rt);
	want = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0 ? M_GET
	       : strcmp(method, "POST") == 0                             ? M_POST
	                                                                 : 0;
	if ((rt->mask & want) == 0) {
		char m[64];
		snprintf(m, sizeof(m), "method %.16s is not allowed here", method);
		return send_error(rq, 405, m, json_pack("{s:s}", "allow", allow_of(rt)));
	}
	if (want == M_POST)
		return rt->post(rq);
	if (rt->get != NULL)
		return rt->get(rq);
	return h_api(rq, rt);
}

/* Invalid UTF-8 or a NUL byte in the path or a parameter would reach
 * PostgreSQL (503) or be cut silently (%00): such a target is refused. */
static int bad_bytes(struct request *rq)
{
	if (rq->target == NULL || rq->target_len != strlen(rq->target))
		return 0;
	return http_target_check(rq->target, rq->target_len, rq->bad_bytes, sizeof(rq->bad_bytes)) <
	       0;
}

/* libmicrohttpd (0.9.75) queues no response while a body is arriving: the
 * JSON error is written to the socket directly and the connection closed. */
static enum MHD_Result send_error_mid_body(struct request *rq, int status, const char *msg)
{
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(rq->c, MHD_CONNECTION_INFO_CONNECTION_FD);
	char resp[1024];
	size_t n = http_gate_error(resp, sizeof(resp), status, msg, rq->s->cfg.retry_after);

	rq->status = status;
	if (ci != NULL && send(ci->connect_fd, resp, n, MSG_NOSIGNAL | MSG_DONTWAIT) > 0)
		rq->bytes = n;
	return MHD_NO;
}

/* ---- bodies: checked before they are read, and what they may hold ---- */

/* Webhook bodies are read before their signature can be checked: all of them
 * together hold at most this much. */
#define UNAUTH_BODY_MEMORY (16u << 20)

static int hold_unauthenticated(struct request *rq, const char *url, size_t n)
{
	struct http_server *s = rq->s;
	if (strcmp(url, "/v1/hooks/git") != 0)
		return 1;
	if (__atomic_add_fetch(&s->unauth_held, n, __ATOMIC_RELAXED) > UNAUTH_BODY_MEMORY) {
		__atomic_fetch_sub(&s->unauth_held, n, __ATOMIC_RELAXED);
		return 0;
	}
	rq->held += n;
	return 1;
}

/* POST /v1/imports without a valid token, a webhook that cannot be valid:
 * refused from their headers, before the body is read (1, *sent set). */
static int body_refused(struct request *rq, const char *url, enum MHD_Result *sent)
{
	if (strcmp(url, "/v1/imports") == 0) {
		int status;
		const char *msg = imports_auth(rq, &status);
		if (msg == NULL)
			return 0;
		*sent = send_error(rq, status, msg, NULL);
		return 1;
	}
	if (strcmp(url, "/v1/hooks/git") == 0) {
		struct hook_request h = {hook_header, rq,  param_get(rq, "source"), NULL, 0,
		                         rq->id,      NULL};
		struct hook_reply out;
		hooks_precheck(
		    &h, MHD_lookup_connection_value(rq->c, MHD_HEADER_KIND, "Content-Type"), &out);
		if (out.status == 0)
			return 0;
		*sent = send_error(rq, out.status, out.message, NULL);
		return 1;
	}
	return 0;
}

/* A body sent a byte at a time never looks idle: bound its whole time. */
static int body_late(const struct request *rq)
{
	return clock_ns() - rq->t0 > (long long)rq->s->cfg.body_timeout * 1000000000LL;
}

/* Webhook payloads (a push of many commits) may be larger than API bodies. */
static size_t body_limit(const struct request *rq, const char *url)
{
	if (strcmp(url, "/v1/hooks/git") == 0)
		return HOOKS_MAX_BODY;
	return (size_t)rq->s->cfg.max_body_size;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **con_cls)
{
	struct request *rq = *con_cls;
	enum MHD_Result sent;
	(void)cls;
	(void)version;

	if (rq == NULL) /* uri_logged failed to allocate */
		return MHD_NO;
	if (!rq->seen) {
		const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
		rq->seen = 1;
		rq->c = c;
		snprintf(rq->method, sizeof(rq->method), "%s", method);
		__atomic_fetch_add(&rq->s->in_flight, 1, __ATOMIC_RELAXED);
		if (rq->target_len > (size_t)rq->s->cfg.max_url_size) {
			char m[128];
			snprintf(m, sizeof(m), "the request target is longer than %d bytes",
			         rq->s->cfg.max_url_size);
			return send_error(rq, 414, m, NULL);
		}
		if (bad_bytes(rq))
			return send_error(rq, 400, rq->bad_bytes,
			                  detail_from_message(rq->bad_bytes));
		if (cl != NULL && strtoull(cl, NULL, 10) > body_limit(rq, url))
			rq->too_big = 1;
		if (!rq->too_big && strcmp(method, "POST") == 0 && body_refused(rq, url, &sent))
			return sent;
		/* answer on the next call, even without a body: libmicrohttpd
		 * (0.9.75) closes the connection after a response queued in the
		 * first call, so every request would need a new TCP connection */
		if (!rq->too_big)
			return MHD_YES;
	}
	if (*upload_size > 0 && body_late(rq)) {
		char m[96];
		*upload_size = 0;
		snprintf(m, sizeof(m), "the request body did not arrive within %d s",
		         rq->s->cfg.body_timeout);
		return send_error_mid_body(rq, 408, m);
	}
	if (*upload_size > 0 && !rq->too_big) {
		rq->body_started = 1;
		if (rq->upload.len + *upload_size > body_limit(rq, url))
			rq->too_big = 1;
		else if (!hold_unauthenticated(rq, url, *upload_size)) {
			*upload_size = 0;
			return send_error_mid_body(
			    rq, 503,
			    "too many webhook bodies are arriving at once; try again shortly");
		} else
			buf_add(&rq->upload, upload, *upload_size);
	}
	if (rq->too_big) {
		char m[128];
		*upload_size = 0;
		snprintf(m, sizeof(m), "the request body is larger than %zu bytes",
		         body_limit(rq, url));
		if (rq->upload.len > 0 || rq->body_started)
			return send_error_mid_body(rq, 413, m);
		return send_error(rq, 413, m, NULL);
	}
	if (*upload_size > 0) {
		*upload_size = 0;
		return MHD_YES;
	}
	return dispatch(rq, url, method);
}

/* A request id from the client when it is short and plain, else our own. */
static void request_id(struct request *rq, struct MHD_Connection *c)
{
	const char *given = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Request-Id");
	size_t n = given ? strlen(given) : 0;

	if (n > 0 && n < 64 &&
	    strspn(given, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	                  "0123456789-_.") == n) {
		memcpy(rq->id, given, n + 1);
		return;
	}
	snprintf(rq->id, sizeof(rq->id), "%08x%08llx", rq->s->seed,
	         __atomic_add_fetch(&rq->s->next_id, 1, __ATOMIC_RELAXED));
}

/* ---- connections: requests libmicrohttpd drops without calling completed() ---- */

/* What a connection knows of its request between uri_logged() and completed(). */
struct conn_ctx {
	struct request *pending;
};

static struct conn_ctx *conn_ctx_of(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	return ci ? ci->socket_context : NULL;
}

static void request_free(struct request *rq)
{
	if (rq->held > 0)
		__atomic_fetch_sub(&rq->s->unauth_held, rq->held, __ATOMIC_RELAXED);
	buf_free(&rq->upload);
	while (rq->joined != NULL) {
		struct joined *next = rq->joined->next;
		free(rq->joined->value);
		free(rq->joined);
		rq->joined = next;
	}
	free(rq->target);
	free(rq);
}

/* libmicrohttpd calls completed() only for requests our handler saw; one it
 * refused itself (its memory pool exhausted, a malformed header) is freed
 * here when its connection closes, whatever the termination code. */
static void on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
                          enum MHD_ConnectionNotificationCode toe)
{
	struct http_server *s = cls;
	struct conn_ctx *cc = *socket_context;
	(void)c;

	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		__atomic_fetch_add(&s->live, 1, __ATOMIC_RELEASE);
		*socket_context = calloc(1, sizeof(struct conn_ctx));
		return;
	}
	__atomic_fetch_sub(&s->live, 1, __ATOMIC_RELEASE);
	if (cc != NULL && cc->pending != NULL) {
		char path[600];
		quote(path, sizeof(path), cc->pending->target ? cc->pending->target : "", 512);
		log_info("request refused by libmicrohttpd", "path=\"%s\"", path);
		request_free(cc->pending);
	}
	free(cc);
	*socket_context = NULL;
}

static void *uri_logged(void *cls, const char *uri, struct MHD_Connection *c)
{
	struct http_server *s = cls;
	struct request *rq = calloc(1, sizeof(*rq));
	struct conn_ctx *cc = conn_ctx_of(c);

	if (rq == NULL)
		return NULL;
	if (cc != NULL) {
		if (cc->pending != NULL) /* never completed: not seen by our handler */
			request_free(cc->pending);
		cc->pending = rq;
	}
	rq->s = s;
	rq->c = c;
	rq->t0 = clock_ns();
	rq->route = -1;
	rq->dyn = dyn_of(s);
	rq->target_len = strlen(uri);
	/* keep what the log and Link need; the length alone decides 414 */
	rq->target = strndup(uri, rq->target_len > 65536 ? 65536 : rq->target_len);
	snprintf(rq->id, sizeof(rq->id), "-");
	return rq;
}

/* Appends s to a logfmt quoted value: escapes " and \, drops control bytes. */
static size_t quote(char *out, size_t size, const char *s, size_t max)
{
	size_t n = 0;
	for (size_t i = 0; s[i] && i < max && n + 3 < size; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch == '"' || ch == '\\')
			out[n++] = '\\';
		out[n++] = ch < 0x20 || ch == 0x7f ? '?' : (char)ch;
	}
	out[n] = '\0';
	return n;
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls,
                      enum MHD_RequestTerminationCode toe)
{
	struct request *rq = *con_cls;
	struct conn_ctx *cc = conn_ctx_of(c);
	char path[600];
	double secs;
	(void)cls;

	if (rq == NULL)
		return;
	*con_cls = NULL;
	if (cc != NULL && cc->pending == rq)
		cc->pending = NULL;
	secs = (double)(clock_ns() - rq->t0) / 1e9;
	if (rq->seen) {
		quote(path, sizeof(path), rq->target ? rq->target : "", 512);
		if (toe == MHD_REQUEST_TERMINATED_COMPLETED_OK || rq->status != 0)
			log_info("request",
			         "method=%s path=\"%s\" status=%d bytes=%zu duration_ms=%.3f "
			         "request_id=%s%s",
			         rq->method, path, rq->status, rq->bytes, secs * 1000.0, rq->id,
			         toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "" : " aborted=true");
		http_metrics_observe(rq->route, rq->method, rq->status, secs);
		__atomic_fetch_sub(&rq->s->in_flight, 1, __ATOMIC_RELAXED);
	}
	request_free(rq);
}

/* Called once headers are in: the request id can be read then. */
static enum MHD_Result on_request_with_id(void *cls, struct MHD_Connection *c, const char *url,
                                          const char *method, const char *version,
                                          const char *upload, size_t *upload_size, void **con_cls)
{
	struct request *rq = *con_cls;
	if (rq != NULL && !rq->seen)
		request_id(rq, c);
	return on_request(cls, c, url, method, version, upload, upload_size, con_cls);
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[512], q[600];
	size_t n;
	(void)cls;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n > 0 && msg[n - 1] == '\n')
		msg[--n] = '\0';
	quote(q, sizeof(q), msg, sizeof(msg));
	log_warn("libmicrohttpd", "detail=\"%s\"", q);
}

/* ---- start, reload, stop ---- */

static int listen_on(const char *hostport, struct err *e)
{
	char host[128];
	const char *colon = strrchr(hostport, ':');
	struct addrinfo hints, *res = NULL;
	int fd, one = 1, rc;

	snprintf(host, sizeof(host), "%.*s", (int)(colon - hostport), hostport);
	if (host[0] == '[') {
		memmove(host, host + 1, strlen(host));
		host[strcspn(host, "]")] = '\0';
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	if ((rc = getaddrinfo(host[0] ? host : NULL, colon + 1, &hints, &res)) != 0)
		return err_set(e, WW_EINVALID, "invalid value \"%s\" for listen: %s", hostport,
		               gai_strerror(rc));
	fd = socket(res->ai_family, res->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
	            res->ai_protocol);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(fd, res->ai_addr, res->ai_addrlen) < 0 || listen(fd, 1024) < 0) {
		rc = err_set(e, WW_EIO, "could not listen on %s: %s", hostport, strerror(errno));
		if (fd >= 0)
			close(fd);
		freeaddrinfo(res);
		return rc;
	}
	freeaddrinfo(res);
	return fd;
}

static struct dyn *dyn_new(const struct config *cfg)
{
	struct dyn *d = calloc(1, sizeof(*d));
	if (d == NULL)
		return NULL;
	snprintf(d->cors, sizeof(d->cors), "%s", cfg->cors_origins);
	d->cors_max_age = cfg->cors_max_age;
	snprintf(d->cache_control, sizeof(d->cache_control), "%s", cfg->cache_control);
	snprintf(d->token, sizeof(d->token), "%s", cfg->import_token);
	snprintf(d->source, sizeof(d->source), "%s", cfg->import_source);
	return d;
}

/* Stops the replica monitor, then the version thread it pokes. */
static void stop_threads(struct http_server *s)
{
	db_route_free(s->route);
	s->route = NULL;
	http_version_watch_stop(s->watch);
	s->watch = NULL;
}

static void server_free(struct http_server *s)
{
	struct dyn *d = s->dyn;
	while (d != NULL) {
		struct dyn *prev = d->prev;
		free(d);
		d = prev;
	}
	db_route_free(s->route); /* its monitor calls evidence_changed: first */
	http_cache_free(s->cache);
	db_pool_free(s->pool);
	pthread_mutex_destroy(&s->ver_lock);
	free(s);
}

/* The gate accepts connections and hands them to libmicrohttpd (http_gate.h). */
static int gate_start(struct http_server *s, struct err *e)
{
	const struct config *cfg = &s->cfg;
	struct http_gate_opts o = {
	    .listen_fd = s->listen_fd,
	    .daemon = s->daemon,
	    .limits = {.max_head = (size_t)cfg->connection_memory_limit / 2,
	               .max_url = (size_t)cfg->max_url_size,
	               .pool = (size_t)cfg->connection_memory_limit},
	    .header_timeout = cfg->header_timeout,
	    .max_connections = cfg->max_connections,
	    .max_pending = cfg->max_connections > 1 ? cfg->max_connections / 2 : 1,
	    .retry_after = cfg->retry_after,
	    .live = &s->live,
	};
	return http_gate_start(&s->gate, &o, e);
}

int http_start(struct http_server **out, const struct config *cfg, struct err *e)
{
	struct http_server *s = calloc(1, sizeof(*s));
	char conninfo[1024];
	unsigned threads = (unsigned)config_threads(cfg);
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ITC | MHD_USE_ERROR_LOG |
	                 MHD_USE_NO_LISTEN_SOCKET;
	int rc, pool;

	*out = NULL;
	if (s == NULL)
		return err_set(e, WW_ENOMEM, "out of memory");
	s->cfg = *cfg;
	s->listen_fd = -1;
	pthread_mutex_init(&s->ver_lock, NULL);
	s->seed = (unsigned)(clock_ns() ^ (long long)getpid() << 16);
	s->dyn = dyn_new(cfg);
	pool = cfg->db_pool_size > 0 ? cfg->db_pool_size : (int)threads;
	if (cfg->database_url[0] != '\0')
		snprintf(conninfo, sizeof(conninfo), "%s", cfg->database_url);
	else
		db_conninfo(conninfo, sizeof(conninfo));
	if (s->dyn == NULL ||
	    (rc = db_pool_new(&s->pool, conninfo, pool, cfg->db_statement_timeout_ms, e)) < 0 ||
	    (cfg->response_cache_mb > 0 &&
	     (rc = http_cache_new(&s->cache, (size_t)cfg->response_cache_mb << 20)) < 0)) {
		server_free(s);
		return err_set(e, WW_ENOMEM, "out of memory");
	}
	struct db_route_config rcfg = {conninfo,
	                               cfg->read_database_url,
	                               pool,
	                               cfg->db_statement_timeout_ms,
	                               cfg->read_max_lag_ms,
	                               cfg->replica_check_ms,
	                               evidence_changed,
	                               s};
	if ((rc = db_route_new(&s->route, s->pool, &rcfg, e)) < 0) {
		server_free(s);
		return rc;
	}
	if ((rc = listen_on(cfg->listen, e)) < 0) {
		server_free(s);
		return rc;
	}
	s->listen_fd = rc;
	/* version_ttl_ms 0 asks for a read per request: no thread then */
	if (cfg->version_ttl_ms > 0 &&
	    http_version_watch_start(&s->watch, s->pool, cfg->version_ttl_ms,
	                             cfg->db_acquire_timeout_ms, db_route_replicas(s->route) > 0,
	                             version_seen, s) < 0)
		log_warn("could not start the version thread", "reason=\"out of memory\"");
	if (MHD_is_feature_supported(MHD_FEATURE_EPOLL) == MHD_YES)
		flags |= MHD_USE_EPOLL;
	s->daemon = MHD_start_daemon(
	    flags, 0, NULL, NULL, on_request_with_id, s, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, s,
	    MHD_OPTION_THREAD_POOL_SIZE, threads > 1 ? threads : 0u, MHD_OPTION_CONNECTION_LIMIT,
	    (unsigned)cfg->max_connections, MHD_OPTION_PER_IP_CONNECTION_LIMIT,
	    (unsigned)cfg->max_connections_per_ip, MHD_OPTION_CONNECTION_TIMEOUT,
	    (unsigned)cfg->connection_timeout, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
	    (size_t)cfg->connection_memory_limit, MHD_OPTION_URI_LOG_CALLBACK, uri_logged, s,
	    MHD_OPTION_NOTIFY_COMPLETED, completed, s, MHD_OPTION_NOTIFY_CONNECTION, on_connection,
	    s, MHD_OPTION_END);
	if (s->daemon == NULL) {
		stop_threads(s);
		close(s->listen_fd);
		server_free(s);
		return err_set(e, WW_EIO, "could not start the HTTP server on %s", cfg->listen);
	}
	if ((rc = gate_start(s, e)) < 0) {
		MHD_stop_daemon(s->daemon);
		stop_threads(s);
		close(s->listen_fd);
		server_free(s);
		return rc;
	}
	log_info("serving", "listen=%s threads=%u db_pool=%d epoll=%d cache_mb=%d replicas=%d",
	         cfg->listen, threads, pool, (flags & MHD_USE_EPOLL) != 0, cfg->response_cache_mb,
	         db_route_replicas(s->route));
	*out = s;
	return 0;
}

void http_reload(struct http_server *s, const struct config *cfg)
{
	struct dyn *d = dyn_new(cfg);

	if (d == NULL) {
		log_error("could not reload settings", "reason=\"out of memory\"");
		return;
	}
	d->prev = s->dyn;
	__atomic_store_n(&s->dyn, d, __ATOMIC_RELEASE);
	if (s->cache != NULL)
		http_cache_clear(s->cache);
}

int http_stop(struct http_server *s, int timeout_s)
{
	long long deadline = clock_ns() + (long long)timeout_s * 1000000000LL;
	int left;

	__atomic_store_n(&s->stopping, 1, __ATOMIC_RELEASE);
	http_gate_stop(s->gate); /* accepts no more connections */
	close(s->listen_fd);
	while ((left = __atomic_load_n(&s->in_flight, __ATOMIC_ACQUIRE)) > 0 &&
	       clock_ns() < deadline)
		usleep(20000);
	MHD_stop_daemon(s->daemon);
	stop_threads(s);
	server_free(s);
	return left;
}
