/*
 * db_row.h - one row of text values from a read query
 *
 * The API builds its SQL (struct qb) and reads back one row whose columns
 * are JSON text and counts; this is the only way it touches a result, so
 * libpq stays in the db*.c files.
 */
#ifndef WW_DB_ROW_H
#define WW_DB_ROW_H

#include "db.h"
#include "err.h"

#include <stddef.h>

struct db_row;

/*
 * Runs sql with n text parameters (NULL for SQL NULL), which must return
 * exactly one row of nfields columns; prepared once per connection
 * (db_exec_prepared) when prepare is set, for hot statements. Returns 0 with
 * *out (free with db_row_free); WW_EINVALID when the database refused a
 * parameter value; otherwise WW_EDB with e set to "could not read the
 * evidence base: ...". *out is NULL on error.
 */
int db_row_query(struct db_row **out, PGconn *c, const char *sql, int n, const char *const *values,
                 int nfields, int prepare, struct err *e);

/* Column col's text (borrowed from r) and its length, or NULL for SQL NULL. */
const char *db_row_value(const struct db_row *r, int col, size_t *len);

void db_row_free(struct db_row *r);

#endif
