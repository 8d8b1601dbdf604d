-- The indicator catalogue with its family and area names, in display order.
SELECT i.indicator_code, i.family_code, i.area_code, i.name_vi, i.name_en, i.unit, i.direction,
       i.definition_vi, i.definition_en, i.averageable, i.min_value, i.max_value,
       f.name_vi AS family_vi, f.name_en AS family_en
FROM indicator i
JOIN index_family f USING (family_code)
ORDER BY CASE i.family_code WHEN 'PAR_INDEX' THEN 1 WHEN 'SIPAS' THEN 2 WHEN 'SI766' THEN 3
                            WHEN 'OPS' THEN 4 WHEN 'PAPI' THEN 5 ELSE 6 END,
         i.area_code NULLS LAST, i.indicator_code;
