-- The units one inspection visited, in visit order, with what was checked there (departments by their short
-- name: the province is the inspection's own).
SELECT iu.unit_id, CASE WHEN u.level = 'department' THEN u.short_name ELSE u.name END AS name, u.short_name, u.level, iu.visited_on, iu.what_checked
FROM inspection_unit iu
JOIN admin_unit u USING (unit_id)
WHERE iu.inspection_id = $inspection_id
ORDER BY iu.visited_on NULLS LAST, list_position(['province', 'district', 'commune', 'department'], u.level), u.search_key;
