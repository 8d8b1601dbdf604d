-- Were limitations remedied by the next inspection? For each limitation (tied to a unit) of the inspections in
-- $provinces (empty list = all), at the units $units (empty = all), of PAR area $area ('TOTAL' = all), in every
-- year: the next inspection of the same unit is the first one that starts later (its start date, else its
-- draft-result announcement date). A limitation counts as remedied when its resolved_on is on or before that date.
-- Counted by year and area (grain 'year_area'), by year ('year') and over all years ('all').
WITH inspection_date AS (
    SELECT inspection_id, year, province_id, coalesce(started_on, announced_on) AS on_date
    FROM inspection
),
limitation AS (
    SELECT f.finding_id, f.unit_id, f.area_code, f.resolved_on, d.year, d.on_date,
           s.kind = 'synthetic_demo' AS is_demo
    FROM finding f
    JOIN inspection_date d USING (inspection_id)
    JOIN source s ON s.source_id = f.source_id
    WHERE f.kind = 'limitation' AND f.unit_id IS NOT NULL
      AND finding_in_scope($provinces, $units, $area, d.province_id, f.unit_id, f.area_code)  -- store/macros.sql
),
followed AS (
    SELECT l.finding_id, any_value(l.year) AS year, any_value(l.area_code) AS area_code,
           any_value(l.resolved_on) AS resolved_on, any_value(l.is_demo) AS is_demo, min(d.on_date) AS next_on
    FROM limitation l
    LEFT JOIN inspection_unit iu ON iu.unit_id = l.unit_id
    LEFT JOIN inspection_date d ON d.inspection_id = iu.inspection_id AND d.on_date > l.on_date
    GROUP BY l.finding_id
)
SELECT CASE WHEN grouping(year) = 1 THEN 'all' WHEN grouping(area_code) = 1 THEN 'year' ELSE 'year_area' END AS grain,
       year, area_code,
       count(*) AS n_limitations,
       count(next_on) AS n_followed,
       count(*) FILTER (WHERE resolved_on <= next_on) AS n_remedied,
       100.0 * count(*) FILTER (WHERE resolved_on <= next_on) / nullif(count(next_on), 0) AS remedied_pct,
       bool_or(is_demo) AS any_demo
FROM followed
GROUP BY GROUPING SETS ((year, area_code), (year), ())
ORDER BY grain, year, area_code;
