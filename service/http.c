/*
 * http.c - libmicrohttpd server: start, reload, stop, the route table,
 * dispatch, status mapping and the responses every endpoint shares
 *
 * A request's life: uri_logged() allocates its struct request (raw target,
 * request id, start time); on_request() checks limits, routes, negotiates and
 * answers from the fast paths (304 from the cached evidence version, the
 * response cache) or through the API functions on a pooled connection;
 * completed() logs one line, counts it and frees the request.
 *
 * The endpoints live apart (http_internal.h): the cached API response path in
 * http_api.c, the operator endpoints in http_ops.c, the POST glue in
 * http_post.c.
 */
#include "http_internal.h"

#include "clock.h"
#include "db_pool.h"
#include "db_route.h"
#include "db_sources.h"
#include "http_gate.h"
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

#define VARY "Accept, Accept-Encoding, Origin"
#define EXPOSE "ETag, Link, Location, X-Evidence-Version, X-Request-Id, X-Total-Count, Retry-After"

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
    {"/v1/imports", "GET POST", M_GET | M_POST, 0, api_imports_list, NULL, NULL,
     http_h_imports_post, "imports"},
    {"/v1/imports/{id}", "GET", M_GET, 0, NULL, api_import_get, NULL, NULL, "import"},
    {"/v1/imports/requests/{id}", "GET", M_GET, 0, NULL, api_import_request_get, NULL, NULL,
     "import-request"},
    {"/v1/export", "GET", M_GET, F_VERSIONED, api_export, NULL, NULL, NULL, "export"},
    {"/v1/scores", "GET", M_GET, F_VERSIONED, api_scores_list, NULL, NULL, NULL, "scores"},
    /* the parameters in force come from this process's environment, not the database */
    {"/v1/scoring/parameters", "GET", M_GET, 0, api_scoring_parameters, NULL, NULL, NULL,
     "scoring-parameters"},
    {"/openapi.json", "GET", M_GET, 0, NULL, NULL, http_h_openapi, NULL, NULL},
    {"/healthz", "GET", M_GET, 0, NULL, NULL, http_h_healthz, NULL, NULL},
    {"/readyz", "GET", M_GET, 0, NULL, NULL, http_h_readyz, NULL, NULL},
    {"/metrics", "GET", M_GET, 0, NULL, NULL, http_h_metrics, NULL, NULL},
    {"/v1/hooks/git", "POST", M_POST, 0, NULL, NULL, NULL, http_h_hooks_git, NULL},
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

enum MHD_Result http_finish(struct request *rq, struct MHD_Response *r, int status)
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

struct MHD_Response *http_buffer_response(char *data, size_t len, int must_free, struct request *rq)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(
	    len, data, must_free ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_MUST_COPY);
	rq->bytes = len;
	return r;
}

/* Sends a JSON document (stolen) with status. */
enum MHD_Result http_send_json(struct request *rq, int status, json_t *doc,
                               const char *cache_control)
{
	return http_send_json_at(rq, status, doc, cache_control, NULL);
}

enum MHD_Result http_send_json_at(struct request *rq, int status, json_t *doc,
                                  const char *cache_control, const char *location)
{
	char *text = json_dumps(doc, JSON_COMPACT);
	struct MHD_Response *r;

	json_decref(doc);
	if (text == NULL)
		return MHD_NO;
	r = http_buffer_response(text, strlen(text), 1, rq);
	if (r == NULL) {
		free(text);
		return MHD_NO;
	}
	MHD_add_response_header(r, "Content-Type", JSON_TYPE);
	MHD_add_response_header(r, "Cache-Control", cache_control ? cache_control : "no-store");
	if (location != NULL)
		MHD_add_response_header(r, "Location", location);
	return http_finish(rq, r, status);
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
void http_add_page_headers(struct MHD_Response *r)
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
enum MHD_Result http_send_error(struct request *rq, int status, const char *message, json_t *detail)
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
	r = http_buffer_response(text, html ? len : strlen(text), 1, rq);
	if (r == NULL) {
		free(text);
		return MHD_NO;
	}
	MHD_add_response_header(r, "Content-Type", html ? HTML_TYPE : JSON_TYPE);
	if (html)
		http_add_page_headers(r);
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
	return http_finish(rq, r, status);
}

/* Sends the error for a failed call: status from the code, message from e. */
enum MHD_Result http_send_err(struct request *rq, int code, const struct err *e)
{
	int status = http_status_for(code);
	const char *msg = e->msg[0] ? e->msg : err_code_name(code);

