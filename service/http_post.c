/*
 * http_post.c - the POST glue: POST /v1/imports, the git webhook, and the
 * request bodies (refused from their headers, bounded in size, time and the
 * memory unauthenticated ones may hold)
 */
#include "http_internal.h"

#include "clock.h"
#include "db_import.h"
#include "db_pool.h"
#include "db_sources.h"
#include "hooks.h"
#include "http_gate.h"
#include "log.h"
#include "scheduler.h"

#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

/* ---- POST /v1/imports and the git webhook ---- */

/* Constant time in the length of the expected token. */
int http_token_equal(const char *given, const char *want)
{
	size_t gl = strlen(given), wl = strlen(want);
	unsigned char d = gl != wl;

	for (size_t i = 0; i < wl; i++)
		d |= (unsigned char)(want[i] ^ (i < gl ? given[i] : 0));
	return d == 0;
}

/* A source `whatworks import git` recorded but the sources file does not
 * name: the scheduler runs it when asked, with the default timeout. */
static int add_recorded_source(struct http_server *s, PGconn *db, const char *name,
                               struct source_conf *sc, struct err *e)
{
	struct db_pool_source src;
	int rc;

	if ((rc = db_pool_source_get(db, name, &src, e)) < 0)
		return rc;
	if (strcmp(src.kind, "git") != 0)
		return err_set(
		    e, WW_EINVALID,
		    "parameter \"source\" names a %s source that the sources file does "
		    "not configure; add it to the sources file (WHATWORKS_SOURCES) to run "
		    "it over HTTP",
		    src.kind);
	memset(sc, 0, sizeof(*sc));
	snprintf(sc->name, sizeof(sc->name), "%s", name);
	sc->kind = SOURCE_GIT;
	snprintf(sc->location, sizeof(sc->location), "%s", src.location);
	snprintf(sc->ref, sizeof(sc->ref), "%s", src.ref);
	snprintf(sc->path, sizeof(sc->path), "%s", src.subpath);
	sc->timeout_s = SOURCES_DEFAULT_TIMEOUT_S;
	return scheduler_add(s->sched, sc, e);
}

/*
 * Asks the scheduler for a run of the source and answers 202 at once with the
 * request's URL: the HTTP thread never waits for a fetch. The request is
 * recorded before the trigger, so the run the trigger starts serves it.
 */
static enum MHD_Result queue_import(struct request *rq, const char *name)
{
	struct http_server *s = rq->s;
	struct source_conf sc;
	struct err e = {0};
	char url[64];
	long long id = 0;
	int rc, coalesced = 0;
	PGconn *db;

	if (s->sched == NULL)
		return http_send_error(rq, 503, "imports cannot run: the scheduler is not running",
		                       NULL);
	if ((rc = db_pool_acquire(s->pool, &db, s->cfg.db_acquire_timeout_ms, &e)) < 0)
		return http_send_err(rq, rc, &e);
	if (scheduler_source(s->sched, name, &sc) < 0)
		rc = add_recorded_source(s, db, name, &sc, &e);
	if (rc == 0)
		rc = db_import_request(db, sc.name, sources_kind_name(sc.kind), sc.location, "api",
		                       &id, &e);
	db_pool_release(s->pool, db, rc == WW_EDB);
	if (rc == 0 && scheduler_trigger(s->sched, sc.name, "api", &coalesced) < 0)
		rc = err_set(&e, WW_ENOTFOUND, "parameter \"source\": no source named \"%.200s\"",
		             name);
	if (rc < 0)
		return http_send_err(rq, rc, &e);
	log_info("import requested over HTTP",
	         "request_id=%s source=\"%s\" request=%lld coalesced=%s", rq->id, sc.name, id,
	         coalesced ? "true" : "false");
	snprintf(url, sizeof(url), "/v1/imports/requests/%lld", id);
	return http_send_json_at(rq, 202,
	                         json_pack("{s:{s:I, s:s, s:s, s:b, s:s}}", "data", "id",
	                                   (json_int_t)id, "source", sc.name, "status", "queued",
	                                   "coalesced", coalesced, "url", url),
	                         "no-store", url);
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
enum MHD_Result http_h_hooks_git(struct request *rq)
{
	struct hook_request h = {
	    rq->s->sched,    hook_header,    rq,     http_param_get(rq, "source"),
	    rq->upload.data, rq->upload.len, rq->id, hook_seen};
	struct hook_reply out;

	hooks_handle(&h, &out);
	if (out.status >= 400)
		return http_send_error(rq, out.status, out.message, NULL);
	return http_send_json(rq, out.status,
	                      json_pack("{s:{s:s, s:s, s:s}}", "data", "status", out.result,
	                                "source", out.source, "message", out.message),
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
	if (auth == NULL || strncasecmp(auth, "Bearer ", 7) != 0 ||
	    !http_token_equal(auth + 7, token))
		return "a valid bearer token is required to run an import";
	return NULL;
}

enum MHD_Result http_h_imports_post(struct request *rq)
{
	const char *name = rq->dyn->source;
	json_t *body = NULL, *src;
	enum MHD_Result sent;
	int status;
	const char *refused = imports_auth(rq, &status);

	if (refused != NULL)
		return http_send_error(rq, status, refused, NULL);
	if (rq->upload.len > 0) {
		json_error_t je;
		body = json_loadb(rq->upload.data, rq->upload.len, 0, &je);
		src = json_object_get(body, "source");
		if (!json_is_object(body) || (src != NULL && !json_is_string(src))) {
			json_decref(body);
			return http_send_error(
			    rq, 400,
			    "parameter \"source\": the body must be empty or a JSON "
			    "object like {\"source\": \"evidence\"}",
			    json_pack("{s:s}", "parameter", "source"));
		}
		if (src != NULL)
			name = json_string_value(src);
	}
	sent = queue_import(rq, name);
	json_decref(body);
	return sent;
}

/* libmicrohttpd (0.9.75) queues no response while a body is arriving: the
 * JSON error is written to the socket directly and the connection closed. */
enum MHD_Result http_send_error_mid_body(struct request *rq, int status, const char *msg)
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

int http_hold_unauthenticated(struct request *rq, const char *url, size_t n)
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
int http_body_refused(struct request *rq, const char *url, enum MHD_Result *sent)
{
	if (strcmp(url, "/v1/imports") == 0) {
		int status;
		const char *msg = imports_auth(rq, &status);
		if (msg == NULL)
			return 0;
		*sent = http_send_error(rq, status, msg, NULL);
		return 1;
	}
	if (strcmp(url, "/v1/hooks/git") == 0) {
		struct hook_request h = {
		    rq->s->sched, hook_header, rq,     http_param_get(rq, "source"),
		    NULL,         0,           rq->id, NULL};
		struct hook_reply out;
		hooks_precheck(
		    &h, MHD_lookup_connection_value(rq->c, MHD_HEADER_KIND, "Content-Type"), &out);
		if (out.status == 0)
			return 0;
		*sent = http_send_error(rq, out.status, out.message, NULL);
		return 1;
	}
	return 0;
}

/* A body sent a byte at a time never looks idle: bound its whole time. */
int http_body_late(const struct request *rq)
{
	return clock_ns() - rq->t0 > (long long)rq->s->cfg.body_timeout * 1000000000LL;
}

/* Webhook payloads (a push of many commits) may be larger than API bodies. */
size_t http_body_limit(const struct request *rq, const char *url)
{
	if (strcmp(url, "/v1/hooks/git") == 0)
		return HOOKS_MAX_BODY;
	return (size_t)rq->s->cfg.max_body_size;
}
