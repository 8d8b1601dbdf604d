-- Remediation follow-up as of a day ($as_of): every limitation and recommendation found on or before it, of the
-- inspections of $provinces (any structure: the page passes a province and its counterparts; empty = all) and of the
-- units $units (empty = all; else the chosen unit and the units under / before it), in PAR area $area ('TOTAL' = all).
-- Its status is the follow-up's (finding_followup), else the remedy status the report recorded (limitations), else
-- open: nothing recorded closes it. Judged as of $as_of, never the clock: an item closed after $as_of was still open
-- then; it is overdue when still open after its deadline (the deadline day itself is not late).
WITH item AS (
    SELECT f.finding_id, f.inspection_id, i.year, i.team_label, i.province_id, pr.short_name AS province_name,
           coalesce(iu.visited_on, i.started_on, i.announced_on) AS found_on,
           f.unit_id, CASE WHEN u.level = 'department' THEN u.short_name ELSE u.name END AS unit_name,
           u.search_key AS unit_key, f.area_code, a.number AS area_number, a.short_vi, a.short_en, f.kind, f.topic,
           f.text, f.status AS report_status, ff.finding_id IS NOT NULL AS tracked, ff.deadline, ff.responsible,
           coalesce(ff.status, f.status, 'open') AS status, ff.evidence_text, ff.evidence_number, ff.evidence_date,
           ff.checked_on,
           CASE WHEN coalesce(ff.status, f.status) IN ('resolved', 'not_feasible')
                THEN coalesce(ff.evidence_date, f.resolved_on, ff.checked_on) END AS closed_on,
           s.kind = 'synthetic_demo' OR coalesce(fs.kind = 'synthetic_demo', false) AS is_demo
    FROM finding f
    JOIN inspection i USING (inspection_id)
    JOIN admin_unit pr ON pr.unit_id = i.province_id
    JOIN source s ON s.source_id = f.source_id
    LEFT JOIN finding_followup ff ON ff.finding_id = f.finding_id
    LEFT JOIN source fs ON fs.source_id = ff.source_id
    LEFT JOIN admin_unit u ON u.unit_id = f.unit_id
    LEFT JOIN inspection_unit iu ON iu.inspection_id = f.inspection_id AND iu.unit_id = f.unit_id
    LEFT JOIN par_area a ON a.area_code = f.area_code
    WHERE f.kind IN ('limitation', 'recommendation')
      AND finding_in_scope($provinces, $units, $area, i.province_id, f.unit_id, f.area_code)  -- store/macros.sql
),
as_of AS (
    SELECT *,
           CASE WHEN status IN ('resolved', 'not_feasible') AND closed_on > $as_of THEN 'open' ELSE status END AS status_as_of
    FROM item
    WHERE found_on <= $as_of
)
SELECT *,
       status_as_of IN ('open', 'in_progress') AS is_open,
       status_as_of IN ('open', 'in_progress') AND deadline < $as_of AS overdue,
       CASE WHEN status_as_of IN ('open', 'in_progress') AND deadline < $as_of
            THEN date_diff('day', deadline, $as_of) END AS days_overdue,
       date_diff('day', found_on, $as_of) AS age_days,
       -- the share closed on time counts the items due by $as_of, not found not feasible
       deadline <= $as_of AND status_as_of <> 'not_feasible' AS due,
       deadline <= $as_of AND status_as_of = 'resolved' AND closed_on <= deadline AS closed_on_time,
       -- a closure checked since (a re-inspection, a report) on or before $as_of
       status_as_of IN ('resolved', 'not_feasible') AND checked_on >= closed_on AND checked_on <= $as_of AS verified
FROM as_of
ORDER BY overdue DESC, days_overdue DESC NULLS LAST, is_open DESC, deadline NULLS LAST, found_on, unit_key NULLS LAST,
         area_number NULLS LAST, finding_id;
