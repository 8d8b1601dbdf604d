-- One indicator for a year on the units of a map layer: the provinces of a structure, or the districts /
-- communes of some provinces ($province_ids, a list; empty = all provinces). Rank among the units shown,
-- best first by the indicator's direction (none for neutral indicators); change and rank change vs the
-- previous year for the same unit.
WITH units AS (
    SELECT u.unit_id, u.short_name, u.name, u.province_id
    FROM admin_unit u
    WHERE u.structure = $structure AND u.level = $level
      AND (len($province_ids) = 0 OR u.province_id IN (SELECT unnest($province_ids)))
),
vals AS (
    SELECT f.unit_id, f.year, f.value, f.period, f.source_kind, f.source_id,
           CASE WHEN i.direction <> 'neutral' THEN
               rank() OVER (PARTITION BY f.year ORDER BY CASE WHEN i.direction = 'lower' THEN f.value ELSE -f.value END)
           END AS rank
    FROM indicator_fact f
    JOIN units USING (unit_id)
    JOIN indicator i USING (indicator_code)
    WHERE f.indicator_code = $indicator AND f.year IN ($year, $year - 1)
)
SELECT u.unit_id, u.short_name, u.name, u.province_id, p.short_name AS province_name,
       cur.value, cur.period, cur.rank, count(cur.value) OVER () AS n_ranked,
       cur.value - prev.value AS change, prev.rank - cur.rank AS rank_change, cur.source_kind, cur.source_id
FROM units u
JOIN vals cur ON cur.unit_id = u.unit_id AND cur.year = $year
LEFT JOIN vals prev ON prev.unit_id = u.unit_id AND prev.year = $year - 1
LEFT JOIN admin_unit p ON p.unit_id = u.province_id
ORDER BY cur.rank NULLS LAST, u.short_name;
