/*
 * db_sources.h - what the scheduler, the feed and `whatworks sources` read
 *
 * Small queries beside db_import.h: whether a source ran recently, the
 * commit of a run, the last run of each source, and cancelling the statement
 * in flight on a connection (for a clean stop).
 */
#ifndef WW_DB_SOURCES_H
#define WW_DB_SOURCES_H

#include "db.h"
#include "err.h"

/* 1 when a run of the source started less than seconds ago, else 0. */
int db_source_ran_within(PGconn *c, long long source_id, int seconds, struct err *e);

/* The commit recorded on a run into buf ("" when none or no such run). */
int db_run_commit(PGconn *c, long long run_id, char *buf, size_t size, struct err *e);

/* The last run of a source by name; found is 0 when the source has no run. */
struct db_last_run {
	int found;
	long long run_id;
	char status[16];
	char mode[16];
	char commit[64];
	char started_at[40]; /* ISO 8601, UTC */
	double duration_ms;
	char message[256];
};
int db_source_last_run(PGconn *c, const char *name, struct db_last_run *out, struct err *e);

/* Marks the "running" runs of a source failed when no session holds its lock
 * (a crashed process left them); a live run elsewhere is left alone. */
int db_source_fail_stale_if_idle(PGconn *c, const char *name, int *marked, struct err *e);

/* Records a webhook delivery id of a source (forgetting those older than 30
 * days): 1 when it was recorded already (a redelivery), 0 when new, or
 * WW_EDB with e set. */
int db_webhook_delivery_seen(PGconn *c, const char *source, const char *delivery, struct err *e);

/* Asks the server to cancel the statement in flight on c; safe from another
 * thread. This function can't fail (a failed request is ignored). */
void db_cancel(PGconn *c);

#endif
