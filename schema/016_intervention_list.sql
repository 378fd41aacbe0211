-- 016: one list row per current intervention, kept by triggers
--
-- GET /v1/interventions (without as_of) used to join interventions to their
-- headline score and look up each page item's evaluation count on every
-- cache miss: about 1 ms of planning and execution per page. This table holds,
-- per current intervention, the columns the list filters and sorts on and the
-- list item as the API renders it (item), so a miss reads one table and
-- aggregates the stored items of the page. Statement-level triggers on the
-- three tables the item is made of recompute the rows of the interventions a
-- statement touched, so every writer (import, scoring, tests) keeps it right.
-- A later column (a tsvector for full-text search) is one more column here
-- and in intervention_list_refresh.

CREATE TABLE intervention_list (
    id text PRIMARY KEY,
    name text NOT NULL,
    level text NOT NULL,
    themes text[] NOT NULL,
    sectors text[] NOT NULL,
    tags text[] NOT NULL,
    summary text,
    crime_type text,
    band text,
    band_rank integer,
    bcr double precision,
    p_bcr_gt1 double precision,
    evidence_rating integer,
    pct_change double precision,
    harmful boolean,
    evaluations integer NOT NULL,
    item json NOT NULL -- the list item, byte for byte as /v1/interventions prints it
);
CREATE INDEX intervention_list_name ON intervention_list (name, id);
CREATE INDEX intervention_list_themes ON intervention_list USING gin (themes);

-- Recomputes the list rows of ids (NULL: of every intervention).
CREATE FUNCTION intervention_list_refresh(ids text[]) RETURNS void LANGUAGE sql AS $$
    DELETE FROM intervention_list l WHERE ids IS NULL OR l.id = ANY (ids);
    INSERT INTO intervention_list
    SELECT i.id, i.name, i.level, i.themes, i.sectors, i.tags, i.body->>'summary',
           s.crime_type, s.band,
           array_position(ARRAY['insufficient','poor','low','medium','high','very-high'],
                          s.band),
           s.bcr, s.p_bcr_gt1, s.evidence_rating, s.pct_change, s.harmful,
           coalesce(c.n, 0),
           json_build_object('id', i.id, 'name', i.name, 'themes', i.themes,
               'level', i.level, 'sectors', i.sectors, 'tags', i.tags,
               'summary', i.body->>'summary', 'evaluations', coalesce(c.n, 0),
               'crime_type', s.crime_type, 'band', s.band, 'bcr', s.bcr,
               'p_bcr_gt1', s.p_bcr_gt1, 'evidence_rating', s.evidence_rating,
               'pct_change', s.pct_change, 'harmful', s.harmful,
               'insufficient_reason', s.insufficient_reason,
               'provenance', json_build_object('commit', i.commit, 'path', i.path))
      FROM interventions i
      LEFT JOIN scores s ON s.intervention = i.id AND s.headline
      LEFT JOIN evaluation_counts c ON c.intervention = i.id
     WHERE i.valid_to IS NULL AND (ids IS NULL OR i.id = ANY (ids));
$$;

-- TG_ARGV[0]: the column naming the intervention in the table fired on.
CREATE FUNCTION intervention_list_track() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    ids text[];
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        PERFORM intervention_list_refresh(NULL);
        RETURN NULL;
    ELSIF TG_OP = 'INSERT' THEN
        EXECUTE format('SELECT array_agg(DISTINCT %I) FROM new_rows', TG_ARGV[0]) INTO ids;
    ELSIF TG_OP = 'DELETE' THEN
        EXECUTE format('SELECT array_agg(DISTINCT %I) FROM old_rows', TG_ARGV[0]) INTO ids;
    ELSE
        EXECUTE format('SELECT array_agg(k) FROM (SELECT %1$I AS k FROM old_rows'
                       ' UNION SELECT %1$I FROM new_rows) u', TG_ARGV[0]) INTO ids;
    END IF;
    IF ids IS NOT NULL THEN
        PERFORM intervention_list_refresh(ids);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER interventions_list_insert AFTER INSERT ON interventions
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION intervention_list_track('id');
CREATE TRIGGER interventions_list_update AFTER UPDATE ON interventions
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION intervention_list_track('id');
CREATE TRIGGER interventions_list_delete AFTER DELETE ON interventions
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION intervention_list_track('id');
CREATE TRIGGER interventions_list_truncate AFTER TRUNCATE ON interventions
    FOR EACH STATEMENT EXECUTE FUNCTION intervention_list_track('id');

CREATE TRIGGER scores_list_insert AFTER INSERT ON scores
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION intervention_list_track('intervention');
CREATE TRIGGER scores_list_update AFTER UPDATE ON scores
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION intervention_list_track('intervention');
CREATE TRIGGER scores_list_delete AFTER DELETE ON scores
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION intervention_list_track('intervention');
CREATE TRIGGER scores_list_truncate AFTER TRUNCATE ON scores
    FOR EACH STATEMENT EXECUTE FUNCTION intervention_list_track('intervention');

CREATE TRIGGER evaluation_counts_list_insert AFTER INSERT ON evaluation_counts
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION intervention_list_track('intervention');
CREATE TRIGGER evaluation_counts_list_update AFTER UPDATE ON evaluation_counts
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION intervention_list_track('intervention');
CREATE TRIGGER evaluation_counts_list_delete AFTER DELETE ON evaluation_counts
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION intervention_list_track('intervention');
CREATE TRIGGER evaluation_counts_list_truncate AFTER TRUNCATE ON evaluation_counts
    FOR EACH STATEMENT EXECUTE FUNCTION intervention_list_track('intervention');

-- the rows of the evidence already imported (a migration's last statement returns no rows)
DO $$ BEGIN PERFORM intervention_list_refresh(NULL); END $$;
