-- Every index of one unit over the years (PAR INDEX, SIPAS, the 766 service index, PAPI, PCI: their totals), each
-- with what a rank among its peers can rest on (par_dashboard/multiindex.py turns this into percentiles):
-- the published rank (and its source), the published tier (PAPI's group), and the rank computed among the peers
-- that year, with how many peers there are, how many have a score and whether any of those scores is demo.
-- Peers: the units of the same level and structure that year (a province's own units: within that province, and
-- within the unit's rank group where the province ranked its units in groups).
-- The unit's series continues across 1/7/2025 only where it is one and the same place: a current unit formed from
-- exactly one old unit of its level, or an old unit that alone formed its current one.
WITH subject AS (
    SELECT * FROM admin_unit WHERE unit_id = $unit_id
),
series_units AS (
    SELECT unit_id, 0 AS pref FROM subject
    UNION ALL
    SELECT any_value(cw.old_unit_id), 1
    FROM unit_crosswalk cw JOIN admin_unit o ON o.unit_id = cw.old_unit_id, subject s
    WHERE cw.new_unit_id = s.unit_id AND o.level = s.level
    HAVING count(*) = 1
    UNION ALL
    SELECT cw.new_unit_id, 1
    FROM unit_crosswalk cw JOIN admin_unit n ON n.unit_id = cw.new_unit_id, subject s
    WHERE cw.old_unit_id = s.unit_id AND cw.is_default AND n.level = s.level
      AND (SELECT count(*) FROM unit_crosswalk c2 JOIN admin_unit o2 ON o2.unit_id = c2.old_unit_id
           WHERE c2.new_unit_id = cw.new_unit_id AND o2.level = s.level) = 1
),
scored AS (
    SELECT s.unit_id, s.year, s.family_code, s.score, s.published_rank, s.rank_of, s.tier, s.note,
           src.kind AS source_kind, src.title AS source_title,
           rsrc.kind AS rank_source_kind, rsrc.title AS rank_source_title
    FROM score s
    JOIN source src ON src.source_id = s.source_id
    LEFT JOIN source rsrc ON rsrc.source_id = s.rank_source_id
    WHERE s.area_code = 'TOTAL' AND s.family_code IN ('PAR_INDEX', 'SIPAS', 'SI766', 'PAPI', 'PCI')
),
mine AS (
    SELECT sc.*, u.short_name, u.level, u.structure, u.province_id, u.unit_type,
           rg.rank_group
    FROM scored sc
    JOIN series_units su USING (unit_id)
    JOIN admin_unit u USING (unit_id)
    LEFT JOIN rank_group rg ON rg.province_id = u.province_id AND rg.year = sc.year AND rg.level = u.level
                           AND rg.unit_type = u.unit_type
    QUALIFY row_number() OVER (PARTITION BY sc.family_code, sc.year ORDER BY su.pref) = 1
),
peer_rows AS (
    SELECT m.unit_id AS subject_id, m.family_code, m.year, p.unit_id AS peer_id, ps.score AS peer_score,
           ps.source_kind AS peer_kind
    FROM mine m
    JOIN unit_peer_pairs() p ON p.subject_id = m.unit_id  -- store/macros.sql
    LEFT JOIN rank_group prg ON prg.province_id = p.province_id AND prg.year = m.year AND prg.level = p.level
                            AND prg.unit_type = p.unit_type
    LEFT JOIN scored ps ON ps.unit_id = p.unit_id AND ps.family_code = m.family_code AND ps.year = m.year
    WHERE coalesce(prg.rank_group, '') = coalesce(m.rank_group, '')
),
peer_stats AS (
    SELECT r.subject_id, r.family_code, r.year,
           count(*) AS n_peers,
           count(r.peer_score) AS n_scored,
           count(*) FILTER (WHERE r.peer_score > m.score) + 1 AS rank_above,  -- rank(): ties share the better rank
           bool_or(r.peer_kind = 'synthetic_demo') AS peers_demo
    FROM peer_rows r
    JOIN mine m ON m.unit_id = r.subject_id AND m.family_code = r.family_code AND m.year = r.year
    GROUP BY ALL
)
SELECT m.family_code, m.year, m.unit_id, m.short_name, m.structure, m.score, m.published_rank, m.rank_of, m.tier,
       m.note, m.source_kind, m.source_title, m.rank_source_kind, m.rank_source_title, m.rank_group,
       CASE WHEN m.score IS NOT NULL AND ps.n_scored = ps.n_peers THEN ps.rank_above END AS computed_rank,
       ps.n_peers, ps.n_scored, coalesce(ps.peers_demo, false) AS peers_demo
FROM mine m
JOIN peer_stats ps ON ps.subject_id = m.unit_id AND ps.family_code = m.family_code AND ps.year = m.year
ORDER BY m.family_code, m.year;
