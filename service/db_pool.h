/*
 * db_pool.h - a small, self-healing pool of PostgreSQL connections
 *
 * A fixed number of slots, each holding a connection or nothing. Connections
 * are made lazily, on first use, so the daemon starts while PostgreSQL is
 * down. A request borrows one with db_pool_acquire and gives it back with
 * db_pool_release, saying whether the call failed; a failed connection whose
 * status is bad is dropped and the next borrower connects again. After a
 * failed connect, borrowers fail fast (WW_EDB) for a short back-off instead
 * of queueing behind PostgreSQL's timeouts. Thread-safe.
 */
#ifndef WW_DB_POOL_H
#define WW_DB_POOL_H

#include "db.h"
#include "err.h"

struct db_pool;

/*
 * Creates a pool of size slots for conninfo (copied). statement_timeout_ms
 * (0: none) is set on each new connection. Connects nothing yet. Returns 0 or
 * WW_ENOMEM.
 */
int db_pool_new(struct db_pool **out, const char *conninfo, int size, int statement_timeout_ms,
                struct err *e);
void db_pool_free(struct db_pool *p);

/*
 * Borrows a healthy connection into *out, waiting at most timeout_ms for a free
 * slot. WW_EDB (message set) when PostgreSQL cannot be reached or no slot came
 * free in time.
 */
int db_pool_acquire(struct db_pool *p, PGconn **out, int timeout_ms, struct err *e);

/*
 * Gives conn back. failed: the last call on it returned WW_EDB; the
 * connection is checked and dropped when broken. Returns 1 when it was dropped
 * (the caller may retry once with a new connection), else 0.
 */
int db_pool_release(struct db_pool *p, PGconn *conn, int failed);

/* Connections currently open, and slots in use (for /metrics). */
void db_pool_stats(struct db_pool *p, int *open, int *busy);

/* Import runs counted by status, for /metrics. */
struct db_run_count {
	char status[16];
	long long count;
};
/* Fills up to max entries; returns how many, or WW_EDB. */
int db_pool_run_counts(PGconn *conn, struct db_run_count *out, int max, struct err *e);

/* When each source last imported successfully (seconds since the epoch, 0
 * when never), by name; up to max sources. Returns how many, or WW_EDB. */
struct db_source_success {
	char name[128];
	char kind[16];
	double last_success;
};
int db_pool_source_successes(PGconn *conn, struct db_source_success *out, int max, struct err *e);

/* A configured source by name, for POST /v1/imports. WW_ENOTFOUND when none. */
struct db_pool_source {
	char kind[16];
	char location[1024];
	char ref[256];
	char subpath[512];
};
int db_pool_source_get(PGconn *conn, const char *name, struct db_pool_source *out, struct err *e);

/* A round trip to the server (SELECT 1). */
int db_pool_ping(PGconn *conn, struct err *e);

#endif
