-- The plain average of the provinces of each socio-economic region (63-province structure, unit_region) for a
-- family/area and year, beside the region's published average if one exists.
SELECT r.region, r.region_vi, r.region_en,
       count(s.score)                         AS n_scored,
       count(*)                               AS n_units,
       avg(s.score)                           AS computed_mean,
       bool_or(src.kind = 'synthetic_demo')   AS any_demo,
       (SELECT pa.value FROM published_aggregate pa
         WHERE pa.family_code = $family AND pa.year = $year AND pa.aggregate = 'region:' || r.region
           AND $area = 'TOTAL')              AS published_mean
FROM unit_region r
LEFT JOIN score s ON s.unit_id = r.unit_id AND s.family_code = $family AND s.area_code = $area AND s.year = $year
LEFT JOIN source src ON src.source_id = s.source_id
GROUP BY r.region, r.region_vi, r.region_en
ORDER BY r.region;
