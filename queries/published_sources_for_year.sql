-- Published sources behind the province scores of a family/area and year (for the source note).
SELECT DISTINCT src.title, src.url, src.note
FROM score s
JOIN admin_unit u USING (unit_id)
JOIN source src ON src.source_id IN (s.source_id, s.rank_source_id)
WHERE u.level = 'province' AND s.family_code = $family AND s.area_code = $area AND s.year = $year
  AND src.kind = 'official_publication'
ORDER BY src.title, src.url;
