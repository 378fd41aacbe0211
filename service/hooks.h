/*
 * hooks.h - POST /v1/hooks/git: a partner's push starts an import
 *
 * The HTTP layer hands over the headers, ?source= and the body; this file
 * finds the host (GitHub, Gitea/Forgejo, GitLab), the configured git source
 * (by ?source=NAME, else by the repository URLs in the payload), checks the
 * signature or token with that source's secret (hook_verify.c), ignores a
 * delivery id it has seen (the last HOOKS_REMEMBER ids, per process), and
 * triggers the scheduler, which coalesces bursts. Nothing here waits for the
 * import: the answer is 202 at once.
 */
#ifndef WW_HOOKS_H
#define WW_HOOKS_H

#include <stddef.h>

#define HOOKS_MAX_BODY (1024 * 1024) /* bytes; more is 413 */
#define HOOKS_REMEMBER 4096          /* delivery ids kept for replay detection */

struct hook_request {
	const char *(*header)(void *ctx, const char *name); /* NULL when absent */
	void *ctx;
	const char *source; /* ?source=, may be NULL */
	const char *body;
	size_t len;
	const char *request_id; /* for the log line */
};

struct hook_reply {
	int status;      /* 202 accepted, 200 ignored, 400, 401, 403, 404, 503 */
	char result[32]; /* accepted, coalesced, ignored, duplicate */
	char source[128];
	char message[256];
};

/* Decides and, when accepted, triggers the import. This function can't fail:
 * every outcome is a reply. */
void hooks_handle(const struct hook_request *rq, struct hook_reply *out);

/* Forgets every delivery id (tests). */
void hooks_reset(void);

#endif
