-- Years with scores of an index family/area at a level, with how many units have a score.
SELECT s.year,
       u.structure,
       count(*) FILTER (WHERE s.score IS NOT NULL)                           AS units_scored,
       count(*) FILTER (WHERE s.score IS NOT NULL AND src.kind = 'synthetic_demo') AS units_demo
FROM score s
JOIN admin_unit u USING (unit_id)
JOIN source src ON src.source_id = s.source_id
WHERE s.family_code = $family AND s.area_code = $area AND u.level = $level
GROUP BY s.year, u.structure
ORDER BY s.year;
