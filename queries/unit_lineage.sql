-- What a unit became (old -> current) and what it absorbed (current -> old), with names and levels.
-- relation: 'became' (this old unit is now part of unit_id), 'absorbed' (unit_id is an old unit merged into this one).
SELECT 'became' AS relation, n.unit_id, n.level, n.name, n.short_name, n.province_id,
       p.short_name AS province_name, cw.is_default
FROM unit_crosswalk cw
JOIN admin_unit n ON n.unit_id = cw.new_unit_id
LEFT JOIN admin_unit p ON p.unit_id = n.province_id
WHERE cw.old_unit_id = $unit_id
UNION ALL
SELECT 'absorbed', o.unit_id, o.level, o.name, o.short_name, o.province_id,
       p.short_name, cw.is_default
FROM unit_crosswalk cw
JOIN admin_unit o ON o.unit_id = cw.old_unit_id
LEFT JOIN admin_unit p ON p.unit_id = o.province_id
WHERE cw.new_unit_id = $unit_id
ORDER BY relation, is_default DESC, level, short_name, unit_id;
