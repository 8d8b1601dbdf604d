-- Districts (to 2024), communes (from 2025) or departments of a province ranked by a family/area for a year.
-- Each province ran its own index, so ranks are within the province that ran it (the old province for
-- years before 2025, also when a current province is chosen: its old provinces are listed side by side), and
-- within the part of the level it ranked apart where it did (table rank_group: Hải Phòng 2025 ranks its wards
-- apart from its communes and special zones). Units are never ranked across provinces.
WITH members AS (
    SELECT u.unit_id, u.name, u.short_name, u.unit_type, u.province_id AS ranking_province_id
    FROM admin_unit u
    WHERE u.level = $level
      AND (u.province_id = $province_id
           OR u.province_id IN (SELECT old_unit_id FROM unit_crosswalk WHERE new_unit_id = $province_id))
),
base AS (
    SELECT m.*, s.year, s.score, s.published_rank, s.tier, rg.rank_group, s.source_id, s.rank_source_id,
           src.kind AS source_kind, src.url AS source_url, rsrc.kind AS rank_source_kind
    FROM members m
    JOIN score s USING (unit_id)
    LEFT JOIN rank_group rg ON rg.province_id = m.ranking_province_id AND rg.year = s.year AND rg.level = $level
                           AND rg.unit_type = m.unit_type
    JOIN source src ON src.source_id = s.source_id
    LEFT JOIN source rsrc ON rsrc.source_id = s.rank_source_id
    WHERE s.family_code = $family AND s.area_code = $area AND s.year IN ($year, $year - 1)
),
ranked AS (
    SELECT *,
           CASE WHEN score IS NOT NULL THEN rank() OVER (PARTITION BY ranking_province_id, coalesce(rank_group, ''), year
                                                         ORDER BY score DESC NULLS LAST) END AS computed_rank,
           count(*) OVER (PARTITION BY ranking_province_id, coalesce(rank_group, ''), year) AS n_ranked
    FROM base
)
SELECT cur.unit_id, cur.name, cur.short_name, cur.unit_type,
       cur.ranking_province_id, p.short_name AS ranking_province,
       cur.score, cur.computed_rank AS rank, cur.published_rank, cur.n_ranked, cur.tier, cur.rank_group,
       prev.score                         AS prev_score,
       cur.score - prev.score             AS score_change,
       prev.computed_rank - cur.computed_rank AS rank_change,
       CASE WHEN $family <> 'PAR_INDEX' THEN NULL  -- the A/B/C groups are the PAR INDEX's own (% cut-offs)
            WHEN cur.score >= 90 THEN 'A' WHEN cur.score >= 80 THEN 'B'
            WHEN cur.score IS NOT NULL THEN 'C' END AS score_group,
       cur.source_kind, cur.source_url, cur.rank_source_kind, cur.source_id, cur.rank_source_id
FROM ranked cur
JOIN admin_unit p ON p.unit_id = cur.ranking_province_id
LEFT JOIN ranked prev ON prev.unit_id = cur.unit_id AND prev.year = $year - 1
WHERE cur.year = $year AND cur.score IS NOT NULL
ORDER BY ranking_province, cur.rank_group NULLS FIRST, rank, cur.short_name;
