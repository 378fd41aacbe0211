-- 003: indexes for the read side of the REST API
--
-- The evidence version: the latest succeeded run, and as_of commit prefixes
-- (LIKE 'abc1234%' needs pattern ops whatever the database's collation).
CREATE INDEX import_runs_succeeded ON import_runs (id) WHERE status = 'succeeded';
CREATE INDEX import_runs_commit_prefix ON import_runs (commit text_pattern_ops)
    WHERE status = 'succeeded';

-- Filters on the current interventions' arrays (theme, sector, tag overlap).
CREATE INDEX interventions_themes ON interventions USING gin (themes) WHERE valid_to IS NULL;
CREATE INDEX interventions_sectors ON interventions USING gin (sectors) WHERE valid_to IS NULL;
CREATE INDEX interventions_tags ON interventions USING gin (tags) WHERE valid_to IS NULL;

-- Counting an intervention's evaluations as of a past run, and history.
CREATE INDEX evaluations_intervention_versions ON evaluations (intervention, valid_from);

-- Reference documents of one kind as of a past run.
CREATE INDEX reference_versions ON reference_data (kind, valid_from);
