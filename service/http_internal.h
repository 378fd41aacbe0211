/*
 * http_internal.h - what the parts of the HTTP server share (not public)
 *
 * http.c: lifecycle, routing, dispatch, the request's life and the common
 * responses; http_api.c: the cached API response path; http_ops.c: the
 * operator endpoints; http_post.c: the POST glue (imports, webhooks, bodies).
 */
#ifndef WHATWORKS_HTTP_INTERNAL_H
#define WHATWORKS_HTTP_INTERNAL_H

#include "api.h"
#include "buf.h"
#include "db_pool.h"
#include "http.h"

#include <jansson.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#define JSON_TYPE "application/json; charset=utf-8"
#define CSV_TYPE "text/csv; charset=utf-8"
#define HTML_TYPE "text/html; charset=utf-8"

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
	struct scheduler *sched; /* runs the imports asked for (borrowed) */
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

/* ---- http.c: responses, parameters, the log ---- */

enum MHD_Result http_finish(struct request *rq, struct MHD_Response *r, int status);
struct MHD_Response *http_buffer_response(char *data, size_t len, int must_free,
                                          struct request *rq);
enum MHD_Result http_send_json(struct request *rq, int status, json_t *doc,
                               const char *cache_control);
/* The same with a Location header (a relative URL), as a 202 gives. */
enum MHD_Result http_send_json_at(struct request *rq, int status, json_t *doc,
                                  const char *cache_control, const char *location);
void http_add_page_headers(struct MHD_Response *r);
enum MHD_Result http_send_error(struct request *rq, int status, const char *message,
                                json_t *detail);
enum MHD_Result http_send_err(struct request *rq, int code, const struct err *e);
const char *http_param_get(void *ctx, const char *name);
int http_param_count(void *ctx, const char *name);
const char *http_param_name_at(void *ctx, size_t i);
size_t http_quote(char *out, size_t size, const char *s, size_t max);

/* ---- http_api.c: the API endpoints and the evidence version ---- */

enum MHD_Result http_send_304(struct request *rq, const char *etag, uint64_t len);
int http_negotiate(struct request *rq, int csv_ok, enum MHD_Result *sent);
void http_version_header(char *out, size_t size, const struct api_version *v);
void http_evidence_changed(void *arg);
void http_version_seen(void *cls, const struct api_version *v);
enum MHD_Result http_h_api(struct request *rq, const struct route *rt);

/* ---- http_ops.c: the operator endpoints ---- */

enum MHD_Result http_h_openapi(struct request *rq);
enum MHD_Result http_h_healthz(struct request *rq);
enum MHD_Result http_h_readyz(struct request *rq);
enum MHD_Result http_h_metrics(struct request *rq);

/* ---- http_post.c: imports, webhooks and request bodies ---- */

enum MHD_Result http_h_imports_post(struct request *rq);
enum MHD_Result http_h_hooks_git(struct request *rq);
int http_token_equal(const char *given, const char *want);
enum MHD_Result http_send_error_mid_body(struct request *rq, int status, const char *msg);
int http_hold_unauthenticated(struct request *rq, const char *url, size_t n);
int http_body_refused(struct request *rq, const char *url, enum MHD_Result *sent);
int http_body_late(const struct request *rq);
size_t http_body_limit(const struct request *rq, const char *url);

#endif
