/*
 * buf.h - the one growable byte buffer
 *
 * Appends never fail loudly: when memory runs out the buffer sets `failed`
 * and ignores what follows, so a writer appends freely and checks once at
 * the end. The content is always NUL-terminated (data may be NULL while
 * len is 0). {0} is an empty buffer; buf_free releases and empties it.
 *
 * Used for response bodies, metrics, upstream answers and text reports. The
 * COPY row buffer (db_copy in db.c) stays its own: it reserves once per row
 * and writes fields in place on the import and scoring hot paths.
 */
#ifndef WW_BUF_H
#define WW_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct buf {
	char *data;
	size_t len, cap;
	int failed; /* an allocation failed; the content is incomplete */
};

/* Makes room for more bytes (and the NUL). Returns 0, or -1 and sets failed. */
int buf_reserve(struct buf *b, size_t more);
void buf_add(struct buf *b, const void *p, size_t n);
void buf_adds(struct buf *b, const char *s);
void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_vprintf(struct buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* Empties the content, keeping the memory and clearing failed. */
void buf_reset(struct buf *b);
/* Frees and empties; NULL-safe. */
void buf_free(struct buf *b);

#endif
