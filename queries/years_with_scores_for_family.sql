-- The years some province has a score of one index family and area: the years the rankings page offers for it.
SELECT DISTINCT s.year
FROM score s JOIN admin_unit u USING (unit_id)
WHERE u.level = 'province' AND s.score IS NOT NULL AND s.family_code = $family AND s.area_code = $area
ORDER BY s.year;
