-- Limitations of the selected inspections ($year, $provinces, $units as in inspection_by_selection.sql) by PAR
-- area and remediation status as recorded now (open / in_progress / resolved; NULL = not recorded), with
-- whether any of them comes from demo data. Limitations tied to another unit than the chosen ones are left out.
SELECT a.area_code, a.number, a.short_vi, a.short_en, f.status, count(*) AS n,
       bool_or(s.kind = 'synthetic_demo') AS any_demo
FROM finding f
JOIN inspection i USING (inspection_id)
JOIN source s ON s.source_id = f.source_id
JOIN par_area a ON a.area_code = f.area_code
WHERE f.kind = 'limitation'
  AND i.year = $year
  AND (len($provinces) = 0 OR list_contains($provinces, i.province_id))
  AND (len($units) = 0 OR i.inspection_id IN (
      SELECT inspection_id FROM inspection_unit WHERE list_contains($units, unit_id)))
  AND (len($units) = 0 OR f.unit_id IS NULL OR list_contains($units, f.unit_id))
GROUP BY a.area_code, a.number, a.short_vi, a.short_en, f.status
ORDER BY a.number, list_position(['resolved', 'in_progress', 'open'], f.status) NULLS LAST;
