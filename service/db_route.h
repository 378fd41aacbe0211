/*
 * db_route.h - where a read goes: PostgreSQL streaming replicas or the primary
 *
 * The daemon writes (imports, the scheduler, webhooks) and reads the evidence
 * version on the primary, WHATWORKS_DATABASE_URL. Reads of the evidence may go
 * to one or more streaming replicas, WHATWORKS_READ_DATABASE_URL. A monitor
 * thread samples the primary's WAL position (pg_current_wal_lsn) and each
 * replica's replay position (pg_last_wal_replay_lsn) every check_ms; a
 * replica's lag is the age of the oldest primary sample it has not replayed
 * yet. A replica that is down, promoted, or lags more than max_lag_ms is left
 * out and the primary serves.
 *
 * Consistency: the evidence version is read on the primary together with the
 * primary's WAL position at that moment, and a read for that version goes only
 * to a replica that has replayed at least that far. So a version, an ETag or a
 * cursor means the same on every daemon, and no replica answers for a run it
 * has not replayed yet (db_route_pick falls back to the primary).
 *
 * The same thread LISTENs on the primary for the NOTIFY an import sends when it
 * commits and calls on_change, so every daemon drops its cached pages at once;
 * the version TTL remains the fallback. Thread-safe.
 */
#ifndef WW_DB_ROUTE_H
#define WW_DB_ROUTE_H

#include "db_pool.h"
#include "err.h"

#include <jansson.h>
#include <stdint.h>

/* The channel an import notifies on commit. */
#define DB_ROUTE_CHANNEL "whatworks_evidence"

struct db_route;

struct db_route_config {
	const char *primary;  /* conninfo of the primary (for the monitor) */
	const char *replicas; /* conninfos separated by ';', or NULL/"" for none */
	int pool_size;        /* connections per replica */
	int statement_timeout_ms;
	int max_lag_ms;
	int check_ms;
	void (*on_change)(void *arg); /* an import committed (may be NULL) */
	void *arg;
};

/*
 * Makes the router over primary (borrowed, not freed) and starts the monitor
 * thread. Connects nothing yet. WW_EINVALID for more than DB_ROUTE_MAX
 * replicas, WW_ENOMEM.
 */
#define DB_ROUTE_MAX 8
int db_route_new(struct db_route **out, struct db_pool *primary, const struct db_route_config *cfg,
                 struct err *e);
/* Stops the monitor and closes the replicas' pools. */
void db_route_free(struct db_route *r);

/*
 * The pool a read should use: a healthy replica that has replayed min_lsn (0:
 * any healthy replica), taken in turn, else the primary's pool.
 */
struct db_pool *db_route_pick(struct db_route *r, uint64_t min_lsn);

/* 1 when pool is the primary's. */
int db_route_is_primary(const struct db_route *r, const struct db_pool *pool);

/* Replicas configured. */
int db_route_replicas(const struct db_route *r);

/*
 * For /readyz: {"reads": "replica"|"primary", "replicas": [{"replica": n,
 * "state": "ok"|"lagging"|"down"|"not-a-replica", "lag_ms": ms|null}]}.
 * Never names a host or carries libpq's text.
 */
json_t *db_route_status(struct db_route *r);

/* The WAL position now: pg_current_wal_lsn() on a primary. */
int db_wal_lsn(PGconn *c, uint64_t *lsn, struct err *e);

/* "16/B374D848" to its 64-bit value; 0 when s is not an LSN. */
uint64_t db_lsn_parse(const char *s);

#endif
