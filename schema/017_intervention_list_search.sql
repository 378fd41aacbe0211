-- The list table (016) after the value-for-money model 1.1 (012) and full-text
-- search (013): the band "implausible" ranks below "insufficient", as on the
-- as-of path, and the list's own rows carry the full-text index, so ?q= on the
-- current list is an index scan of intervention_list like every other filter.
CREATE OR REPLACE FUNCTION intervention_list_refresh(ids text[]) RETURNS void LANGUAGE sql AS $$
    DELETE FROM intervention_list l WHERE ids IS NULL OR l.id = ANY (ids);
    INSERT INTO intervention_list
    SELECT i.id, i.name, i.level, i.themes, i.sectors, i.tags, i.body->>'summary',
           s.crime_type, s.band,
           array_position(ARRAY['implausible','insufficient','poor','low','medium','high',
                                 'very-high'],
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

CREATE INDEX intervention_list_search ON intervention_list
    USING gin (intervention_search_doc(name, summary, tags, themes));

DO $$ BEGIN PERFORM intervention_list_refresh(NULL); END $$;
