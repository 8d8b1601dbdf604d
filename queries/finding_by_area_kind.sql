-- Findings of the selected inspections ($year, $provinces, $units as in inspection_by_selection.sql) counted by
-- PAR area, kind and whether the source is demo data; filtered by $area ('TOTAL' = all), $kind and $status
-- ('' = all). Findings tied to another unit than the chosen ones are left out; findings tied to no unit stay.
SELECT a.area_code, a.number, a.short_vi, a.short_en, f.kind, s.kind = 'synthetic_demo' AS is_demo, count(*) AS n
FROM finding f
JOIN inspection i USING (inspection_id)
JOIN source s ON s.source_id = f.source_id
JOIN par_area a ON a.area_code = f.area_code
WHERE i.year = $year
  AND (len($provinces) = 0 OR list_contains($provinces, i.province_id))
  AND (len($units) = 0 OR i.inspection_id IN (
      SELECT inspection_id FROM inspection_unit WHERE list_contains($units, unit_id)))
  AND (len($units) = 0 OR f.unit_id IS NULL OR list_contains($units, f.unit_id))
  AND ($area = 'TOTAL' OR f.area_code = $area)
  AND ($kind = '' OR f.kind = $kind)
  AND ($status = '' OR f.status = $status)
GROUP BY a.area_code, a.number, a.short_vi, a.short_en, f.kind, is_demo
ORDER BY a.number, list_position(['result', 'limitation', 'recommendation'], f.kind), is_demo;
