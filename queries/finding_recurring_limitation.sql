-- Recurring limitations: each limitation of the selected inspections ($year, $provinces, $units as in
-- inspection_by_selection.sql; PAR area $area, 'TOTAL' = all) whose topic was already a limitation at the same
-- unit in the unit's previous inspection (consecutive visits of that unit, ordered by visit date), or that follows
-- up (follows_up_id) an earlier limitation of the same topic: a follow-up that points at a later visit is no
-- recurrence. One row per recurring limitation, with the earlier one.
WITH visit AS (
    SELECT iu.unit_id, i.inspection_id, coalesce(iu.visited_on, i.started_on, i.announced_on) AS on_date
    FROM inspection_unit iu
    JOIN inspection i USING (inspection_id)
),
consecutive AS (
    SELECT unit_id, inspection_id, on_date,
           lag(inspection_id) OVER (PARTITION BY unit_id ORDER BY on_date, inspection_id) AS prev_inspection_id
    FROM visit
),
limitation AS (
    SELECT * FROM finding WHERE kind = 'limitation' AND topic IS NOT NULL AND unit_id IS NOT NULL
),
pair AS (
    SELECT cur.finding_id, prev.finding_id AS prev_finding_id, 'previous_inspection' AS how
    FROM limitation cur
    JOIN consecutive c ON c.unit_id = cur.unit_id AND c.inspection_id = cur.inspection_id
    JOIN limitation prev ON prev.inspection_id = c.prev_inspection_id AND prev.unit_id = cur.unit_id
                        AND prev.topic = cur.topic
    UNION ALL
    SELECT cur.finding_id, prev.finding_id, 'follows_up'
    FROM limitation cur
    JOIN limitation prev ON prev.finding_id = cur.follows_up_id AND prev.topic = cur.topic
    JOIN visit cv ON cv.inspection_id = cur.inspection_id AND cv.unit_id = cur.unit_id
    JOIN visit pv ON pv.inspection_id = prev.inspection_id AND pv.unit_id = prev.unit_id
    WHERE pv.on_date < cv.on_date
),
matched AS (
    SELECT finding_id,
           arg_min(prev_finding_id, how <> 'follows_up') AS prev_finding_id,  -- the followed-up one when both
           bool_or(how = 'follows_up') AS by_follow_up,
           bool_or(how = 'previous_inspection') AS by_previous_inspection
    FROM pair
    GROUP BY finding_id
)
SELECT cur.finding_id, cur.unit_id, CASE WHEN u.level = 'department' THEN u.short_name ELSE u.name END AS unit_name,
       pr.short_name AS province_name, cur.area_code, a.short_vi, a.short_en, cur.topic, cur.text, cur.status,
       i.inspection_id, i.year, i.team_label, coalesce(cv.visited_on, i.started_on, i.announced_on) AS on_date,
       prev.finding_id AS prev_finding_id, pi.inspection_id AS prev_inspection_id, pi.year AS prev_year,
       pi.team_label AS prev_team_label, coalesce(pv.visited_on, pi.started_on, pi.announced_on) AS prev_on_date,
       prev.status AS prev_status, prev.resolved_on AS prev_resolved_on,
       m.by_follow_up, m.by_previous_inspection, s.kind AS source_kind
FROM matched m
JOIN finding cur ON cur.finding_id = m.finding_id
JOIN finding prev ON prev.finding_id = m.prev_finding_id
JOIN inspection i ON i.inspection_id = cur.inspection_id
JOIN inspection pi ON pi.inspection_id = prev.inspection_id
LEFT JOIN inspection_unit cv ON cv.inspection_id = cur.inspection_id AND cv.unit_id = cur.unit_id
LEFT JOIN inspection_unit pv ON pv.inspection_id = prev.inspection_id AND pv.unit_id = prev.unit_id
JOIN admin_unit u ON u.unit_id = cur.unit_id
JOIN admin_unit pr ON pr.unit_id = i.province_id
JOIN source s ON s.source_id = cur.source_id
LEFT JOIN par_area a ON a.area_code = cur.area_code
WHERE i.year = $year AND finding_in_scope($provinces, $units, $area, i.province_id, cur.unit_id, cur.area_code)  -- store/macros.sql
ORDER BY on_date, pr.search_key, u.search_key, a.number, cur.finding_id;
