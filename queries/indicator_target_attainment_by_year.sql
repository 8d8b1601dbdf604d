-- How many units of one level in scope meet their province's target for one indicator, per year of
-- [$year_from, $year_to]: met / not met / no target, among units with a value. Direction-aware: a "lower is
-- better" indicator meets its target when value <= target, the others when value >= target.
-- Counted over the units as they were (old provinces for years before 2025, each against its own target),
-- never over rolled-up values. Scope parameters as in indicator_value_by_unit_year.
WITH ind AS (
    SELECT direction FROM indicator WHERE indicator_code = $indicator
),
members AS (
    SELECT u.unit_id, coalesce(u.province_id, u.unit_id) AS target_province_id
    FROM units_in_scope($level, $structure, $province_id) u  -- store/macros.sql
),
judged AS (
    SELECT f.year, f.source_kind, t.target_value,
           CASE WHEN t.target_value IS NULL THEN NULL
                WHEN (SELECT direction FROM ind) = 'lower' THEN f.value <= t.target_value
                ELSE f.value >= t.target_value END AS met
    FROM members m
    JOIN indicator_fact f ON f.unit_id = m.unit_id
    LEFT JOIN target t ON t.indicator_code = f.indicator_code AND t.province_id = m.target_province_id AND t.year = f.year
    WHERE f.indicator_code = $indicator AND f.year BETWEEN $year_from AND $year_to
)
SELECT year,
       count(*)                                  AS n_units,
       count(*) FILTER (WHERE met)               AS n_met,
       count(*) FILTER (WHERE NOT met)           AS n_not_met,
       count(*) FILTER (WHERE met IS NULL)       AS n_no_target,
       min(target_value)                         AS target_min,
       max(target_value)                         AS target_max,
       bool_or(source_kind = 'synthetic_demo')   AS any_demo
FROM judged
GROUP BY year
ORDER BY year;
