/*
 * utf8.c - UTF-8 checks for bytes from outside (see utf8.h)
 */
#include "utf8.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

size_t utf8_char(const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t len;
	unsigned cp;

	if (n == 0)
		return 0;
	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2, cp = s[0] & 0x1fu;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3, cp = s[0] & 0x0fu;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, cp = s[0] & 0x07u;
	else
		return 0;
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3fu);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

int utf8_valid(const char *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		size_t k = utf8_char(s + i, n - i);
		if (k == 0 || s[i] == '\0')
			return 0;
		i += k;
	}
	return 1;
}

size_t utf8_cut(const char *s, size_t len, size_t max)
{
	size_t i = 0;
	while (i < len) {
		size_t k = utf8_char(s + i, len - i);
		if (k == 0)
			k = 1;
		if (i + k > max)
			break;
		i += k;
	}
	return i;
}

/* How many bytes at s (n left) are the start of a character cut short: a
 * lead byte and fewer continuation bytes than it announces; else 0. */
static size_t cut_short(const unsigned char *s, size_t n)
{
	size_t want = s[0] >= 0xf0 ? 4 : s[0] >= 0xe0 ? 3 : 2, i = 1;
	if (s[0] < 0xc2 || s[0] > 0xf4)
		return 0;
	while (i < n && i < want && (s[i] & 0xc0) == 0x80)
		i++;
	return i < want ? i : 0;
}

static void repair(char *str, int drop_cut)
{
	size_t n = strlen(str), o = 0;
	unsigned char *s = (unsigned char *)str;

	for (size_t i = 0; i < n;) {
		size_t k = utf8_char(str + i, n - i);
		if (k > 0) {
			memmove(s + o, s + i, k);
			o += k;
			i += k;
		} else if (drop_cut && (k = cut_short(s + i, n - i)) > 0) {
			i += k; /* a character cut by a %.Ns or a buffer: dropped */
		} else {
			s[o++] = '?';
			i++;
		}
	}
	s[o] = '\0';
}

void utf8_repair(char *s)
{
	repair(s, 1);
}

char *utf8_clean_dup(const char *s)
{
	size_t n = strlen(s), o = 0;
	char *out = malloc(4 * n + 1), *fixed = strdup(s);

	if (out == NULL || fixed == NULL) {
		free(out);
		free(fixed);
		return NULL;
	}
	repair(fixed, 0); /* a path's stray byte is shown, not hidden */
	for (const unsigned char *p = (const unsigned char *)fixed; *p; p++) {
		if (*p >= 0x20 && *p != 0x7f) {
			out[o++] = (char)*p;
			continue;
		}
		out[o++] = '\\';
		switch (*p) {
		case '\n': out[o++] = 'n'; break;
		case '\r': out[o++] = 'r'; break;
		case '\t': out[o++] = 't'; break;
		default: o += (size_t)snprintf(out + o, 4, "x%02x", *p); break;
		}
	}
	out[o] = '\0';
	free(fixed);
	return out;
}
