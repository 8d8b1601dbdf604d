-- One unit's indicators for a year: value, previous year's value and change, rank among its peers
-- (provinces of the same structure; or the same level within the same province), and its province's target.
WITH subject AS (
    SELECT * FROM admin_unit WHERE unit_id = $unit_id
),
peers AS (
    SELECT unit_id FROM unit_peers($unit_id)  -- store/macros.sql
),
predecessor AS (  -- a current unit formed from exactly one old unit of its level continues that unit's series
    SELECT any_value(cw.old_unit_id) AS unit_id
    FROM unit_crosswalk cw JOIN admin_unit o ON o.unit_id = cw.old_unit_id, subject s
    WHERE cw.new_unit_id = s.unit_id AND o.level = s.level
    HAVING count(*) = 1
),
prev_own AS (
    SELECT f.indicator_code, f.value
    FROM indicator_fact f
    WHERE f.year = $year - 1
      AND f.unit_id = coalesce((SELECT unit_id FROM indicator_fact WHERE unit_id = $unit_id AND year = $year - 1 LIMIT 1),
                               (SELECT unit_id FROM predecessor), $unit_id)
),
vals AS (
    SELECT f.unit_id, f.indicator_code, f.year, f.period, f.value, f.source_kind, f.source_id, f.published_rank, f.rank_of,
           CASE WHEN i.direction <> 'neutral' THEN
                rank() OVER (PARTITION BY f.indicator_code, f.year
                             ORDER BY CASE WHEN i.direction = 'lower' THEN f.value ELSE -f.value END) END AS peer_rank,
           count(*) OVER (PARTITION BY f.indicator_code, f.year) AS n_peers
    FROM indicator_fact f
    JOIN peers USING (unit_id)
    JOIN indicator i USING (indicator_code)
    WHERE f.year IN ($year, $year - 1)
)
SELECT i.indicator_code, i.family_code, i.area_code, i.name_vi, i.name_en, i.unit, i.direction,
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
LEFT JOIN prev_own po ON po.indicator_code = cur.indicator_code
LEFT JOIN vals prev ON prev.unit_id = cur.unit_id AND prev.indicator_code = cur.indicator_code AND prev.year = $year - 1
LEFT JOIN target tg ON tg.indicator_code = cur.indicator_code AND tg.year = $year
                   AND tg.province_id = (SELECT coalesce(s.province_id, s.unit_id) FROM subject s)
WHERE cur.unit_id = $unit_id AND cur.year = $year
ORDER BY i.family_code, i.area_code NULLS LAST, i.indicator_code;
