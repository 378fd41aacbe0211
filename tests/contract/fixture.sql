-- The contract run's data besides the evidence. Recorded crime, as a police-uk import would leave it:
-- one succeeded run, two forces, twelve months of two categories in one of
-- them (west-midlands is a known area with no counts yet).
INSERT INTO sources (name, kind, location) VALUES ('police-uk', 'police-uk', 'http://127.0.0.1:9/');
INSERT INTO import_runs (source_id, status, mode, finished_at, duration_ms)
  SELECT id, 'succeeded', 'full', now(), 10 FROM sources WHERE name = 'police-uk';
INSERT INTO police_forces (id, name, run_id)
  SELECT 'merseyside', 'Merseyside Police', max(id) FROM import_runs;
INSERT INTO police_categories (month, id, name, run_id)
  SELECT m::date, c.id, c.name, (SELECT max(id) FROM import_runs)
  FROM generate_series('2024-01-01'::date, '2024-12-01', '1 month') m,
       (VALUES ('violent-crime', 'Violence and sexual offences'), ('robbery', 'Robbery')) c(id, name);
INSERT INTO crime_counts (force, month, category, count, run_id)
  SELECT 'merseyside', m::date, c, 100 + extract(month FROM m)::int, (SELECT max(id) FROM import_runs)
  FROM generate_series('2024-01-01'::date, '2024-12-01', '1 month') m, unnest(ARRAY['violent-crime', 'robbery']) c;
INSERT INTO crime_units (force, month, published, run_id, rows)
  SELECT 'merseyside', m::date, '2024-12', (SELECT max(id) FROM import_runs), 200
  FROM generate_series('2024-01-01'::date, '2024-12-01', '1 month') m;
-- A rejected run of the evidence source with its errors.
INSERT INTO import_runs (source_id, status, mode, commit, previous_commit, rejected, finished_at, duration_ms, message)
  SELECT id, 'rejected', 'incremental', repeat('b', 40), last_commit, 1, now(), 3.5, '1 file rejected'
  FROM sources WHERE name = 'evidence';
INSERT INTO import_errors (run_id, path, line, col, field, message)
  SELECT max(id), 'evidence/interventions/broken.yaml', 3, 7, 'level', 'level: "city" is not one of "person" or "place"'
  FROM import_runs;
