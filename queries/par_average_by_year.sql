-- The plain average of provinces for a family/area and year, beside the published average if any.
SELECT count(s.score)                                       AS n_scored,
       avg(s.score)                                         AS computed_mean,
       bool_or(src.kind = 'synthetic_demo')                 AS any_demo,
       (SELECT pa.value FROM published_aggregate pa
         WHERE pa.family_code = $family AND pa.year = $year
           AND pa.aggregate IN ('national_avg_provinces', 'national_avg') AND $area = 'TOTAL'
         LIMIT 1)                                           AS published_mean,
       (SELECT ps.url FROM published_aggregate pa JOIN source ps USING (source_id)
         WHERE pa.family_code = $family AND pa.year = $year
           AND pa.aggregate IN ('national_avg_provinces', 'national_avg') AND $area = 'TOTAL'
         LIMIT 1)                                           AS published_mean_url
FROM score s
JOIN admin_unit u USING (unit_id)
JOIN source src ON src.source_id = s.source_id
WHERE u.level = 'province' AND s.family_code = $family AND s.area_code = $area AND s.year = $year;
