-- 007: recorded crime from data.police.uk, the baselines of local projections
--
-- Written by the police-uk source (importers/policeuk.c) from the monthly
-- street-level CSV archive: one row per force, month and category with the
-- number of crimes (and anti-social behaviour incidents) the force recorded.
-- A (force, month) pair is the unit of work: its rows and its crime_units row
-- are written in one transaction, so a unit is either wholly stored or not at
-- all. The counts are keyed by force, month and category and written by
-- upsert, so a unit imported twice (a resumed or repeated run) replaces its
-- rows instead of adding to them: double counting is impossible by
-- construction.

-- Forces as data.police.uk lists them (GET /forces).
CREATE TABLE police_forces (
    id         text PRIMARY KEY,
    name       text NOT NULL,
    run_id     bigint NOT NULL REFERENCES import_runs(id),
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- Crime categories per month (GET /crime-categories?date=): the list changes
-- over time, and the archive's CSV names a category by its label.
CREATE TABLE police_categories (
    month      date NOT NULL CHECK (extract(day FROM month) = 1),
    id         text NOT NULL,
    name       text NOT NULL,
    run_id     bigint NOT NULL REFERENCES import_runs(id),
    PRIMARY KEY (month, id)
);

CREATE TABLE crime_counts (
    force      text NOT NULL,
    month      date NOT NULL CHECK (extract(day FROM month) = 1),
    category   text NOT NULL,
    count      integer NOT NULL CHECK (count >= 0),
    run_id     bigint NOT NULL REFERENCES import_runs(id),
    PRIMARY KEY (force, month, category)
);
CREATE INDEX crime_counts_month ON crime_counts (month);

-- The (force, month) units stored, and the publication they came from
-- (crime-last-updated, YYYY-MM). A run skips the units already stored from
-- the same publication, so a run resumed after a crash or kill neither
-- starts from zero nor fetches them again; a new publication re-imports them
-- (data.police.uk revises past months).
CREATE TABLE crime_units (
    force        text NOT NULL,
    month        date NOT NULL CHECK (extract(day FROM month) = 1),
    published    text NOT NULL,
    run_id       bigint NOT NULL REFERENCES import_runs(id),
    rows         integer NOT NULL CHECK (rows >= 0),
    completed_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (force, month)
);
