-- 001: sources, import runs and the versioned evidence base
--
-- Every record keeps every version. A version is valid from the import run
-- that wrote it (valid_from) until the run that replaced or retracted it
-- (valid_to, NULL while current). Run ids only grow, so the evidence base as of
-- run R is: valid_from <= R AND (valid_to IS NULL OR valid_to > R).

CREATE TABLE sources (
    id          bigserial PRIMARY KEY,
    name        text NOT NULL UNIQUE,
    kind        text NOT NULL CHECK (kind IN ('git', 'police-uk', 'feed')),
    location    text NOT NULL,
    ref         text,
    subpath     text NOT NULL DEFAULT '',
    last_commit text,               -- last successfully imported commit (git) or version (feed)
    last_run_id bigint,             -- last successful run
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE import_runs (
    id              bigserial PRIMARY KEY,
    source_id       bigint NOT NULL REFERENCES sources(id),
    status          text NOT NULL CHECK (status IN ('running', 'succeeded', 'rejected', 'failed')),
    trigger         text NOT NULL DEFAULT 'manual',
    commit          text,
    previous_commit text,
    mode            text,           -- full, incremental, unchanged, rewritten
    added           integer NOT NULL DEFAULT 0,
    updated         integer NOT NULL DEFAULT 0,
    unchanged       integer NOT NULL DEFAULT 0,
    removed         integer NOT NULL DEFAULT 0,
    rejected        integer NOT NULL DEFAULT 0,
    started_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
    finished_at     timestamptz,
    duration_ms     double precision,
    message         text
);
CREATE INDEX import_runs_source ON import_runs (source_id, id DESC);
CREATE INDEX import_runs_commit ON import_runs (commit) WHERE status = 'succeeded';

CREATE TABLE import_errors (
    id       bigserial PRIMARY KEY,
    run_id   bigint NOT NULL REFERENCES import_runs(id) ON DELETE CASCADE,
    path     text NOT NULL DEFAULT '',
    line     integer NOT NULL DEFAULT 0,
    col      integer NOT NULL DEFAULT 0,
    field    text NOT NULL DEFAULT '',
    message  text NOT NULL
);
CREATE INDEX import_errors_run ON import_errors (run_id);

-- Provenance shared by every versioned record.
CREATE TABLE interventions (
    version_id   bigserial PRIMARY KEY,
    id           text NOT NULL,
    source_id    bigint NOT NULL REFERENCES sources(id),
    path         text NOT NULL,
    blob         text NOT NULL,       -- git blob id, or content hash for feeds
    commit       text NOT NULL,       -- commit (or feed version) that added this version
    author       text,
    committed_at timestamptz,
    valid_from   bigint NOT NULL REFERENCES import_runs(id),
    valid_to     bigint REFERENCES import_runs(id),
    removed_in   text,                -- commit that changed or removed it
    body         jsonb NOT NULL,
    name         text NOT NULL,
    themes       text[] NOT NULL,
    level        text NOT NULL,
    sectors      text[] NOT NULL DEFAULT '{}',
    tags         text[] NOT NULL DEFAULT '{}'
);
CREATE UNIQUE INDEX interventions_current ON interventions (id) WHERE valid_to IS NULL;
CREATE INDEX interventions_versions ON interventions (id, valid_from);
CREATE INDEX interventions_path ON interventions (source_id, path) WHERE valid_to IS NULL;

CREATE TABLE evaluations (
    version_id   bigserial PRIMARY KEY,
    id           text NOT NULL,
    source_id    bigint NOT NULL REFERENCES sources(id),
    path         text NOT NULL,
    blob         text NOT NULL,
    commit       text NOT NULL,
    author       text,
    committed_at timestamptz,
    valid_from   bigint NOT NULL REFERENCES import_runs(id),
    valid_to     bigint REFERENCES import_runs(id),
    removed_in   text,
    body         jsonb NOT NULL,
    intervention text NOT NULL,
    title        text NOT NULL,
    design       text NOT NULL,
    quality      integer NOT NULL CHECK (quality BETWEEN 1 AND 5),
    country      text,
    areas        text[] NOT NULL DEFAULT '{}',
    published    text                 -- YYYY, YYYY-MM or YYYY-MM-DD as written
);
CREATE UNIQUE INDEX evaluations_current ON evaluations (id) WHERE valid_to IS NULL;
CREATE INDEX evaluations_versions ON evaluations (id, valid_from);
CREATE INDEX evaluations_intervention ON evaluations (intervention) WHERE valid_to IS NULL;
CREATE INDEX evaluations_path ON evaluations (source_id, path) WHERE valid_to IS NULL;

-- One row per outcome of an evaluation version.
CREATE TABLE outcomes (
    evaluation_version bigint NOT NULL REFERENCES evaluations(version_id) ON DELETE CASCADE,
    ordinal      integer NOT NULL,
    crime_type   text NOT NULL,
    measure      text NOT NULL,
    body         jsonb NOT NULL,
    PRIMARY KEY (evaluation_version, ordinal)
);
CREATE INDEX outcomes_crime_type ON outcomes (crime_type);

-- Reference data (unit costs, deflators, areas, category map): versioned the same way.
CREATE TABLE reference_data (
    version_id   bigserial PRIMARY KEY,
    kind         text NOT NULL,
    id           text NOT NULL,
    source_id    bigint NOT NULL REFERENCES sources(id),
    path         text NOT NULL,
    blob         text NOT NULL,
    commit       text NOT NULL,
    author       text,
    committed_at timestamptz,
    valid_from   bigint NOT NULL REFERENCES import_runs(id),
    valid_to     bigint REFERENCES import_runs(id),
    removed_in   text,
    body         jsonb NOT NULL
);
CREATE UNIQUE INDEX reference_current ON reference_data (kind, id) WHERE valid_to IS NULL;
CREATE INDEX reference_path ON reference_data (source_id, path) WHERE valid_to IS NULL;
