/*
 * db.h - PostgreSQL connections and migrations
 *
 * Only files named db*.c include libpq-fe.h; everyone else sees PGconn as an
 * opaque type through this header. All SQL goes through PQexecParams.
 */
#ifndef WW_DB_H
#define WW_DB_H

#include "err.h"

#include <jansson.h>

typedef struct pg_conn PGconn;
typedef struct pg_result PGresult;

/*
 * The conninfo every command uses: $WHATWORKS_DATABASE_URL, else the local
 * cluster's socket in $WHATWORKS_DATA_DIR (default ./var), database
 * "whatworks". Writes into buf; returns buf.
 */
const char *db_conninfo(char *buf, size_t size);

/* Connects; on failure returns WW_EDB with the reason (never the password). */
int db_connect(PGconn **out, const char *conninfo, struct err *e);
void db_close(PGconn *conn);

/*
 * Applies the migrations not yet recorded in schema_migrations, each in its
 * own transaction, under an advisory lock so two processes cannot race.
 * *applied (may be NULL) receives how many were applied. Safe to run twice.
 */
int db_migrate(PGconn *conn, int *applied, struct err *e);

/* 1 when every embedded migration is applied, 0 when not, WW_EDB on error. */
int db_migrations_current(PGconn *conn, struct err *e);

/* The number of embedded migrations (the schema version this binary wants). */
int db_schema_version(void);

/*
 * Runs a statement with text parameters. Returns its result (rows, or a
 * command that succeeded), which the caller releases with PQclear; or NULL
 * with e set to "could not <what>: <PostgreSQL's reason>". Logs the time each
 * statement took at debug level.
 */
PGresult *db_query(PGconn *c, struct err *e, const char *what, const char *sql, int nparams,
                   const char *const *params);

/*
 * db_query for a statement whose one row and column is a JSON document (a
 * json_agg, json_build_object ...::text): *out receives it parsed, or NULL
 * with e set to "could not <what>: ..." and WW_EDB.
 */
int db_query_json(json_t **out, PGconn *c, struct err *e, const char *what, const char *sql,
                  int nparams, const char *const *params);

/*
 * Runs a hot statement prepared once per connection (db_stmt.c) with text
 * parameters: PQexecParams' result without planning it on every call.
 * Returns the result (NULL when out of memory) for the caller to check and PQclear.
 */
PGresult *db_exec_prepared(PGconn *c, const char *sql, int nparams, const char *const *values);

/* Sets e to "could not <what>: <PostgreSQL's reason>" from res, or from the
 * connection when res is NULL; returns WW_EDB. res is not released. */
/* WW_EINVALID for a data exception (SQLSTATE class 22), else WW_EDB. */
int db_error_code(const PGresult *res);
int db_error(PGconn *conn, const PGresult *res, struct err *e, const char *what);

/* Connects to db_conninfo()'s database and applies pending migrations; the
 * commands' way in. On failure *out is NULL and e says why. */
int db_open(PGconn **out, struct err *e);

/* Runs a statement with text parameters and no result rows; WW_EDB on error. */
int db_exec(PGconn *conn, struct err *e, const char *sql, int nparams, const char *const *params);

/*
 * Rows for COPY ... FROM STDIN (text format): the bulk write of an import,
 * where one INSERT per row or one big JSON parameter costs several times
 * more. Rows are built in memory; after db_copy_begin they go to the server
 * as every STREAM_BYTES fill, so it stores them while the next are built.
 * A failed allocation or send is remembered and reported by db_copy_end.
 * Without db_copy_begin the rows stay in memory (tests read buf).
 */
struct db_copy {
	char *buf;
	size_t len, cap;
	int oom;
	int fields; /* fields written in the current row */
	size_t rows;
	PGconn *conn; /* set by db_copy_begin */
	const char *what;
	int send_failed;
};

/* A text field; NULL writes SQL NULL. */
void db_copy_text(struct db_copy *b, const char *s);
void db_copy_int(struct db_copy *b, long long v);
/* A text[] field of n elements (none: an empty array). */
void db_copy_array(struct db_copy *b, const char *const *v, size_t n);
/* Starts a field the caller fills with db_copy_raw (already escaped for COPY). */
void db_copy_begin_field(struct db_copy *b);
void db_copy_raw(struct db_copy *b, const char *s, size_t n);
/* Room for more bytes at buf + len, which the caller writes and adds to len;
 * -1 (and oom set) when it cannot be had. */
int db_copy_reserve(struct db_copy *b, size_t more);
/* Appends s, n bytes, escaped for COPY, to the current field. */
void db_copy_escaped(struct db_copy *b, const char *s, size_t n);
void db_copy_end_row(struct db_copy *b);
/* Appends n bytes of whole rows already in COPY's format (built elsewhere,
 * each ending in a newline), streamed like rows built here. */
void db_copy_append(struct db_copy *b, const char *rows, size_t n);
/*
 * Runs copy_sql (a COPY ... FROM STDIN statement without parameters) on c;
 * the rows of b follow. Returns 0 or WW_EDB with e saying "could not <what>:
 * ...".
 */
int db_copy_begin(struct db_copy *b, PGconn *c, const char *what, const char *copy_sql,
                  struct err *e);
/* Sends the rest and ends the COPY (abandoned if a row could not be built);
 * b can then be used again. Returns 0, WW_ENOMEM or WW_EDB. */
int db_copy_end(struct db_copy *b, struct err *e);
/* Abandons the COPY in progress: the server keeps none of its rows and the
 * transaction is left to roll back. */
void db_copy_abort(struct db_copy *b);
void db_copy_free(struct db_copy *b);

/* BEGIN / COMMIT / ROLLBACK helpers. */
int db_begin(PGconn *conn, struct err *e);
int db_commit(PGconn *conn, struct err *e);
void db_rollback(PGconn *conn);

#endif
