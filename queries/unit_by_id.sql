-- One unit with its province and, for an old unit, the current province it became part of.
SELECT u.unit_id, u.structure, u.level, u.code, u.name, u.short_name, u.unit_type,
       u.parent_id, u.province_id, p.short_name AS province_name,
       coalesce(cw.new_unit_id, CASE WHEN u.structure = 'S34' THEN u.province_id END) AS current_province_id
FROM admin_unit u
LEFT JOIN admin_unit p ON p.unit_id = u.province_id
LEFT JOIN unit_crosswalk cw ON cw.old_unit_id = u.province_id AND u.structure = 'S63'
WHERE u.unit_id = $unit_id
ORDER BY cw.new_unit_id;
