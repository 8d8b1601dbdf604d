-- Provinces ranked by one index family/area for a year, with change vs the previous year.
-- The structure is the one in force that year (S63 to 2024, S34 from 2025); each row also names the
-- current (S34) province it belongs to, so older years can be shown grouped under today's provinces.
-- Ranks are computed here; where only part of the provinces have a score, the computed rank is withheld
-- (rank among those with data is not a rank), and a published rank is shown where one exists.
WITH base AS (
    SELECT s.unit_id, s.year, s.score, s.published_rank, s.rank_of, s.tier, s.note,
           src.kind AS source_kind, src.title AS source_title, src.url AS source_url,
           rsrc.kind AS rank_source_kind
    FROM score s
    JOIN admin_unit u USING (unit_id)
    JOIN source src ON src.source_id = s.source_id
    LEFT JOIN source rsrc ON rsrc.source_id = s.rank_source_id
    WHERE u.level = 'province' AND s.family_code = $family AND s.area_code = $area
      AND s.year IN ($year, $year - 1)
),
ranked AS (
    SELECT *,
           CASE WHEN score IS NOT NULL THEN rank() OVER (PARTITION BY year ORDER BY score DESC NULLS LAST) END AS computed_rank,
           count(score) OVER (PARTITION BY year) AS n_scored
    FROM base
),
units AS (
    SELECT u.unit_id, u.code, u.name, u.short_name, u.structure,
           count(*) OVER () AS n_units
    FROM admin_unit u
    WHERE u.level = 'province' AND u.structure = (SELECT structure FROM admin_structure  -- the structure in force at the end of the year (the 1/7/2025 switch: admin_structure)
                    ORDER BY CASE WHEN valid_from <= make_date(CAST($year AS INTEGER), 12, 31) THEN valid_from END DESC NULLS LAST, valid_from LIMIT 1)
)
SELECT u.unit_id, u.code, u.name, u.short_name, u.structure,
       cur.score,
       CASE WHEN cur.n_scored = u.n_units THEN cur.computed_rank END     AS rank,
       cur.published_rank,
       coalesce(CASE WHEN cur.n_scored = u.n_units THEN cur.computed_rank END, cur.published_rank) AS display_rank,
       cur.rank_of,
       cur.tier,
       prev.score                                                        AS prev_score,
       cur.score - prev.score                                            AS score_change,
       CASE WHEN prev.n_scored = u.n_units AND cur.n_scored = u.n_units
            THEN prev.computed_rank - cur.computed_rank END              AS rank_change,  -- positive = moved up
       CASE WHEN $family <> 'PAR_INDEX' THEN NULL  -- the A/B/C groups are the PAR INDEX's own (% cut-offs)
            WHEN cur.score >= 90 THEN 'A' WHEN cur.score >= 80 THEN 'B'
            WHEN cur.score IS NOT NULL THEN 'C' END                      AS score_group,
       cur.source_kind, cur.source_title, cur.source_url, cur.rank_source_kind, cur.note,
       cur.n_scored, u.n_units,
       new.unit_id                                                       AS current_province_id,
       new.short_name                                                    AS current_province
FROM units u
LEFT JOIN ranked cur ON cur.unit_id = u.unit_id AND cur.year = $year
LEFT JOIN ranked prev ON prev.unit_id = u.unit_id AND prev.year = $year - 1
LEFT JOIN unit_crosswalk cw ON cw.old_unit_id = u.unit_id
LEFT JOIN admin_unit new ON new.unit_id = coalesce(cw.new_unit_id, u.unit_id)
WHERE cur.score IS NOT NULL OR cur.published_rank IS NOT NULL
ORDER BY display_rank NULLS LAST, cur.score DESC NULLS LAST, u.code;
