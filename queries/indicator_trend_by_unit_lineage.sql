-- One indicator over all years for a unit and the units it is continuous with across 1/7/2025:
-- 'self'; 'absorbed' (old units merged into a current one); 'absorbed_district' (for a current commune, the old
-- districts its old communes belonged to — old communes were not scored); 'became' (the current unit an old one
-- is part of). Also the peers' mean per year ('average', only for averageable indicators).
WITH subject AS (
    SELECT * FROM admin_unit WHERE unit_id = $unit_id
),
related AS (
    SELECT unit_id, 'self' AS role FROM subject
    UNION
    SELECT cw.old_unit_id, 'absorbed'
    FROM unit_crosswalk cw JOIN admin_unit o ON o.unit_id = cw.old_unit_id, subject s
    WHERE cw.new_unit_id = $unit_id AND (o.level = s.level OR (s.level = 'commune' AND o.level = 'district'))  -- island districts became communes
    UNION
    SELECT DISTINCT o.parent_id, 'absorbed_district'
    FROM unit_crosswalk cw JOIN admin_unit o ON o.unit_id = cw.old_unit_id
    WHERE cw.new_unit_id = $unit_id AND o.level = 'commune'
    UNION
    SELECT cw.new_unit_id, 'became' FROM unit_crosswalk cw, subject s
    WHERE cw.old_unit_id = s.unit_id AND cw.is_default AND s.level <> 'district'
),
province_family AS (  -- the subject's province and its counterparts in the other structure
    SELECT coalesce(s.province_id, s.unit_id) AS pid FROM subject s
    UNION
    SELECT cw.new_unit_id FROM unit_crosswalk cw, subject s WHERE cw.old_unit_id = coalesce(s.province_id, s.unit_id)
    UNION
    SELECT cw.old_unit_id FROM unit_crosswalk cw, subject s
    WHERE cw.new_unit_id = coalesce(s.province_id, s.unit_id) AND cw.old_unit_id LIKE '%-P-%'
),
series AS (
    SELECT r.role, f.unit_id, u.short_name, u.structure, f.year, f.value, f.period, f.source_kind
    FROM related r
    JOIN indicator_fact f ON f.unit_id = r.unit_id AND f.indicator_code = $indicator
    JOIN admin_unit u ON u.unit_id = f.unit_id
),
peer_avg AS (
    SELECT 'average' AS role, NULL AS unit_id, NULL AS short_name, min(u.structure) AS structure, f.year, avg(f.value) AS value,
           'Y' AS period, CASE WHEN bool_or(f.source_kind = 'synthetic_demo') THEN 'synthetic_demo' ELSE 'official_publication' END AS source_kind
    FROM indicator_fact f
    JOIN admin_unit u ON u.unit_id = f.unit_id
    JOIN indicator i ON i.indicator_code = f.indicator_code AND i.averageable
    JOIN subject s ON u.level = s.level
                  AND (s.level = 'province' OR u.province_id IN (SELECT pid FROM province_family))
    WHERE f.indicator_code = $indicator
    GROUP BY f.year
)
SELECT * FROM series
UNION ALL
SELECT * FROM peer_avg
ORDER BY role, short_name, year;
