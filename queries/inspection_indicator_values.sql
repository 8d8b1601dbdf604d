-- The figures an inspection recorded (indicator_value rows tied to it), with the indicator's names and unit.
SELECT v.unit_id, CASE WHEN u.level = 'department' THEN u.short_name ELSE u.name END AS unit_name,
       v.indicator_code, ind.name_vi, ind.name_en, ind.unit, ind.area_code, v.year, v.period, v.value,
       s.kind AS source_kind
FROM indicator_value v
JOIN indicator ind USING (indicator_code)
JOIN admin_unit u ON u.unit_id = v.unit_id
JOIN source s ON s.source_id = v.source_id
WHERE v.inspection_id = $inspection_id
ORDER BY ind.area_code, ind.rowid;  -- the catalogue's order: "tasks assigned" before "tasks done"
