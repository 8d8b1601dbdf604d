-- The inspections recorded in a province ($province_id), synthetic demo ones left out, that a draft's team may be:
-- those of $year, and those whose days overlap [$first_day, $last_day] (NULL when the draft gives no date). Each with
-- its span of days (start, end, the day its draft result was announced, its units' visits: whatever is recorded)
-- and the units it visited.
WITH recorded AS (
    SELECT i.*
    FROM inspection i
    JOIN source s USING (source_id)
    WHERE i.province_id = $province_id AND s.kind <> 'synthetic_demo'
), visits AS (
    SELECT iu.inspection_id, list(iu.unit_id ORDER BY iu.unit_id) AS unit_ids,
           min(iu.visited_on) AS first_visit, max(iu.visited_on) AS last_visit
    FROM inspection_unit iu
    WHERE iu.inspection_id IN (SELECT inspection_id FROM recorded)
    GROUP BY iu.inspection_id
), spans AS (
    SELECT r.*, coalesce(v.unit_ids, []) AS unit_ids,
           least(r.started_on, r.ended_on, r.announced_on, v.first_visit) AS first_day,
           greatest(r.started_on, r.ended_on, r.announced_on, v.last_visit) AS last_day
    FROM recorded r
    LEFT JOIN visits v USING (inspection_id)
)
SELECT inspection_id, plan_id, province_id, year, team_label, leader_name, leader_title, started_on, ended_on, field_days,
       announced_on, unit_ids, first_day, last_day
FROM spans
WHERE year = $year OR (first_day <= $last_day AND last_day >= $first_day)
ORDER BY inspection_id;
