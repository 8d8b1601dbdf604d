-- Team visits (one row per inspection) of $year in the provinces $provinces, narrowed to the inspections that
-- visited one of $units ($provinces / $units: an empty list = no filter). With the plan, the units visited (in
-- visit order), the number of findings and the kind of source. Dates stay NULL where the report gives none:
-- `on_date` (start, else the draft-result announcement) only orders the rows.
WITH chosen AS (
    SELECT * FROM selected_inspections($year, $provinces, $units)  -- store/macros.sql
),
visited AS (
    SELECT iu.inspection_id,
           string_agg(CASE WHEN u.level = 'department' THEN u.short_name ELSE u.name END, ', '
                      ORDER BY iu.visited_on NULLS LAST, list_position(['province', 'district', 'commune', 'department'], u.level),
                               u.search_key) AS units_visited,
           count(*) AS n_units
    FROM inspection_unit iu
    JOIN admin_unit u USING (unit_id)
    WHERE iu.inspection_id IN (SELECT inspection_id FROM chosen)
    GROUP BY iu.inspection_id
),
findings AS (
    SELECT inspection_id, count(*) AS n_findings
    FROM finding
    WHERE inspection_id IN (SELECT inspection_id FROM chosen)
    GROUP BY inspection_id
)
SELECT c.inspection_id, c.plan_id, p.number AS plan_number, p.issued_on AS plan_issued_on, p.issuer AS plan_issuer,
       c.province_id, pr.short_name AS province_name, c.year,
       c.team_label, c.leader_name, c.leader_title,
       c.started_on, c.ended_on, c.field_days, c.announced_on,
       coalesce(c.started_on, c.announced_on) AS on_date,
       coalesce(v.units_visited, '') AS units_visited, coalesce(v.n_units, 0) AS n_units,
       coalesce(f.n_findings, 0) AS n_findings,
       s.kind AS source_kind, s.title AS source_title, s.url AS source_url, s.file AS source_file, s.source_id
FROM chosen c
JOIN source s USING (source_id)
JOIN admin_unit pr ON pr.unit_id = c.province_id
LEFT JOIN inspection_plan p USING (plan_id)
LEFT JOIN visited v USING (inspection_id)
LEFT JOIN findings f USING (inspection_id)
ORDER BY on_date, pr.search_key, c.team_label, c.inspection_id;
