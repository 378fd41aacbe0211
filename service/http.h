/*
 * http.h - the HTTP layer of `whatworks serve`
 *
 * http.c runs libmicrohttpd, routes requests and maps error codes to
 * statuses; http_render.c holds the pure pieces (CSV, gzip, ETag matching,
 * content negotiation, CORS origin checks, Link headers) that need no server;
 * http_cache.c keeps rendered responses per evidence version; http_metrics.c
 * counts requests for /metrics. Only these files include microhttpd.h.
 */
#ifndef WW_HTTP_H
#define WW_HTTP_H

#include "buf.h"
#include "config.h"
#include "err.h"

#include <jansson.h>
#include <stddef.h>

/* ---- the server (http.c) ---- */

struct http_server;

struct scheduler;

/* Starts listening on cfg->listen with the pools sized by cfg. cfg is copied.
 * sched (borrowed, outlives the server) runs the imports POST /v1/imports and
 * the webhooks ask for; NULL: they answer 503. */
int http_start(struct http_server **out, const struct config *cfg, struct scheduler *sched,
               struct err *e);

/* Applies the reloadable settings of cfg (CORS, Cache-Control, token ...). */
void http_reload(struct http_server *s, const struct config *cfg);

/*
 * Stops accepting connections, lets requests in flight finish for at most
 * timeout_s seconds, then closes everything and frees s. Returns the number
 * of requests still in flight when it gave up (0 on a clean stop).
 */
int http_stop(struct http_server *s, int timeout_s);

/* The status for an error code: the one place that maps them. */
int http_status_for(int code);

/* The route table, for /openapi.json's test: path template and methods. */
struct http_route_desc {
	const char *path;    /* OpenAPI template, e.g. /v1/interventions/{id} */
	const char *methods; /* space separated, e.g. "GET" or "GET POST" */
};
const struct http_route_desc *http_routes(size_t *n);

/* The embedded OpenAPI document (generated from service/openapi.json). */
extern const char http_openapi_json[];
extern const size_t http_openapi_json_len;

/* ---- representations (http_render.c) ---- */

enum http_rep { HTTP_REP_JSON = 0, HTTP_REP_CSV = 1, HTTP_REP_HTML = 2 /* a page (web.h) */ };

/*
 * Picks the representation for an Accept header (NULL: JSON). csv_ok says
 * whether CSV is on offer. Returns HTTP_REP_JSON, HTTP_REP_CSV, or -1 when
 * Accept allows neither (406).
 */
int http_accept_pick(const char *accept, int csv_ok);

/* 1 when Accept-Encoding (may be NULL) allows gzip. */
int http_accepts_gzip(const char *accept_encoding);

/*
 * Renders rows (an array of flat objects) as RFC 4180 CSV: UTF-8 BOM, a
 * header row, CRLF line ends, fields quoted when they hold , " CR or LF.
 * columns (NULL-terminated) gives the order; NULL takes the first row's keys.
 * Arrays of scalars are joined with ';', other nested values written as JSON.
 * Returns 0 or WW_ENOMEM.
 */
int http_csv_render(struct buf *out, const json_t *rows, const char *const *columns);
/* The same rows without the BOM and the header row: a later page of a table. */
int http_csv_rows(struct buf *out, const json_t *rows, const char *const *columns);

/* gzip-compresses in into out; 0 or WW_ENOMEM. */
int http_gzip(struct buf *out, const void *in, size_t n);

/*
 * The ETag of one representation: base (a quoted entity tag) with a suffix
 * for CSV and for gzip, so that each representation has its own.
 */
void http_etag_variant(char *out, size_t size, const char *base, int rep, int gz);

/* 1 when If-None-Match (a list, or *) matches etag under weak comparison. */
int http_etag_match(const char *if_none_match, const char *etag);

/* 1 when origin may read responses under the allowed list ("*" or a list). */
int http_origin_allowed(const char *allowed, const char *origin);

