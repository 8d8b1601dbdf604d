-- Inspections that visited a unit, anything below it (the communes of a district, every unit of a province),
-- or, for a current unit, the old units merged into it. One row per inspection, newest first.
WITH covered AS (
    SELECT unit_id FROM units_covered($unit_id)  -- store/macros.sql
),
visits AS (
    SELECT iu.inspection_id,
           string_agg(DISTINCT u.short_name, ', ' ORDER BY u.short_name) AS units_visited,
           min(iu.visited_on) AS first_visit
    FROM inspection_unit iu
    JOIN covered c USING (unit_id)
    JOIN admin_unit u USING (unit_id)
    GROUP BY iu.inspection_id
),
counts AS (
    SELECT f.inspection_id,
           count(*) FILTER (WHERE f.kind = 'limitation')                          AS limitations,
           count(*) FILTER (WHERE f.kind = 'limitation' AND f.status = 'resolved') AS resolved,
           count(*) FILTER (WHERE f.kind = 'recommendation')                      AS recommendations
    FROM finding f
    WHERE f.inspection_id IN (SELECT inspection_id FROM visits)
      AND (f.unit_id IS NULL OR f.unit_id IN (SELECT unit_id FROM covered))
    GROUP BY f.inspection_id
)
SELECT i.inspection_id, i.year, i.team_label, i.leader_name, i.leader_title,
       i.started_on, i.ended_on, i.field_days, i.announced_on,
       pl.number AS plan_number, pl.issued_on AS plan_issued_on,
       v.units_visited, src.kind AS source_kind, src.title AS source_title, i.source_id,
       coalesce(c.limitations, 0) AS limitations, coalesce(c.resolved, 0) AS resolved,
       coalesce(c.recommendations, 0) AS recommendations
FROM visits v
JOIN inspection i USING (inspection_id)
JOIN source src ON src.source_id = i.source_id
LEFT JOIN inspection_plan pl ON pl.plan_id = i.plan_id
LEFT JOIN counts c ON c.inspection_id = i.inspection_id
ORDER BY coalesce(i.started_on, i.announced_on) DESC, i.inspection_id;
