-- The units whose visit counts as a visit to the chosen unit: the unit itself, the units under it (a district's
-- communes) and, for a current (S34) commune, the old units it was formed from and the units under those.
SELECT unit_id FROM admin_unit WHERE unit_id = $unit_id OR parent_id = $unit_id
UNION
SELECT old_unit_id FROM unit_crosswalk WHERE new_unit_id = $unit_id
UNION
SELECT u.unit_id
FROM unit_crosswalk cw JOIN admin_unit u ON u.parent_id = cw.old_unit_id
WHERE cw.new_unit_id = $unit_id AND starts_with($unit_id, 'S34-C-')
ORDER BY unit_id;
