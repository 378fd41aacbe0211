/*
 * utf8.h - UTF-8 checks for bytes from outside (requests, files, messages)
 */
#ifndef WW_UTF8_H
#define WW_UTF8_H

#include <stddef.h>

/* The length of the well-formed UTF-8 character at s (n bytes left), or 0
 * (overlong forms, surrogates and code points past U+10FFFF are not). */
size_t utf8_char(const char *s, size_t n);
/* 1 when the n bytes are well-formed UTF-8 without NUL. */
int utf8_valid(const char *s, size_t n);
/* The longest prefix of s, at most max bytes, that ends on a character
 * boundary (s is assumed well-formed). */
size_t utf8_cut(const char *s, size_t len, size_t max);
/* Makes the string s well-formed in place: a character cut off at the end is
 * dropped, any other byte that does not belong is replaced by '?'. */
void utf8_repair(char *s);

/* A malloc'd copy of s for a terminal, a log or JSON: every byte that does
 * not belong replaced by '?', with control characters written as \n, \r, \t or \xNN so a
 * value cannot start a line of its own or move the cursor. NULL: no memory. */
char *utf8_clean_dup(const char *s);

#endif
