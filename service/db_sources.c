/*
 * db_sources.c - scheduling and status queries on sources and runs
 */
#include "db_sources.h"
#include "db_import.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int db_webhook_delivery_seen(PGconn *c, const char *source, const char *delivery, struct err *e)
{
	PGresult *r;
	int seen;

	r = db_query(c, e, "record the webhook delivery",
	             "WITH old AS (DELETE FROM webhook_deliveries"
	             "  WHERE received_at < now() - interval '30 days')"
	             " INSERT INTO webhook_deliveries (source, delivery) VALUES ($1, $2)"
	             " ON CONFLICT DO NOTHING RETURNING 1",
	             2, (const char *const[]){source, delivery});
	if (r == NULL)
		return WW_EDB;
	seen = PQntuples(r) == 0;
	PQclear(r);
	return seen;
}

int db_source_ran_within(PGconn *c, long long source_id, int seconds, struct err *e)
{
	char id[24], s[16];
	const char *p[2] = {id, s};
	PGresult *r;
	int yes;

	snprintf(id, sizeof(id), "%lld", source_id);
	snprintf(s, sizeof(s), "%d", seconds);
	r = db_query(c, e, "read the source's last run",
	             "SELECT EXISTS (SELECT 1 FROM import_runs WHERE source_id = $1"
	             " AND started_at > clock_timestamp() - make_interval(secs => $2::int))",
	             2, p);
	if (r == NULL)
		return WW_EDB;
	yes = strcmp(PQgetvalue(r, 0, 0), "t") == 0;
	PQclear(r);
	return yes;
}

int db_run_commit(PGconn *c, long long run_id, char *buf, size_t size, struct err *e)
{
	char id[24];
	const char *p[1] = {id};
	PGresult *r;

	buf[0] = '\0';
	if (run_id <= 0)
		return 0;
	snprintf(id, sizeof(id), "%lld", run_id);
	r = db_query(c, e, "read the run's commit",
	             "SELECT coalesce(commit, '') FROM import_runs WHERE id = $1", 1, p);
	if (r == NULL)
		return WW_EDB;
	if (PQntuples(r) > 0)
		snprintf(buf, size, "%s", PQgetvalue(r, 0, 0));
	PQclear(r);
	return 0;
}

int db_source_last_run(PGconn *c, const char *name, struct db_last_run *out, struct err *e)
{
	const char *p[1] = {name};
	PGresult *r;

	memset(out, 0, sizeof(*out));
	r = db_query(c, e, "read the source's last run",
	             "SELECT r.id, r.status, coalesce(r.mode, ''), coalesce(r.commit, ''),"
	             " to_char(r.started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),"
	             " coalesce(r.duration_ms, 0), coalesce(r.message, '')"
	             " FROM import_runs r JOIN sources s ON s.id = r.source_id WHERE s.name = $1"
	             " ORDER BY r.id DESC LIMIT 1",
	             1, p);
	if (r == NULL)
		return WW_EDB;
	if (PQntuples(r) == 1) {
		out->found = 1;
		out->run_id = atoll(PQgetvalue(r, 0, 0));
		snprintf(out->status, sizeof(out->status), "%s", PQgetvalue(r, 0, 1));
		snprintf(out->mode, sizeof(out->mode), "%s", PQgetvalue(r, 0, 2));
		snprintf(out->commit, sizeof(out->commit), "%s", PQgetvalue(r, 0, 3));
		snprintf(out->started_at, sizeof(out->started_at), "%s", PQgetvalue(r, 0, 4));
		out->duration_ms = atof(PQgetvalue(r, 0, 5));
		snprintf(out->message, sizeof(out->message), "%s", PQgetvalue(r, 0, 6));
	}
	PQclear(r);
	return 0;
}

int db_source_fail_stale_if_idle(PGconn *c, const char *name, int *marked, struct err *e)
{
	const char *p[1] = {name};
	PGresult *r;
	long long id;
	int rc;

	*marked = 0;
	r = db_query(c, e, "read the source", "SELECT id FROM sources WHERE name = $1", 1, p);
	if (r == NULL)
		return WW_EDB;
	if (PQntuples(r) == 0) {
		PQclear(r);
		return 0;
	}
	id = atoll(PQgetvalue(r, 0, 0));
	PQclear(r);
	if ((rc = db_source_trylock(c, id, e)) <= 0)
		return rc; /* busy: the run is alive in another session */
	{
		char sid[24];
		const char *p2[1] = {sid};
		snprintf(sid, sizeof(sid), "%lld", id);
		r = db_query(
		    c, e, "mark stale runs failed",
		    "UPDATE import_runs SET status = 'failed', finished_at = clock_timestamp(),"
		    " message = 'the importing process stopped before the run finished'"
		    " WHERE source_id = $1 AND status = 'running'",
		    1, p2);
		if (r != NULL) {
			*marked = atoi(PQcmdTuples(r));
			PQclear(r);
		}
	}
	db_source_unlock(c, id);
	return r == NULL ? WW_EDB : 0;
}

void db_cancel(PGconn *c)
{
	PGcancel *k = c ? PQgetCancel(c) : NULL;
	char buf[256];

	if (k == NULL)
		return;
	PQcancel(k, buf, sizeof(buf));
	PQfreeCancel(k);
}
