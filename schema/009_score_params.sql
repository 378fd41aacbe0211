-- 009: what a one-file import asks of the database does not grow with it
--
-- score_params holds the parameters every stored score was computed with, so
-- deciding whether the parameters changed reads one row instead of every
-- score. An index on the run that wrote an evaluation version lets the
-- outcomes of a run's evaluations be found without scanning them all.
CREATE TABLE score_params (
    id     integer PRIMARY KEY CHECK (id = 1),
    params jsonb NOT NULL
);
INSERT INTO score_params (id, params)
    SELECT 1, params FROM scores ORDER BY computed_at DESC LIMIT 1;

CREATE INDEX evaluations_run ON evaluations (valid_from);
