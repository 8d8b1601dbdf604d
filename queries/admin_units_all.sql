-- Every administrative unit as unit_by_id.sql gives one, with what subunits_of_province.sql chooses by, in its order:
-- the profile and the sidebar's cascading selectors take their rows from it (par_dashboard/store/slices.py), one
-- query per data version instead of one per unit or province (each ~5 ms on DuckDB alone, 10× that under load).
SELECT u.unit_id, u.structure, u.level, u.code, u.name, u.short_name, u.unit_type,
       u.parent_id, u.province_id, p.short_name AS province_name,
       coalesce(cw.new_unit_id, CASE WHEN u.structure = 'S34' THEN u.province_id END) AS current_province_id
FROM admin_unit u
LEFT JOIN admin_unit p ON p.unit_id = u.province_id
LEFT JOIN unit_crosswalk cw ON cw.old_unit_id = u.province_id AND u.structure = 'S63'
ORDER BY u.search_key, u.short_name, u.unit_id, cw.new_unit_id;
