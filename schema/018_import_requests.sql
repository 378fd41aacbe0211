-- 018: a request for an import (POST /v1/imports), answered at once
--
-- The API queues a run on the scheduler and answers 202 with this row's URL;
-- the first run of the source that starts after the request serves it
-- (db_run_start links every waiting request of its source), whoever started
-- that run: the scheduler, another daemon, or `whatworks import`. A run gets
-- its id when it starts, so run ids keep the order in which runs began (the
-- evidence version is the latest succeeded run by id).
CREATE TABLE import_requests (
    id           bigserial PRIMARY KEY,
    source_id    bigint NOT NULL REFERENCES sources(id),
    trigger      text NOT NULL DEFAULT 'api',
    requested_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    run_id       bigint REFERENCES import_runs(id)
);
CREATE INDEX import_requests_waiting ON import_requests (source_id) WHERE run_id IS NULL;
