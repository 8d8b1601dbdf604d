-- A province and its counterparts in the other structure: an old province's current province,
-- or the old provinces a current one was formed from (itself included, first).
SELECT u.unit_id, u.structure, u.short_name, 0 AS ord
FROM admin_unit u WHERE u.unit_id = $province_id
UNION ALL
SELECT n.unit_id, n.structure, n.short_name, 1
FROM unit_crosswalk cw JOIN admin_unit n ON n.unit_id = cw.new_unit_id
WHERE cw.old_unit_id = $province_id
UNION ALL
SELECT o.unit_id, o.structure, o.short_name, 2
FROM unit_crosswalk cw JOIN admin_unit o ON o.unit_id = cw.old_unit_id
WHERE cw.new_unit_id = $province_id AND o.level = 'province'
ORDER BY ord, unit_id;
