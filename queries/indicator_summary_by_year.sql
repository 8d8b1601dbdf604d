-- One indicator over the units of one level in scope, per year of [$year_from, $year_to]: how many units there
-- are and how many have a value, the plain mean (only when the indicator is averageable) or the total (counts and
-- days, never averaged), min and max, the published national average where one exists (index totals, whole
-- country, provinces), and what the values are made of (source kinds, demo rows, values not for the whole year).
-- Over the units as they were (no roll-up). Scope parameters as in indicator_value_by_unit_year.
WITH ind AS (
    SELECT family_code, area_code, averageable, unit FROM indicator WHERE indicator_code = $indicator
),
members AS (
    SELECT u.unit_id, u.structure
    FROM units_in_scope($level, $structure, $province_id) u  -- store/macros.sql
),
facts AS (
    SELECT f.year, f.value, f.period, f.source_kind
    FROM members m
    JOIN indicator_fact f ON f.unit_id = m.unit_id
    WHERE f.indicator_code = $indicator AND f.year BETWEEN $year_from AND $year_to
)
SELECT f.year,
       (SELECT count(*) FROM members m WHERE m.structure = (SELECT structure FROM admin_structure  -- the structure in force at the end of the year (the 1/7/2025 switch: admin_structure)
                    ORDER BY CASE WHEN valid_from <= make_date(CAST(f.year AS INTEGER), 12, 31) THEN valid_from END DESC NULLS LAST, valid_from LIMIT 1)) AS n_units,
       count(f.value)                                                             AS n_with_value,
       CASE WHEN (SELECT averageable FROM ind) THEN avg(f.value) END              AS mean,
       CASE WHEN NOT (SELECT averageable FROM ind) AND (SELECT unit FROM ind) IN ('count', 'days')
            THEN sum(f.value) END                                                 AS total,
       min(f.value)                                                               AS min_value,
       max(f.value)                                                               AS max_value,
       count(*) FILTER (WHERE f.source_kind = 'synthetic_demo')                   AS n_demo,
       count(*) FILTER (WHERE f.period <> 'Y')                                    AS n_part_year,
       list(DISTINCT f.source_kind ORDER BY f.source_kind)                        AS source_kinds,
       (SELECT pa.value FROM published_aggregate pa, ind
         WHERE pa.family_code = ind.family_code AND ind.area_code = 'TOTAL' AND pa.year = f.year
           AND pa.aggregate IN ('national_avg_provinces', 'national_avg')
           AND $level = 'province' AND $province_id = ''
         ORDER BY pa.aggregate DESC LIMIT 1)                                      AS published_mean
FROM facts f
GROUP BY f.year
ORDER BY f.year;
