-- unit_indicator_card.sql for every unit with a value in $year at once, each row naming its unit (subject_id): the
-- profile takes one unit's rows from it (par_dashboard/shell/cached.py, SLICES), so that a year's profiles cost one
-- query, not one each (a query costs ~30 ms, most of it planning, whatever its rows). Ranks are among the unit's
-- peers as there: the units of its peer group (store/macros.sql).
WITH unit AS (
    SELECT unit_id, coalesce(province_id, unit_id) AS target_province_id,
           peer_group(level, structure, province_id) AS peer_group
    FROM admin_unit
),
predecessor AS (  -- a current unit formed from exactly one old unit of its level continues that unit's series
    SELECT cw.new_unit_id AS unit_id, any_value(cw.old_unit_id) AS predecessor_id
    FROM unit_crosswalk cw
    JOIN admin_unit o ON o.unit_id = cw.old_unit_id
    JOIN admin_unit n ON n.unit_id = cw.new_unit_id
    WHERE o.level = n.level
    GROUP BY cw.new_unit_id
    HAVING count(*) = 1
),
prev_source AS (  -- whose values of the year before a unit is compared with: its own, else its predecessor's
    SELECT s.unit_id,
           CASE WHEN s.unit_id IN (SELECT unit_id FROM indicator_fact WHERE year = $year - 1) THEN s.unit_id
                ELSE coalesce(p.predecessor_id, s.unit_id) END AS prev_id
    FROM (SELECT DISTINCT unit_id FROM indicator_fact WHERE year = $year) s
    LEFT JOIN predecessor p USING (unit_id)
),
prev_own AS (
    SELECT ps.unit_id, f.indicator_code, f.value
    FROM prev_source ps
    JOIN indicator_fact f ON f.unit_id = ps.prev_id AND f.year = $year - 1
),
vals AS (
    SELECT f.unit_id, f.indicator_code, f.year, f.period, f.value, f.source_kind, f.source_id, f.published_rank, f.rank_of,
           CASE WHEN i.direction <> 'neutral' THEN
                rank() OVER (PARTITION BY u.peer_group, f.indicator_code, f.year
                             ORDER BY CASE WHEN i.direction = 'lower' THEN f.value ELSE -f.value END) END AS peer_rank,
           count(*) OVER (PARTITION BY u.peer_group, f.indicator_code, f.year) AS n_peers
    FROM indicator_fact f
    JOIN unit u USING (unit_id)
    JOIN indicator i USING (indicator_code)
    WHERE f.year IN ($year, $year - 1)
      AND u.peer_group IS NOT NULL  -- a unit without peers has no card (unit_peers gives it none)
)
SELECT cur.unit_id AS subject_id,
       i.indicator_code, i.family_code, i.area_code, i.name_vi, i.name_en, i.unit, i.direction,
       cur.value, cur.period, cur.source_kind, cur.source_id, cur.published_rank,
       coalesce(cur.peer_rank, cur.published_rank) AS peer_rank, coalesce(cur.rank_of, cur.n_peers) AS n_peers,
       po.value AS prev_value,
       cur.value - po.value AS change,
       prev.peer_rank - cur.peer_rank AS rank_change,           -- positive = moved up
       tg.target_value,
       CASE WHEN tg.target_value IS NULL OR cur.value IS NULL THEN NULL
            WHEN i.direction = 'lower' THEN cur.value <= tg.target_value
            ELSE cur.value >= tg.target_value END AS target_met
FROM vals cur
JOIN indicator i USING (indicator_code)
JOIN unit u ON u.unit_id = cur.unit_id
LEFT JOIN prev_own po ON po.unit_id = cur.unit_id AND po.indicator_code = cur.indicator_code
LEFT JOIN vals prev ON prev.unit_id = cur.unit_id AND prev.indicator_code = cur.indicator_code AND prev.year = $year - 1
LEFT JOIN target tg ON tg.indicator_code = cur.indicator_code AND tg.year = $year
                   AND tg.province_id = u.target_province_id
WHERE cur.year = $year
ORDER BY cur.unit_id, i.family_code, i.area_code NULLS LAST, i.indicator_code;
