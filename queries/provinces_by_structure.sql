-- Provinces of one structure, in official code order.
SELECT unit_id, code, name, short_name, unit_type
FROM admin_unit
WHERE structure = $structure AND level = 'province'
ORDER BY code;
