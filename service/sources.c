/*
 * sources.c - the sources file, parsed strictly with file:line errors
 */
#include "sources.h"
#include "config.h"
#include "source_kinds.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *sources_kind_name(enum source_kind k)
{
	const struct source_kind_def *d = source_kind_of(k);
	return d != NULL ? d->name : "unknown";
}

long sources_duration(const char *s)
{
	char *end;
	long n, mul = 1;

	errno = 0;
	if (!isdigit((unsigned char)*s))
		return -1;
	n = strtol(s, &end, 10);
	if (errno != 0 || n < 0)
		return -1;
	if (*end != '\0') {
		switch (*end) {
		case 's': mul = 1; break;
		case 'm': mul = 60; break;
		case 'h': mul = 3600; break;
		case 'd': mul = 86400; break;
		default: return -1;
		}
		if (end[1] != '\0')
			return -1;
	}
	if (n > INT_MAX / mul)
		return -1;
	return n * mul;
}

static int valid_name(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n >= 128)
		return 0;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && strchr("._:-/", *s) == NULL)
			return 0;
	return 1;
}

static int copy_value(char *dst, size_t size, const char *v, const char *where, const char *key,
                      struct err *e)
{
	if (strlen(v) >= size)
		return err_set(e, WW_EINVALID, "%s: value of %s is too long (at most %zu bytes)",
		               where, key, size - 1);
	memcpy(dst, v, strlen(v) + 1);
	return 0;
}

static int read_secret_file(char *dst, size_t size, const char *path, const char *where,
                            struct err *e)
{
	FILE *f = fopen(path, "r");
	size_t n;

	if (f == NULL)
		return err_set(e, WW_EINVALID, "%s: could not open secret_file \"%s\": %s", where,
		               path, strerror(errno));
	n = fread(dst, 1, size - 1, f);
	dst[n] = '\0';
	fclose(f);
	while (n > 0 && (dst[n - 1] == '\n' || dst[n - 1] == '\r'))
		dst[--n] = '\0';
	if (n == 0)
		return err_set(e, WW_EINVALID, "%s: secret_file \"%s\" is empty", where, path);
	return 0;
}

static int set_key(struct source_conf *s, const char *key, const char *v, const char *where,
                   struct err *e)
{
	long d;

	if (strcmp(key, "kind") == 0) {
		const struct source_kind_def *kind = source_kind_find(v);
		char names[128];
		if (kind == NULL) {
			source_kinds_list(names, sizeof(names));
			return err_set(e, WW_EINVALID, "%s: unknown kind \"%s\" (expected %s)",
			               where, v, names);
		}
		s->kind = kind->id;
		s->line = s->line < 0 ? -s->line : s->line; /* kind seen */
		return 0;
	}
	if (strcmp(key, "location") == 0)
		return copy_value(s->location, sizeof(s->location), v, where, key, e);
	if (strcmp(key, "ref") == 0)
		return copy_value(s->ref, sizeof(s->ref), v, where, key, e);
	if (strcmp(key, "path") == 0)
		return copy_value(s->path, sizeof(s->path), v, where, key, e);
	if (strcmp(key, "secret") == 0)
		return copy_value(s->secret, sizeof(s->secret), v, where, key, e);
	if (strcmp(key, "secret_file") == 0)
		return read_secret_file(s->secret, sizeof(s->secret), v, where, e);
	if (strcmp(key, "interval") == 0 || strcmp(key, "jitter") == 0 ||
	    strcmp(key, "timeout") == 0 || strcmp(key, "debounce") == 0) {
		/* checked here, before any use multiplies it into milliseconds */
		int debounce = strcmp(key, "debounce") == 0;
		if ((d = sources_duration(v)) < 0 || d > (debounce ? 3600 : 30 * 86400))
			return err_set(e, WW_EINVALID,
			               "%s: invalid %s \"%s\": expected seconds or a number with "
			               "s, m, h or d, at most %s",
			               where, key, v, debounce ? "1h" : "30d");
		if (strcmp(key, "interval") == 0)
			s->interval_s = (int)d;
		else if (strcmp(key, "jitter") == 0)
			s->jitter_s = (int)d;
		else if (strcmp(key, "timeout") == 0) {
			if (d < 1)
				return err_set(e, WW_EINVALID, "%s: timeout must be at least 1s",
				               where);
			s->timeout_s = (int)d;
		} else
			s->debounce_ms = (int)(d * 1000);
		return 0;
	}
	return err_set(e, WW_EINVALID,
	               "%s: unknown key \"%s\" (expected kind, location, ref, path, interval, "
	               "jitter, timeout, debounce, secret or secret_file)",
	               where, key);
}

/* Checks a finished section. */
static int check(const struct source_conf *s, const char *file, struct err *e)
{
	int line = s->line < 0 ? -s->line : s->line;
	const struct source_kind_def *d = source_kind_of(s->kind);

	if (s->line < 0)
		return err_set(e, WW_EINVALID, "%s:%d: source \"%s\" has no kind", file, line,
		               s->name);
	if (d->needs_location && s->location[0] == '\0')
		return err_set(e, WW_EINVALID, "%s:%d: source \"%s\" has no location", file, line,
		               s->name);
	if (d->location_is_url && strncmp(s->location, "http://", 7) != 0 &&
	    strncmp(s->location, "https://", 8) != 0)
		return err_set(e, WW_EINVALID,
		               "%s:%d: source \"%s\": a feed's location must be an http:// or "
		               "https:// URL",
		               file, line, s->name);
	if (!d->takes_ref_path && (s->ref[0] || s->path[0]))
		return err_set(e, WW_EINVALID,
		               "%s:%d: source \"%s\": ref and path are for git sources", file, line,
		               s->name);
	return 0;
}

