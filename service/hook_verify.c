/*
 * hook_verify.c - HMAC-SHA256 and token checks, push payloads, repository URLs
 */
#include "hook_verify.h"

#include <ctype.h>
#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

const char *hook_host_name(enum hook_host h)
{
	switch (h) {
	case HOOK_GITHUB: return "github";
	case HOOK_GITEA: return "gitea";
	case HOOK_GITLAB: return "gitlab";
	case HOOK_UNKNOWN: break;
	}
	return "unknown";
}

static void hmac(const char *secret, const void *body, size_t len, unsigned char md[32])
{
	unsigned int n = 32;
	static const unsigned char empty[1];

	HMAC(EVP_sha256(), secret, (int)strlen(secret), len ? body : empty, len, md, &n);
}

void hook_hmac_hex(const char *secret, const void *body, size_t len, char out[65])
{
	unsigned char md[32];

	hmac(secret, body, len, md);
	for (int i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* 64 hex digits into 32 bytes; -1 when s is anything else. */
static int unhex32(const char *s, unsigned char out[32])
{
	if (strlen(s) != 64)
		return -1;
	for (int i = 0; i < 32; i++) {
		int hi = hexval((unsigned char)s[2 * i]), lo = hexval((unsigned char)s[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}

int hook_verify(enum hook_host host, const char *given, const char *secret, const void *body,
                size_t len)
{
	unsigned char want[32], got[32];

	if (given == NULL || secret == NULL || secret[0] == '\0')
		return 0;
	switch (host) {
	case HOOK_GITHUB:
		if (strncmp(given, "sha256=", 7) != 0)
			return 0;
		given += 7;
		/* fall through */
	case HOOK_GITEA:
		if (unhex32(given, got) < 0)
			return 0;
		hmac(secret, body, len, want);
		return CRYPTO_memcmp(want, got, 32) == 0;
	case HOOK_GITLAB: {
		/* digests of both: the time taken does not depend on where they differ
		 * nor on the token's length */
		unsigned int n = 32;
		EVP_Digest(given, strlen(given), got, &n, EVP_sha256(), NULL);
		EVP_Digest(secret, strlen(secret), want, &n, EVP_sha256(), NULL);
		return CRYPTO_memcmp(want, got, 32) == 0;
	}
	case HOOK_UNKNOWN: break;
	}
	return 0;
}

static void copy_str(char *dst, size_t size, const json_t *v)
{
	const char *s = json_string_value(v);
	snprintf(dst, size, "%s", s ? s : "");
}

static void add_url(struct hook_push *p, const json_t *v)
{
	const char *s = json_string_value(v);
	if (s == NULL || s[0] == '\0' || p->n_urls >= 6 || strlen(s) >= sizeof(p->urls[0]))
		return;
	snprintf(p->urls[p->n_urls++], sizeof(p->urls[0]), "%s", s);
}

int hook_parse_push(enum hook_host host, const char *event, const char *body, size_t len,
                    struct hook_push *out)
{
	json_error_t je;
	json_t *doc = json_loadb(body, len, 0, &je), *repo, *proj;

	memset(out, 0, sizeof(*out));
	if (!json_is_object(doc)) {
		json_decref(doc);
		return -1;
	}
	copy_str(out->ref, sizeof(out->ref), json_object_get(doc, "ref"));
	copy_str(out->after, sizeof(out->after), json_object_get(doc, "after"));
	repo = json_object_get(doc, "repository");
	proj = json_object_get(doc, "project");
	if (host == HOOK_GITLAB) {
		out->is_push = event != NULL && (strcasecmp(event, "Push Hook") == 0 ||
		                                 strcasecmp(event, "Tag Push Hook") == 0);
		const json_t *src = json_is_object(proj) ? proj : repo;
		add_url(out, json_object_get(src, "git_http_url"));
		add_url(out, json_object_get(src, "git_ssh_url"));
		add_url(out, json_object_get(src, "web_url"));
		add_url(out, json_object_get(src, "homepage"));
		add_url(out, json_object_get(src, "url"));
		copy_str(out->default_branch, sizeof(out->default_branch),
		         json_object_get(src, "default_branch"));
	} else {
		out->is_push = event != NULL && strcasecmp(event, "push") == 0;
		add_url(out, json_object_get(repo, "clone_url"));
		add_url(out, json_object_get(repo, "html_url"));
		add_url(out, json_object_get(repo, "ssh_url"));
		add_url(out, json_object_get(repo, "git_url"));
		add_url(out, json_object_get(repo, "url"));
		copy_str(out->default_branch, sizeof(out->default_branch),
		         json_object_get(repo, "default_branch"));
	}
	json_decref(doc);
	return 0;
}

/* host/owner/repo, lower-case host, without scheme, user, .git and slashes. */
static void normalize(const char *in, char *out, size_t size)
{
	const char *p = strstr(in, "://");
	size_t n = 0;

	if (p != NULL) {
		p += 3;
	} else {
		p = in;
		/* scp-like: user@host:path */
		const char *colon = strchr(p, ':'), *slash = strchr(p, '/');
		if (colon != NULL && (slash == NULL || colon < slash)) {
			const char *at = memchr(p, '@', (size_t)(colon - p));
			if (at != NULL)
				p = at + 1;
			for (; p < colon && n + 1 < size; p++)
				out[n++] = (char)tolower((unsigned char)*p);
			if (n + 1 < size)
				out[n++] = '/';
			p = colon + 1;
			goto rest;
		}
	}
	{
		const char *hostend = p + strcspn(p, "/");
		const char *at = memchr(p, '@', (size_t)(hostend - p));
		if (at != NULL)
			p = at + 1;
		for (; p < hostend && n + 1 < size; p++)
			out[n++] = (char)tolower((unsigned char)*p);
	}
rest:
	for (; *p && n + 1 < size; p++)
		out[n++] = *p;
	out[n] = '\0';
	while (n > 0 && out[n - 1] == '/')
		out[--n] = '\0';
	if (n > 4 && strcmp(out + n - 4, ".git") == 0)
		out[n - 4] = '\0';
	/* default ports make no difference */
	char *port = strstr(out, ":443/");
	if (port == NULL)
		port = strstr(out, ":80/");
	if (port != NULL && port < out + strcspn(out, "/") + 1)
		memmove(port, strchr(port, '/'), strlen(strchr(port, '/')) + 1);
}

int hook_same_repo(const char *a, const char *b)
{
	char na[1100], nb[1100];

	if (a == NULL || b == NULL || a[0] == '\0' || b[0] == '\0')
		return 0;
	normalize(a, na, sizeof(na));
	normalize(b, nb, sizeof(nb));
	return strcmp(na, nb) == 0;
}
