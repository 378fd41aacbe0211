-- 008: score figures as json, not jsonb
--
-- The figures of a score are written once per import and read back whole;
-- nothing queries inside them but a few ->> reads in /v1/scores. As jsonb,
-- PostgreSQL converted every number to numeric on the way in, which was most
-- of the time of writing 3,000 scores; json only checks the syntax and keeps
-- the text the model wrote.
ALTER TABLE scores ALTER COLUMN figures TYPE json USING figures::json;
