/*
 * http_ops.c - the operator endpoints: /openapi.json, /healthz, /readyz and
 * /metrics
 */
#include "http_internal.h"

#include "db_pool.h"
#include "db_route.h"
#include "log.h"

#include <microhttpd.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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

enum MHD_Result http_h_openapi(struct request *rq)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	int gz = want_gzip(rq, http_openapi_json_len);
	enum MHD_Result sent = MHD_NO;
	const char *inm = MHD_lookup_connection_value(rq->c, MHD_HEADER_KIND, "If-None-Match");
	char etag[64];
	struct MHD_Response *r;

	if (http_negotiate(rq, 0, &sent) < 0)
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
		return http_send_304(rq, etag, len);
	r = MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_PERSISTENT);
	if (r == NULL)
		return MHD_NO;
	rq->bytes = len;
	if (gz)
		MHD_add_response_header(r, "Content-Encoding", "gzip");
	MHD_add_response_header(r, "Content-Type", JSON_TYPE);
	MHD_add_response_header(r, "ETag", etag);
	MHD_add_response_header(r, "Cache-Control", rq->dyn->cache_control);
	return http_finish(rq, r, 200);
}

enum MHD_Result http_h_healthz(struct request *rq)
{
	return http_send_json(rq, 200, json_pack("{s:s}", "status", "ok"), "no-store");
}

/* A caller with the import token (WHATWORKS_IMPORT_TOKEN) as a bearer token. */
static int trusted(struct request *rq)
{
	const char *auth = MHD_lookup_connection_value(rq->c, MHD_HEADER_KIND, "Authorization");
	const char *token = rq->dyn->token;

	return token[0] != '\0' && auth != NULL && strncasecmp(auth, "Bearer ", 7) == 0 &&
	       http_token_equal(auth + 7, token);
}

enum MHD_Result http_h_readyz(struct request *rq)
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
	http_version_header(rq->version_header, sizeof(rq->version_header), &v);
done:
	if (db != NULL)
		db_pool_release(s->pool, db, rc < 0);
	if (failed == NULL)
		return http_send_json(rq, 200,
		                      json_pack("{s:s, s:o, s:o}", "status", "ready", "checks",
		                                checks, "database", db_route_status(s->route)),
		                      "no-store");
	/* what PostgreSQL said names hosts, users and databases: only for a caller
	 * with the import token (the log has it too) */
	if (rc < 0 && !trusted(rq)) {
		char q[1100];
		http_quote(q, sizeof(q), e.msg, sizeof(q));
		log_warn("not ready", "request_id=%s check=%s detail=\"%s\"", rq->id, failed, q);
		err_clear(&e);
		err_set(&e, WW_EDB, "the database is unavailable");
	}
	snprintf(msg, sizeof(msg), "not ready: %s", e.msg);
	json_object_set_new(checks, failed, json_string(e.msg));
	return http_send_error(rq, 503, msg,
	                       json_pack("{s:s, s:o}", "failed", failed, "checks", checks));
}

enum MHD_Result http_h_metrics(struct request *rq)
{
	struct http_server *s = rq->s;
	struct buf b = {0};
	struct err e = {0};
	PGconn *db = NULL;
	int open = 0, busy = 0, n = -1;
	size_t nroutes;

	http_routes(&nroutes);
	http_metrics_render(&b, nroutes);
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
	struct MHD_Response *r = http_buffer_response(b.data, b.len, 1, rq);
	if (r == NULL) {
		buf_free(&b);
		return MHD_NO;
	}
	if (gz)
		MHD_add_response_header(r, "Content-Encoding", "gzip");
	MHD_add_response_header(r, "Content-Type", "text/plain; version=0.0.4; charset=utf-8");
	MHD_add_response_header(r, "Cache-Control", "no-store");
	return http_finish(rq, r, 200);
}
