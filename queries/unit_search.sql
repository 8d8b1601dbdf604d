-- Units of both structures whose folded name matches a search: exact, prefix, substring, then close
-- spellings (Jaro-Winkler). $q is folded in Python (no diacritics, no type words) with the same spelling
-- variants applied as here (y ~ i, k ~ c: "Phú Quí" = "Phú Quý", "Đắc Song" = "Đắk Song").
WITH k AS (
    SELECT u.unit_id, u.structure, u.level, u.name, u.short_name, u.unit_type, u.province_id,
           p.short_name AS province_name, d.short_name AS district_name,
           replace(replace(u.search_key, 'y', 'i'), 'k', 'c') AS key
    FROM admin_unit u
    LEFT JOIN admin_unit p ON p.unit_id = u.province_id
    LEFT JOIN admin_unit d ON d.unit_id = u.parent_id AND d.level = 'district'
    WHERE u.level <> 'department'
),
scored AS (
    SELECT *,
           CASE WHEN key = $q THEN 0 WHEN starts_with(key, $q) THEN 1 WHEN contains(key, $q) THEN 2 ELSE 3 END AS match_rank,
           jaro_winkler_similarity(key, $q) AS similarity
    FROM k
)
SELECT unit_id, structure, level, name, short_name, unit_type, province_id, province_name, district_name, match_rank
FROM scored
WHERE match_rank < 3 OR similarity >= 0.92
ORDER BY match_rank, similarity DESC,
         CASE level WHEN 'province' THEN 0 WHEN 'district' THEN 1 ELSE 2 END, structure DESC, key
LIMIT $limit;
