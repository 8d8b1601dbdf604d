-- Every finding of one inspection, for its one-page summary: results, limitations, recommendations by PAR area.
SELECT f.finding_id, f.kind, f.area_code, a.number AS area_number, a.name_vi, a.name_en, a.short_vi, a.short_en,
       f.unit_id, CASE WHEN u.level = 'department' THEN u.short_name ELSE u.name END AS unit_name,
       f.topic, f.text, f.status, f.status_on, f.resolved_on, s.kind AS source_kind
FROM finding f
JOIN source s ON s.source_id = f.source_id
LEFT JOIN par_area a ON a.area_code = f.area_code
LEFT JOIN admin_unit u ON u.unit_id = f.unit_id
WHERE f.inspection_id = $inspection_id
ORDER BY list_position(['result', 'limitation', 'recommendation'], f.kind), a.number NULLS LAST, f.finding_id;
