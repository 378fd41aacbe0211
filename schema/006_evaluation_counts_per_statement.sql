-- 006: keep evaluation_counts with statement-level triggers
--
-- 004's row triggers ran one upsert per evaluation: 10,000 of them in a
-- first import of 10,000 evaluations. Transition tables let each statement
-- adjust the counts once, grouped by intervention, with the same result.

DROP TRIGGER evaluations_count ON evaluations;
DROP FUNCTION evaluation_counts_track();

CREATE FUNCTION evaluation_counts_add() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO evaluation_counts AS c (intervention, n)
        SELECT intervention, count(*) FROM new_rows WHERE valid_to IS NULL GROUP BY intervention
        ON CONFLICT (intervention) DO UPDATE SET n = c.n + EXCLUDED.n;
    RETURN NULL;
END
$$;

CREATE FUNCTION evaluation_counts_remove() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE evaluation_counts c SET n = c.n - d.k
        FROM (SELECT intervention, count(*) AS k FROM old_rows WHERE valid_to IS NULL
              GROUP BY intervention) d
        WHERE c.intervention = d.intervention;
    RETURN NULL;
END
$$;

CREATE FUNCTION evaluation_counts_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE evaluation_counts c SET n = c.n - d.k
        FROM (SELECT intervention, count(*) AS k FROM old_rows WHERE valid_to IS NULL
              GROUP BY intervention) d
        WHERE c.intervention = d.intervention;
    INSERT INTO evaluation_counts AS c (intervention, n)
        SELECT intervention, count(*) FROM new_rows WHERE valid_to IS NULL GROUP BY intervention
        ON CONFLICT (intervention) DO UPDATE SET n = c.n + EXCLUDED.n;
    RETURN NULL;
END
$$;

CREATE TRIGGER evaluations_count_insert AFTER INSERT ON evaluations
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION evaluation_counts_add();
CREATE TRIGGER evaluations_count_update AFTER UPDATE ON evaluations
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION evaluation_counts_change();
CREATE TRIGGER evaluations_count_delete AFTER DELETE ON evaluations
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION evaluation_counts_remove();
