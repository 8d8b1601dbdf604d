-- A unit's eight PAR area scores for a year beside the mean of its peers (all provinces of the structure
-- for a province; the same level in the same province otherwise), with the source kinds involved.
SELECT a.area_code, a.number, a.short_vi, a.short_en,
       max(f.value) FILTER (WHERE f.unit_id = $unit_id)                  AS value,
       avg(f.value)                                                      AS peer_mean,
       count(f.value)                                                    AS n_peers,
       max(f.source_kind) FILTER (WHERE f.unit_id = $unit_id)            AS source_kind,
       bool_or(f.source_kind = 'synthetic_demo')                         AS any_demo
FROM par_area a
JOIN indicator i ON i.family_code = 'PAR_INDEX' AND i.area_code = a.area_code
LEFT JOIN indicator_fact f ON f.indicator_code = i.indicator_code AND f.year = $year
                          AND f.unit_id IN (SELECT unit_id FROM unit_peers($unit_id))  -- store/macros.sql
GROUP BY a.area_code, a.number, a.short_vi, a.short_en
ORDER BY a.number;
