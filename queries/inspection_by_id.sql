-- One inspection ($inspection_id) with its plan, province and source: the header of its draft-results deck, in the
-- columns of inspection_by_selection.sql. No row when there is no such inspection.
SELECT i.inspection_id, i.plan_id, p.number AS plan_number, p.issued_on AS plan_issued_on, p.issuer AS plan_issuer,
       i.province_id, pr.name AS province_full_name, pr.short_name AS province_name, pr.structure, i.year,
       i.team_label, i.leader_name, i.leader_title, i.started_on, i.ended_on, i.field_days, i.announced_on,
       s.kind AS source_kind, s.title AS source_title, s.url AS source_url, s.file AS source_file
FROM inspection i
JOIN source s USING (source_id)
JOIN admin_unit pr ON pr.unit_id = i.province_id
LEFT JOIN inspection_plan p USING (plan_id)
WHERE i.inspection_id = $inspection_id;
