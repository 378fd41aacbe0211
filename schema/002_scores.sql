-- 002: value-for-money scores, one row per current intervention and crime type
--
-- Recomputed in the import transaction for the interventions an import
-- touched (and for everything when reference data or scoring parameters
-- change), so readers never see evidence without its scores. Each row records
-- the parameters and the evidence version (import run) it was computed from.

CREATE TABLE scores (
    intervention        text NOT NULL,
    crime_type          text NOT NULL,
    run_id              bigint NOT NULL REFERENCES import_runs(id),
    computed_at         timestamptz NOT NULL DEFAULT now(),
    params              jsonb NOT NULL,
    figures             jsonb NOT NULL,      -- every intermediate figure
    band                text NOT NULL CHECK (band IN ('poor', 'low', 'medium', 'high', 'very-high', 'insufficient')),
    bcr                 double precision,
    npv                 double precision,
    p_bcr_gt1           double precision,
    bcr_p05             double precision,
    bcr_p95             double precision,
    evidence_rating     integer NOT NULL DEFAULT 0,
    pct_change          double precision,
    harmful             boolean NOT NULL DEFAULT false,
    insufficient_reason text,
    headline            boolean NOT NULL DEFAULT false,  -- the intervention's best-evidenced outcome
    PRIMARY KEY (intervention, crime_type)
);
CREATE UNIQUE INDEX scores_headline ON scores (intervention) WHERE headline;
