/*
 * hook_verify.h - webhook signatures and push payloads, pure code
 *
 * GitHub signs the body with HMAC-SHA256 and sends "sha256=<hex>" in
 * X-Hub-Signature-256; Gitea and Forgejo send the bare hex in
 * X-Gitea-Signature / X-Forgejo-Signature; GitLab sends the shared token
 * itself in X-Gitlab-Token. Every comparison takes the same time whatever
 * the inputs hold (OpenSSL's CRYPTO_memcmp over fixed-size digests). No I/O,
 * no logging: hooks.c decides what to answer and what to log.
 */
#ifndef WW_HOOK_VERIFY_H
#define WW_HOOK_VERIFY_H

#include <stddef.h>

enum hook_host { HOOK_UNKNOWN, HOOK_GITHUB, HOOK_GITEA, HOOK_GITLAB };

/* "github", "gitea", "gitlab", "unknown". */
const char *hook_host_name(enum hook_host h);

/* The lower-case hex HMAC-SHA256 of body under secret, into out[65]. */
void hook_hmac_hex(const char *secret, const void *body, size_t len, char out[65]);

/*
 * Checks what the host sent (the header's value, NULL when absent) against
 * secret: GitHub "sha256=<hex>", Gitea/Forgejo "<hex>" (case-insensitive
 * hex), GitLab the token. Returns 1 when it matches, 0 otherwise (also for an
 * empty secret, a missing or malformed value, an unknown host).
 */
int hook_verify(enum hook_host host, const char *given, const char *secret, const void *body,
                size_t len);

/* What a push payload says, read without trusting it (no I/O). */
struct hook_push {
	int is_push;    /* a push (branch or tag), not a ping or another event */
	char ref[256];  /* "refs/heads/main" */
	char after[64]; /* the new commit */
	char default_branch[256];
	char urls[6][512]; /* the repository's clone, web and ssh URLs found */
	int n_urls;
};

/*
 * Reads body (JSON) from host; event is the event header's value (may be
 * NULL). Returns 0, or -1 when the body is not a JSON object.
 */
int hook_parse_push(enum hook_host host, const char *event, const char *body, size_t len,
                    struct hook_push *out);

/*
 * 1 when two repository locations name the same repository: compared
 * without scheme, user, a trailing ".git" or "/", host case-insensitively;
 * "git@host:owner/repo" counts as "host/owner/repo".
 */
int hook_same_repo(const char *a, const char *b);

#endif
