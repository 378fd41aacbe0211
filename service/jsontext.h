/*
 * jsontext.h - JSON text read and written as jansson does, faster
 */
#ifndef WW_JSONTEXT_H
#define WW_JSONTEXT_H

#include "db.h"

#include <jansson.h>

/*
 * json_loads(text, 0, je), several times faster on PostgreSQL's JSON output:
 * the same values, and for input it is not sure of (invalid, or at the
 * limits) json_loads' own result.
 */
json_t *jsontext_load(const char *text, json_error_t *je);

/*
 * Appends the text json_dumps(v, JSON_COMPACT | JSON_REAL_PRECISION(15) |
 * JSON_ENCODE_ANY) gives; with copy set, escaped as (part of) a field of
 * COPY's text format. v's strings must be valid UTF-8 (jansson's checked
 * constructors ensure it).
 */
void jsontext_put(struct db_copy *b, const json_t *v, int copy);

/* jsontext_put into a malloc'd, terminated string; NULL on out of memory. */
char *jsontext_dump(const json_t *v, int copy);

#endif
