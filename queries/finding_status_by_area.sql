-- Limitations of the selected inspections ($year, $provinces, $units as in inspection_by_selection.sql) by PAR
-- area and remediation status as recorded now (open / in_progress / resolved; NULL = not recorded), with
-- whether any of them comes from demo data. Limitations tied to another unit than the chosen ones are left out.
SELECT a.area_code, a.number, a.short_vi, a.short_en, f.status, count(*) AS n,
       bool_or(s.kind = 'synthetic_demo') AS any_demo
FROM selected_findings($year, $provinces, $units, 'TOTAL', 'limitation', '') f  -- store/macros.sql
JOIN source s ON s.source_id = f.source_id
JOIN par_area a ON a.area_code = f.area_code
GROUP BY a.area_code, a.number, a.short_vi, a.short_en, f.status
ORDER BY a.number, list_position(['resolved', 'in_progress', 'open'], f.status) NULLS LAST;
