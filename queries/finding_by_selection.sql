-- One row per finding of the selected inspections ($year, $provinces, $units as in inspection_by_selection.sql),
-- filtered like finding_by_area_kind.sql, with its unit, PAR area names, inspection and source. Ordered as the
-- reports read: reported before demo, by inspection date, then result / limitation / recommendation, area, unit.
SELECT f.finding_id, f.inspection_id, i.year, i.team_label, pr.short_name AS province_name,
       coalesce(iu.visited_on, i.started_on, i.announced_on) AS on_date,
       f.unit_id, CASE WHEN u.level = 'department' THEN u.short_name ELSE u.name END AS unit_name,
       f.area_code, a.short_vi, a.short_en, f.kind, f.topic, f.text, f.status, f.status_on, f.resolved_on,
       f.follows_up_id, s.kind AS source_kind, s.title AS source_title
FROM finding f
JOIN inspection i USING (inspection_id)
JOIN admin_unit pr ON pr.unit_id = i.province_id
JOIN source s ON s.source_id = f.source_id
LEFT JOIN admin_unit u ON u.unit_id = f.unit_id
LEFT JOIN inspection_unit iu ON iu.inspection_id = f.inspection_id AND iu.unit_id = f.unit_id
LEFT JOIN par_area a ON a.area_code = f.area_code
WHERE i.year = $year
  AND (len($provinces) = 0 OR list_contains($provinces, i.province_id))
  AND (len($units) = 0 OR i.inspection_id IN (
      SELECT inspection_id FROM inspection_unit WHERE list_contains($units, unit_id)))
  AND (len($units) = 0 OR f.unit_id IS NULL OR list_contains($units, f.unit_id))
  AND ($area = 'TOTAL' OR f.area_code = $area)
  AND ($kind = '' OR f.kind = $kind)
  AND ($status = '' OR f.status = $status)
ORDER BY s.kind = 'synthetic_demo', coalesce(i.started_on, i.announced_on),
         pr.search_key, f.inspection_id, list_position(['result', 'limitation', 'recommendation'], f.kind), a.number,
         u.search_key NULLS LAST, f.finding_id;
