-- Years with values of one indicator, by level and structure, with how many units have one and how many are demo.
-- Bounds the year-range slider and tells which levels (province, district, commune, department) have data.
SELECT f.year, u.level, u.structure,
       count(*)                                             AS n_units,
       count(*) FILTER (WHERE f.source_kind = 'synthetic_demo') AS n_demo
FROM indicator_fact f
JOIN admin_unit u USING (unit_id)
WHERE f.indicator_code = $indicator
GROUP BY f.year, u.level, u.structure
ORDER BY f.year, u.level, u.structure;
