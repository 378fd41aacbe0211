/*
 * hooks.h - POST /v1/hooks/git: a partner's push starts an import
 *
 * The HTTP layer hands over the headers, ?source= and the body; this file
 * finds the host (GitHub, Gitea/Forgejo, GitLab), the configured git source
 * (by ?source=NAME, else by the repository URLs in the payload), checks the
 * signature or token with that source's secret (hook_verify.c), ignores a
 * delivery id it has seen (in PostgreSQL through rq->seen, shared by every
 * daemon; else the last HOOKS_REMEMBER ids of this process), and
 * triggers the scheduler, which coalesces bursts. Nothing here waits for the
 * import: the answer is 202 at once.
 */
#ifndef WW_HOOKS_H
#define WW_HOOKS_H

#include <stddef.h>

#define HOOKS_MAX_BODY (1024 * 1024) /* bytes; more is 413 */
#define HOOKS_REMEMBER 4096          /* delivery ids kept for replay detection */

struct scheduler;

struct hook_request {
	struct scheduler *sched; /* where an accepted push queues its import */
	const char *(*header)(void *ctx, const char *name); /* NULL when absent */
	void *ctx;
	const char *source; /* ?source=, may be NULL */
	const char *body;
	size_t len;
	const char *request_id; /* for the log line */
	/* 1 when the delivery was seen before (else records it and 0), -1 on
	 * failure (then this process's memory decides); NULL: memory only */
	int (*seen)(void *ctx, const char *source, const char *delivery);
};

struct hook_reply {
	int status;      /* 202 accepted, 200 ignored, 400, 401, 404 (no sources), 415 */
	char result[32]; /* accepted, coalesced, ignored, duplicate */
	char source[128];
	char message[256];
};

/* Decides and, when accepted, triggers the import. This function can't fail:
 * every outcome is a reply. */
void hooks_handle(const struct hook_request *rq, struct hook_reply *out);

/*
 * What can be decided before the body is read: a host's headers, a
 * signature or token, and a source that exists with a secret (by ?source=,
 * else any git source with one). out->status is 0 when the body may be read.
 * An unknown source and one without a secret get the same 401 as a bad
 * signature, so a caller learns nothing of which sources exist.
 */
void hooks_precheck(const struct hook_request *rq, const char *content_type,
                    struct hook_reply *out);

/* Forgets every delivery id (tests). */
void hooks_reset(void);

#endif
