/*
 * hooks.c - webhook requests to scheduler triggers
 */
#include "hooks.h"
#include "hook_verify.h"
#include "log.h"
#include "scheduler.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static pthread_mutex_t seen_lock = PTHREAD_MUTEX_INITIALIZER;
static char seen[HOOKS_REMEMBER][96];
static size_t seen_next;

void hooks_reset(void)
{
	pthread_mutex_lock(&seen_lock);
	memset(seen, 0, sizeof(seen));
	seen_next = 0;
	pthread_mutex_unlock(&seen_lock);
}

/* 1 when key was seen; else remembers it (oldest forgotten first) and 0. */
static int seen_before(const char *key)
{
	int found = 0;

	pthread_mutex_lock(&seen_lock);
	for (size_t i = 0; i < HOOKS_REMEMBER && !found; i++)
		found = seen[i][0] != '\0' && strcmp(seen[i], key) == 0;
	if (!found) {
		snprintf(seen[seen_next], sizeof(seen[0]), "%s", key);
		seen_next = (seen_next + 1) % HOOKS_REMEMBER;
	}
	pthread_mutex_unlock(&seen_lock);
	return found;
}

static void reply(struct hook_reply *out, int status, const char *result, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void reply(struct hook_reply *out, int status, const char *result, const char *fmt, ...)
{
	va_list ap;

	out->status = status;
	snprintf(out->result, sizeof(out->result), "%s", result);
	va_start(ap, fmt);
	vsnprintf(out->message, sizeof(out->message), fmt, ap);
	va_end(ap);
}

static const char *hdr(const struct hook_request *rq, const char *name)
{
	const char *v = rq->header(rq->ctx, name);
	return v != NULL && v[0] != '\0' ? v : NULL;
}

/* The host, its event, signature or token, and delivery id. Gitea and
 * Forgejo also send GitHub's headers, so they are recognised first. */
static enum hook_host detect(const struct hook_request *rq, const char **event, const char **sig,
                             const char **delivery)
{
	if ((*event = hdr(rq, "X-Forgejo-Event")) || (*event = hdr(rq, "X-Gitea-Event"))) {
		*sig = hdr(rq, "X-Forgejo-Signature");
		if (*sig == NULL)
			*sig = hdr(rq, "X-Gitea-Signature");
		*delivery = hdr(rq, "X-Forgejo-Delivery");
		if (*delivery == NULL)
			*delivery = hdr(rq, "X-Gitea-Delivery");
		return HOOK_GITEA;
	}
	if ((*event = hdr(rq, "X-Gitlab-Event"))) {
		*sig = hdr(rq, "X-Gitlab-Token");
		*delivery = hdr(rq, "X-Gitlab-Event-UUID");
		if (*delivery == NULL)
			*delivery = hdr(rq, "Idempotency-Key");
		return HOOK_GITLAB;
	}
	if ((*event = hdr(rq, "X-GitHub-Event"))) {
		*sig = hdr(rq, "X-Hub-Signature-256");
		*delivery = hdr(rq, "X-GitHub-Delivery");
		return HOOK_GITHUB;
	}
	*sig = *delivery = NULL;
	return HOOK_UNKNOWN;
}

#define NO_MATCH "the webhook signature or token does not match"

/* The one answer for an unknown source, a source without a secret and a bad
 * signature; the log says which. */
static void refuse(struct hook_reply *out, const char *rid, const char *source, enum hook_host host,
                   const char *delivery, const char *why)
{
	log_warn("webhook refused",
	         "request_id=%s source=\"%.100s\" host=%s delivery=\"%.64s\" reason=\"%s\"", rid,
	         source, hook_host_name(host), delivery ? delivery : "", why);
	reply(out, 401, "", NO_MATCH);
}

void hooks_precheck(const struct hook_request *rq, const char *content_type, struct hook_reply *out)
{
	struct scheduler *s = rq->sched;
	const char *event, *sig, *delivery, *rid = rq->request_id ? rq->request_id : "-";
	const struct sources *all;
	enum hook_host host;
	int any = 0;

	memset(out, 0, sizeof(*out));
	if (s == NULL || scheduler_sources(s)->n == 0) {
		reply(out, 404, "", "no sources are configured: set sources (WHATWORKS_SOURCES)");
		return;
	}
	host = detect(rq, &event, &sig, &delivery);
	if (host == HOOK_UNKNOWN) {
		reply(out, 400, "",
		      "not a webhook from GitHub, Gitea, Forgejo or GitLab: no event header");
		return;
	}
	if (content_type != NULL && content_type[0] != '\0' &&
	    strncasecmp(content_type, "application/json", 16) != 0 &&
	    strncasecmp(content_type, "application/x-www-form-urlencoded", 33) != 0) {
		reply(out, 415, "", "the webhook body must be application/json");
		return;
	}
	all = scheduler_sources(s);
	if (rq->source != NULL && rq->source[0] != '\0') {
		const struct source_conf *sc = sources_find(all, rq->source);
		if (sc == NULL || sc->kind != SOURCE_GIT) {
			refuse(out, rid, rq->source, host, delivery, "no such git source");
			return;
		}
		if (sc->secret[0] == '\0') {
			refuse(out, rid, rq->source, host, delivery, "no secret");
			return;
		}
	} else {
		for (size_t i = 0; i < all->n; i++)
			any |= all->v[i].kind == SOURCE_GIT && all->v[i].secret[0] != '\0';
		if (!any) {
			refuse(out, rid, "", host, delivery, "no git source has a secret");
			return;
		}
	}
	if (sig == NULL) {
		refuse(out, rid, rq->source ? rq->source : "", host, delivery, "no signature");
		return;
	}
}

static int ref_tracked(const struct source_conf *sc, const struct hook_push *p)
{
	const char *want = sc->ref[0] ? sc->ref : p->default_branch;
	char full[300];

	if (p->ref[0] == '\0' || want[0] == '\0')
		return 1; /* nothing to compare: import, the import resolves the ref */
	snprintf(full, sizeof(full), "refs/heads/%s", want);
	return strcmp(p->ref, want) == 0 || strcmp(p->ref, full) == 0;
}

void hooks_handle(const struct hook_request *rq, struct hook_reply *out)
{
	struct scheduler *s = rq->sched;
	const struct sources *all;
	const struct source_conf *sc = NULL;
	const char *event, *sig, *delivery;
	enum hook_host host;
	struct hook_push push;
	int parsed, coalesced = 0;
	const char *rid = rq->request_id ? rq->request_id : "-";

	memset(out, 0, sizeof(*out));
	if (s == NULL || scheduler_sources(s)->n == 0) {
		reply(out, 404, "", "no sources are configured: set sources (WHATWORKS_SOURCES)");
		return;
	}
	all = scheduler_sources(s);
	host = detect(rq, &event, &sig, &delivery);
	if (host == HOOK_UNKNOWN) {
		reply(out, 400, "",
		      "not a webhook from GitHub, Gitea, Forgejo or GitLab: no event header");
		return;
	}
	parsed = hook_parse_push(host, event, rq->body ? rq->body : "", rq->len, &push) == 0;
	if (rq->source != NULL && rq->source[0] != '\0') {
		sc = sources_find(all, rq->source);
		if (sc == NULL || sc->kind != SOURCE_GIT) {
			refuse(out, rid, rq->source, host, delivery, "no such git source");
			return;
		}
	} else if (parsed) {
		for (size_t i = 0; i < all->n && sc == NULL; i++) {
			if (all->v[i].kind != SOURCE_GIT)
				continue;
			for (int u = 0; u < push.n_urls && sc == NULL; u++)
				if (hook_same_repo(all->v[i].location, push.urls[u]))
					sc = &all->v[i];
		}
	}
	if (sc == NULL) {
		refuse(out, rid, "", host, delivery,
		       "no git source matches the repository; add ?source=NAME to the "
		       "webhook URL or check the source's location");
		return;
	}
	if (sc->secret[0] == '\0') {
		refuse(out, rid, sc->name, host, delivery, "no secret");
		return;
	}
	if (!hook_verify(host, sig, sc->secret, rq->body ? rq->body : "", rq->len)) {
		log_warn("webhook refused",
		         "request_id=%s source=\"%s\" host=%s delivery=\"%.64s\" reason=\"%s\"",
		         rid, sc->name, hook_host_name(host), delivery ? delivery : "",
		         sig == NULL ? "no signature" : "bad signature");
		reply(out, 401, "", NO_MATCH);
		return;
	}
	snprintf(out->source, sizeof(out->source), "%s", sc->name);
	if (delivery != NULL) {
		char key[96];
		int was = rq->seen ? rq->seen(rq->ctx, sc->name, delivery) : -1;
		snprintf(key, sizeof(key), "%.40s|%.50s", sc->name, delivery);
		if (was < 0)
			was = seen_before(key);
		if (was) {
			log_info("webhook ignored",
			         "request_id=%s source=\"%s\" delivery=\"%.64s\" "
			         "reason=\"replayed delivery\"",
			         rid, sc->name, delivery);
			reply(out, 200, "duplicate", "delivery %.64s was already received",
			      delivery);
			return;
		}
	}
	if (!parsed) {
		reply(out, 400, "", "the webhook body is not a JSON object");
		return;
	}
	if (!push.is_push) {
		reply(out, 200, "ignored", "event \"%.64s\" is not a push", event);
		return;
	}
	if (!ref_tracked(sc, &push)) {
		reply(out, 200, "ignored", "ref %.200s is not the source's branch", push.ref);
		return;
	}
	if (scheduler_trigger(s, sc->name, "webhook", &coalesced) < 0) {
		reply(out, 404, "", "source \"%s\" is not scheduled", sc->name);
		return;
	}
	log_info("webhook accepted",
	         "request_id=%s source=\"%s\" host=%s delivery=\"%.64s\" after=%.12s coalesced=%s",
	         rid, sc->name, hook_host_name(host), delivery ? delivery : "", push.after,
	         coalesced ? "true" : "false");
	reply(out, 202, coalesced ? "coalesced" : "accepted", "import of \"%s\" queued", sc->name);
}
