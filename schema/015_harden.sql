-- 015: webhook delivery ids shared by every daemon; the session of an import run
--
-- A signed delivery replayed to another daemon (or to this one after a
-- restart) must be recognised: the ids live here, not in one process's
-- memory. Rows older than 30 days are removed as new ones arrive (hosts do
-- not redeliver that late).
CREATE TABLE webhook_deliveries (
    source text NOT NULL,
    delivery text NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (source, delivery)
);
CREATE INDEX webhook_deliveries_received_at ON webhook_deliveries (received_at);

-- An import run names the database session that runs it, so any daemon or
-- command can tell a run whose process was killed (its session gone) from
-- one still going, and mark it failed at once.
ALTER TABLE import_runs ADD COLUMN backend_pid integer, ADD COLUMN backend_start timestamptz;
CREATE INDEX import_runs_running ON import_runs (id) WHERE status = 'running';

-- A force that published nothing for a month (Greater Manchester from July
-- 2019) is a gap of the publication, recorded as a unit with no counts, so
-- the run succeeds and the next one does not download the archive again.
ALTER TABLE crime_units ADD COLUMN gap boolean NOT NULL DEFAULT false;
