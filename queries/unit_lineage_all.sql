-- unit_lineage.sql for every unit at once, each row naming the unit it is about (subject_id), in that query's order
-- within each: the profile and the sidebar take a unit's rows from it (par_dashboard/store/slices.py).
SELECT cw.old_unit_id AS subject_id, 'became' AS relation, n.unit_id, n.level, n.name, n.short_name, n.province_id,
       p.short_name AS province_name, cw.is_default
FROM unit_crosswalk cw
JOIN admin_unit n ON n.unit_id = cw.new_unit_id
LEFT JOIN admin_unit p ON p.unit_id = n.province_id
UNION ALL
SELECT cw.new_unit_id, 'absorbed', o.unit_id, o.level, o.name, o.short_name, o.province_id,
       p.short_name, cw.is_default
FROM unit_crosswalk cw
JOIN admin_unit o ON o.unit_id = cw.old_unit_id
LEFT JOIN admin_unit p ON p.unit_id = o.province_id
ORDER BY subject_id, relation, is_default DESC, level, short_name, unit_id;
