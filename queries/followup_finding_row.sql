-- One limitation or recommendation ($finding_id) as a row of the import template's findings sheet (the columns an
-- export writes: importing it back changes nothing), with its follow-up as recorded (NULLs when none) and where the
-- finding is: for the follow-up form of the Dữ liệu page (par_dashboard/followup.py, save).
SELECT f.finding_id, f.inspection_id, f.unit_id, f.area_code, f.kind, f.topic, f.text, f.status, f.status_on,
       f.resolved_on, f.follows_up_id, s.kind = 'synthetic_demo' AS is_demo,
       ff.deadline, ff.responsible, ff.status AS followup_status, ff.evidence_text, ff.evidence_number, ff.evidence_date,
       ff.checked_on, i.team_label, i.year, pr.short_name AS province_name,
       CASE WHEN u.level = 'department' THEN u.short_name ELSE u.name END AS unit_name
FROM finding f
JOIN source s ON s.source_id = f.source_id
JOIN inspection i ON i.inspection_id = f.inspection_id
JOIN admin_unit pr ON pr.unit_id = i.province_id
LEFT JOIN admin_unit u ON u.unit_id = f.unit_id
LEFT JOIN finding_followup ff ON ff.finding_id = f.finding_id
WHERE f.finding_id = $finding_id AND f.kind IN ('limitation', 'recommendation');
