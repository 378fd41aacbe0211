-- 004: the number of current evaluations per intervention, kept by a trigger
--
-- /v1/interventions shows (and sorts on) each intervention's evaluation
-- count. Counting the evaluations of 50 interventions on every request costs
-- thousands of index entries once evaluations number in the thousands; this
-- table makes it one primary-key lookup per row. It counts current versions
-- only (valid_to IS NULL); reads as of a past run still count directly.
-- Row triggers keep it exact inside the import's transaction (TRUNCATE of
-- evaluations would bypass them: importers never truncate).

CREATE TABLE evaluation_counts (
    intervention text PRIMARY KEY,
    n            integer NOT NULL DEFAULT 0 CHECK (n >= 0)
);

INSERT INTO evaluation_counts (intervention, n)
    SELECT intervention, count(*) FROM evaluations WHERE valid_to IS NULL GROUP BY intervention;

CREATE FUNCTION evaluation_counts_track() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.valid_to IS NULL THEN
        UPDATE evaluation_counts SET n = n - 1 WHERE intervention = OLD.intervention;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.valid_to IS NULL THEN
        INSERT INTO evaluation_counts AS c (intervention, n) VALUES (NEW.intervention, 1)
            ON CONFLICT (intervention) DO UPDATE SET n = c.n + 1;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER evaluations_count
    AFTER INSERT OR UPDATE OF valid_to, intervention OR DELETE ON evaluations
    FOR EACH ROW EXECUTE FUNCTION evaluation_counts_track();
