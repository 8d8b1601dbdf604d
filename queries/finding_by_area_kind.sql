-- Findings of the selected inspections ($year, $provinces, $units as in inspection_by_selection.sql) counted by
-- PAR area, kind and whether the source is demo data; filtered by $area ('TOTAL' = all), $kind and $status
-- ('' = all). Findings tied to another unit than the chosen ones are left out; findings tied to no unit stay.
SELECT a.area_code, a.number, a.short_vi, a.short_en, f.kind, s.kind = 'synthetic_demo' AS is_demo, count(*) AS n
FROM selected_findings($year, $provinces, $units, $area, $kind, $status) f  -- store/macros.sql
JOIN source s ON s.source_id = f.source_id
JOIN par_area a ON a.area_code = f.area_code
GROUP BY a.area_code, a.number, a.short_vi, a.short_en, f.kind, is_demo
ORDER BY a.number, list_position(['result', 'limitation', 'recommendation'], f.kind), is_demo;