	if (status >= 500) {
		char q[1100];
		http_quote(q, sizeof(q), msg, sizeof(q));
		log_warn("request failed", "request_id=%s code=\"%s\" detail=\"%s\"", rq->id,
		         err_code_name(code), q);
	}
	if (status == 503 && code == WW_EDB)
		msg = "the database is unavailable; try again shortly";
	return http_send_error(rq, status, msg, status == 400 ? detail_from_message(e->msg) : NULL);
}

/* ---- request parameters ---- */

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
const char *http_param_get(void *ctx, const char *name)
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

int http_param_count(void *ctx, const char *name)
{
	struct request *rq = ctx;
	struct gather g = {name, 0, {0}, 1};
	MHD_get_connection_values(rq->c, MHD_GET_ARGUMENT_KIND, gather_cb, &g);
	return g.count;
}

const char *http_param_name_at(void *ctx, size_t i)
{
	struct request *rq = ctx;
	struct nth n = {i, 0, NULL};
	MHD_get_connection_values(rq->c, MHD_GET_ARGUMENT_KIND, nth_cb, &n);
	return n.found;
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
	return http_finish(rq, r, 204);
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
		return http_send_error(rq, 404, "no such resource; see /openapi.json",
		                       json_pack("{s:s}", "path", url));
	if (strcmp(method, "OPTIONS") == 0)
		return preflight(rq, rt);
	want = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0 ? M_GET
	       : strcmp(method, "POST") == 0                             ? M_POST
	                                                                 : 0;
	if ((rt->mask & want) == 0) {
		char m[64];
		snprintf(m, sizeof(m), "method %.16s is not allowed here", method);
		return http_send_error(rq, 405, m, json_pack("{s:s}", "allow", allow_of(rt)));
	}
	if (want == M_POST)
		return rt->post(rq);
	if (rt->get != NULL)
		return rt->get(rq);
	return http_h_api(rq, rt);
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
			return http_send_error(rq, 414, m, NULL);
		}
		if (bad_bytes(rq))
			return http_send_error(rq, 400, rq->bad_bytes,
			                       detail_from_message(rq->bad_bytes));
		if (cl != NULL && strtoull(cl, NULL, 10) > http_body_limit(rq, url))
			rq->too_big = 1;
		if (!rq->too_big && strcmp(method, "POST") == 0 &&
		    http_body_refused(rq, url, &sent))
			return sent;
		/* answer on the next call, even without a body: libmicrohttpd
		 * (0.9.75) closes the connection after a response queued in the
		 * first call, so every request would need a new TCP connection */
		if (!rq->too_big)
			return MHD_YES;
	}
	if (*upload_size > 0 && http_body_late(rq)) {
		char m[96];
		*upload_size = 0;
		snprintf(m, sizeof(m), "the request body did not arrive within %d s",
		         rq->s->cfg.body_timeout);
		return http_send_error_mid_body(rq, 408, m);
	}
	if (*upload_size > 0 && !rq->too_big) {
		rq->body_started = 1;
		if (rq->upload.len + *upload_size > http_body_limit(rq, url))
			rq->too_big = 1;
		else if (!http_hold_unauthenticated(rq, url, *upload_size)) {
			*upload_size = 0;
			return http_send_error_mid_body(
			    rq, 503,
			    "too many webhook bodies are arriving at once; try again shortly");
		} else
			buf_add(&rq->upload, upload, *upload_size);
	}
	if (rq->too_big) {
		char m[128];
		*upload_size = 0;
		snprintf(m, sizeof(m), "the request body is larger than %zu bytes",
		         http_body_limit(rq, url));
		if (rq->upload.len > 0 || rq->body_started)
			return http_send_error_mid_body(rq, 413, m);
		return http_send_error(rq, 413, m, NULL);
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
		http_quote(path, sizeof(path), cc->pending->target ? cc->pending->target : "", 512);
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
size_t http_quote(char *out, size_t size, const char *s, size_t max)
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
		http_quote(path, sizeof(path), rq->target ? rq->target : "", 512);
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
	http_quote(q, sizeof(q), msg, sizeof(msg));
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
	db_route_free(s->route); /* its monitor calls http_evidence_changed: first */
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

int http_start(struct http_server **out, const struct config *cfg, struct scheduler *sched,
               struct err *e)
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
	s->sched = sched;
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
	                               http_evidence_changed,
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
	                             http_version_seen, s) < 0)
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
