-- Findings of the inspections that visited a unit (see unit_inspection_visits.sql), limitations first,
-- with their remediation status and, for a follow-up, the earlier finding it checks.
WITH covered AS (
    SELECT unit_id FROM units_covered($unit_id)  -- store/macros.sql
)
SELECT f.finding_id, i.year, i.inspection_id, i.team_label, coalesce(i.started_on, i.announced_on) AS inspected_on,
       u.short_name AS unit_name, f.area_code, a.short_vi, a.short_en, f.kind, f.topic, f.text,
       f.status, f.status_on, f.resolved_on, f.follows_up_id, src.kind AS source_kind, f.source_id
FROM finding f
JOIN inspection i USING (inspection_id)
JOIN source src ON src.source_id = f.source_id
LEFT JOIN admin_unit u ON u.unit_id = f.unit_id
LEFT JOIN par_area a ON a.area_code = f.area_code
WHERE f.inspection_id IN (SELECT iu.inspection_id FROM inspection_unit iu JOIN covered c USING (unit_id))
  AND (f.unit_id IS NULL OR f.unit_id IN (SELECT unit_id FROM covered))
ORDER BY i.year DESC, CASE f.kind WHEN 'limitation' THEN 0 WHEN 'recommendation' THEN 1 ELSE 2 END, f.area_code, f.finding_id;