/*
 * Writes the Link header of a page: first, prev, next and last with the same
 * query as the request (raw_query, without '?', may be NULL) where offset or
 * cursor are replaced. path is the raw request path.
 */
void http_link_header(struct buf *out, const char *path, const char *raw_query, long long limit,
                      long long offset, long long total, const char *next_cursor, int used_cursor);

/* FNV-1a 64 of n bytes, for ETags of responses that are not versioned. */
unsigned long long http_hash(const void *p, size_t n);

/* ---- response cache (http_cache.c) ---- */

struct http_cache;
struct http_cached {
	char *body;
	size_t len;
	int rep, gz;
	char etag[128];
	char version_header[128];
	char *link;        /* may be NULL */
	long long total;   /* -1: no X-Total-Count */
	char filename[64]; /* CSV attachment name */
	/* private */
	int refs;
	char *key;
	unsigned long long hash;
	struct http_cached *next_in_bucket, *older, *newer;
};

/*
 * Entries are reference-counted (atomically), so a response can send an
 * entry's body without copying it while another thread evicts the entry:
 * whoever holds a reference may read the entry, never write it. A new entry
 * (calloc'd, refs = 1) belongs to its maker.
 */
int http_cache_new(struct http_cache **out, size_t budget);
void http_cache_free(struct http_cache *c);
/* A new reference to the entry under key (drop it with http_cache_release),
 * or NULL. */
struct http_cached *http_cache_get(struct http_cache *c, const char *key);
/* Adds a reference to e. */
void http_cache_hold(struct http_cached *e);
/* Drops a reference to e (may be NULL), freeing e and its strings with the
 * last one. c is unused (may be NULL): no lock is needed. */
void http_cache_release(struct http_cache *c, struct http_cached *e);
/* Stores e under key, taking over the caller's reference to e. */
void http_cache_put(struct http_cache *c, const char *key, struct http_cached *e);
/* Drops everything (the evidence version changed). c may be NULL. */
void http_cache_clear(struct http_cache *c);

/* ---- the evidence version, read off the worker threads (http_version.c) ---- */

struct api_version;
struct db_pool;
struct http_version_watch;
/* Called from the watch thread after each read: v, or NULL when it failed. */
typedef void (*http_version_seen_fn)(void *cls, const struct api_version *v);
/* Starts a thread that reads the version on a pooled connection at once, then every
 * period_ms, and passes each result to seen; with_lsn: also the primary's WAL
 * position (api_version.lsn), for reads from replicas. WW_ENOMEM when no thread could start. */
int http_version_watch_start(struct http_version_watch **out, struct db_pool *pool, int period_ms,
                             int acquire_timeout_ms, int with_lsn, http_version_seen_fn seen,
                             void *cls);
/* Reads the version again now, not at the end of the period (w may be NULL). */
void http_version_watch_poke(struct http_version_watch *w);
/* Stops and joins the thread (w may be NULL). */
void http_version_watch_stop(struct http_version_watch *w);

/* ---- metrics (http_metrics.c) ---- */

#define HTTP_MAX_ROUTES 48

/* route: index into the route table, or -1 for none; method as the request
 * line has it (GET, HEAD, POST, OPTIONS; anything else counts as "other"). */
void http_metrics_observe(int route, const char *method, int status, double seconds);
/* Appends the request counters (by route, method and status) and the
 * latency histogram (by route); route_name(i) names route i. */
void http_metrics_render(struct buf *out, size_t nroutes);
/* Appends the standard process_* metrics of this process (Linux /proc):
 * CPU seconds, resident and virtual memory, open and maximum file
 * descriptors, start time. Can't fail; what cannot be read is left out. */
void http_metrics_process(struct buf *out);
/* Appends s as a Prometheus label value (\ " and newline escaped). */
void http_metrics_label(struct buf *out, const char *s);

#endif
