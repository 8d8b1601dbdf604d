-- Every year some province has a score of any index (PAR INDEX from 2012, an imported PAPI panel from 2011…).
SELECT DISTINCT s.year
FROM score s JOIN admin_unit u USING (unit_id)
WHERE u.level = 'province' AND s.score IS NOT NULL
ORDER BY s.year;
