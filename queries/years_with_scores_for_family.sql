-- The years some province has a score of one index family and area: the years the rankings page offers for it,
-- each with how many provinces have one (the page opens on the latest year most provinces are scored in).
SELECT s.year, count(DISTINCT s.unit_id) AS n_units
FROM score s JOIN admin_unit u USING (unit_id)
WHERE u.level = 'province' AND s.score IS NOT NULL AND s.family_code = $family AND s.area_code = $area
GROUP BY s.year
ORDER BY s.year;