static int finish_section(struct sources *out, const char *file, struct err *e)
{
	struct source_conf *s;

	if (out->n == 0)
		return 0;
	s = &out->v[out->n - 1];
	if (check(s, file, e) < 0)
		return WW_EINVALID;
	if (s->jitter_s < 0) {
		s->jitter_s = s->interval_s / 10;
		if (s->jitter_s > 60)
			s->jitter_s = 60;
	}
	return 0;
}

int sources_parse(struct sources *out, const char *file, const char *buf, size_t len, struct err *e)
{
	char where[600];
	const char *p = buf, *end = buf + len;
	int lineno = 0, rc = 0;
	size_t cap = 0;

	memset(out, 0, sizeof(*out));
	snprintf(out->file, sizeof(out->file), "%s", file);
	while (p < end && rc == 0) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		char line[2048], *s;

		lineno++;
		snprintf(where, sizeof(where), "%s:%d", file, lineno);
		if (n >= sizeof(line)) {
			rc = err_set(e, WW_EINVALID, "%s: line is longer than %zu bytes", where,
			             sizeof(line) - 1);
			break;
		}
		memcpy(line, p, n);
		line[n] = '\0';
		p = nl ? nl + 1 : end;
		if (memchr(line, '\0', n) != NULL) {
			rc = err_set(e, WW_EINVALID, "%s: NUL byte", where);
			break;
		}
		s = config_trim(line);
		if (*s == '\0' || *s == '#')
			continue;
		if (*s == '[') {
			char *close = strchr(s, ']');
			if (close == NULL || config_trim(close + 1)[0] != '\0') {
				rc = err_set(e, WW_EINVALID, "%s: expected [NAME]", where);
				break;
			}
			*close = '\0';
			char *name = config_trim(s + 1);
			if (!valid_name(name)) {
				rc = err_set(
				    e, WW_EINVALID,
				    "%s: invalid source name \"%s\": use letters, digits and "
				    ". _ : - / (at most 127)",
				    where, name);
				break;
			}
			if ((rc = finish_section(out, file, e)) < 0)
				break;
			for (size_t i = 0; i < out->n; i++)
				if (strcmp(out->v[i].name, name) == 0) {
					rc = err_set(
					    e, WW_EINVALID,
					    "%s: source \"%s\" is already defined at line %d",
					    where, name,
					    out->v[i].line < 0 ? -out->v[i].line : out->v[i].line);
					break;
				}
			if (rc < 0)
				break;
			if (out->n == cap) {
				size_t ncap = cap ? cap * 2 : 8;
				struct source_conf *v = realloc(out->v, ncap * sizeof(*v));
				if (v == NULL) {
					rc = err_set(e, WW_ENOMEM, "out of memory");
					break;
				}
				out->v = v;
				cap = ncap;
			}
			struct source_conf *sc = &out->v[out->n++];
			memset(sc, 0, sizeof(*sc));
			snprintf(sc->name, sizeof(sc->name), "%s", name);
			sc->line = -lineno; /* negative until kind is set */
			sc->jitter_s = -1;
			sc->timeout_s = SOURCES_DEFAULT_TIMEOUT_S;
			sc->debounce_ms = 2000;
			continue;
		}
		char *eq = strchr(s, '=');
		if (eq == NULL) {
			rc = err_set(e, WW_EINVALID, "%s: expected `key = value` or [NAME]", where);
			break;
		}
		if (out->n == 0) {
			rc = err_set(e, WW_EINVALID, "%s: `key = value` before the first [NAME]",
			             where);
			break;
		}
		*eq = '\0';
		char *key = config_trim(s), *val = config_trim(eq + 1);
		size_t vl = strlen(val);
		if (vl >= 2 && val[0] == '"' && val[vl - 1] == '"') {
			val[vl - 1] = '\0';
			val++;
		}
		rc = set_key(&out->v[out->n - 1], key, val, where, e);
	}
	if (rc == 0)
		rc = finish_section(out, file, e);
	for (size_t i = 0; i < out->n; i++)
		if (out->v[i].line < 0)
			out->v[i].line = -out->v[i].line;
	if (rc < 0)
		sources_free(out);
	return rc;
}

int sources_load(struct sources *out, const char *path, struct err *e)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t len = 0, cap = 0, n;
	int rc;

	memset(out, 0, sizeof(*out));
	if (f == NULL)
		return err_set(e, WW_EINVALID, "could not open sources file \"%s\": %s", path,
		               strerror(errno));
	do {
		if (len + 65536 > cap) {
			char *b = realloc(buf, cap = len + 65536);
			if (b == NULL) {
				free(buf);
				fclose(f);
				return err_set(e, WW_ENOMEM, "out of memory");
			}
			buf = b;
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
	} while (n > 0 && len < (1 << 20));
	fclose(f);
	if (len >= (1 << 20)) {
		free(buf);
		return err_set(e, WW_EINVALID, "sources file \"%s\" is larger than 1 MiB", path);
	}
	rc = sources_parse(out, path, buf ? buf : "", len, e);
	free(buf);
	return rc;
}

void sources_free(struct sources *s)
{
	if (s == NULL)
		return;
	if (s->v != NULL)
		memset(s->v, 0, s->n * sizeof(*s->v)); /* no secrets left in freed memory */
	free(s->v);
	s->v = NULL;
	s->n = 0;
}

const struct source_conf *sources_find(const struct sources *s, const char *name)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->v[i].name, name) == 0)
			return &s->v[i];
	return NULL;
}
