-- The current communes formed from the communes of an old district (districts themselves have no successor).
SELECT DISTINCT n.unit_id, n.short_name, p.short_name AS province_name
FROM admin_unit o
JOIN unit_crosswalk cw ON cw.old_unit_id = o.unit_id
JOIN admin_unit n ON n.unit_id = cw.new_unit_id AND n.level = 'commune'
JOIN admin_unit p ON p.unit_id = n.province_id
WHERE o.parent_id = $unit_id AND o.level = 'commune'
ORDER BY n.short_name;
