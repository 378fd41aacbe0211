-- 013: full-text search over interventions (?q= on /v1/interventions and the pages)
--
-- One document per intervention version: its name (weight A), summary (B),
-- tags and themes (C), English stemming so that "mentor" finds "mentoring"
-- and "knife" finds the interventions filed under knife-crime. Theme ids are
-- spelled out where the id is an abbreviation (vawg). The function is
-- IMMUTABLE (array_to_string on text[] depends on no setting) so a GIN index
-- can be built on it; queries use the same expression.
CREATE FUNCTION intervention_search_doc(name text, summary text, tags text[], themes text[])
RETURNS tsvector LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT setweight(to_tsvector('english'::regconfig, coalesce(name, '')), 'A')
        || setweight(to_tsvector('english'::regconfig, coalesce(summary, '')), 'B')
        || setweight(to_tsvector('english'::regconfig,
               coalesce(array_to_string(tags, ' '), '') || ' '
               || replace(coalesce(array_to_string(themes, ' '), ''), 'vawg',
                          'vawg violence against women and girls')), 'C')
$$;

CREATE INDEX interventions_search ON interventions
    USING gin (intervention_search_doc(name, body->>'summary', tags, themes));
