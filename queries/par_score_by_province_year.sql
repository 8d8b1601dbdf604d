-- Provinces ranked by one index family/area for a year, with change vs the previous year.
-- The structure is the one in force that year (S63 to 2024, S34 from 2025); each row also names the
-- current (S34) province it belongs to, so older years can be shown grouped under today's provinces.
-- The first year of a structure (2025, 34 provinces) is compared with the year before rolled up to it: the plain
-- mean of the scores of the old provinces merged into each (all of them scored, else no comparison), ranked among
-- the rolled-up values; `prev_rolled` says so and `prev_members` names them. An unweighted mean is a reading aid,
-- not a published figure; the page says so.
-- Ranks are computed here; where only part of the provinces have a score, the computed rank is withheld
-- (rank among those with data is not a rank), and a published rank is shown where one exists.
WITH base AS (
    SELECT s.unit_id, s.year, s.score, s.published_rank, s.rank_of, s.tier, s.note, s.source_id, s.rank_source_id,
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
),
rolled AS (  -- the previous year's provinces of another structure, rolled up to this year's
    SELECT cw.new_unit_id AS unit_id,
           CASE WHEN count(r.score) = count(*) THEN avg(r.score) END AS score,
           list(o.short_name ORDER BY o.short_name) AS members
    FROM unit_crosswalk cw
    JOIN admin_unit o ON o.unit_id = cw.old_unit_id AND o.level = 'province'
    JOIN units u ON u.unit_id = cw.new_unit_id AND u.structure <> o.structure
    LEFT JOIN ranked r ON r.unit_id = cw.old_unit_id AND r.year = $year - 1
    GROUP BY cw.new_unit_id
),
rolled_ranked AS (
    SELECT *,
           CASE WHEN score IS NOT NULL THEN rank() OVER (ORDER BY score DESC NULLS LAST) END AS computed_rank,
           count(score) OVER () AS n_scored
    FROM rolled
),
prev AS (  -- the same unit's score the year before, else (a new structure) the rolled-up one
    SELECT u.unit_id,
           coalesce(same.score, rr.score) AS score,
           CASE WHEN same.unit_id IS NOT NULL THEN same.computed_rank ELSE rr.computed_rank END AS computed_rank,
           CASE WHEN same.unit_id IS NOT NULL THEN same.n_scored ELSE rr.n_scored END AS n_scored,
           same.unit_id IS NULL AND rr.score IS NOT NULL AS rolled,
           CASE WHEN same.unit_id IS NULL THEN rr.members END AS members
    FROM units u
    LEFT JOIN ranked same ON same.unit_id = u.unit_id AND same.year = $year - 1
    LEFT JOIN rolled_ranked rr ON rr.unit_id = u.unit_id
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
       coalesce(prev.rolled, false)                                      AS prev_rolled,
       prev.members                                                      AS prev_members,
       CASE WHEN prev.n_scored = u.n_units AND cur.n_scored = u.n_units
            THEN prev.computed_rank - cur.computed_rank END              AS rank_change,  -- positive = moved up
       CASE WHEN $family <> 'PAR_INDEX' THEN NULL  -- the A/B/C groups are the PAR INDEX's own (% cut-offs)
            WHEN cur.score >= 90 THEN 'A' WHEN cur.score >= 80 THEN 'B'
            WHEN cur.score IS NOT NULL THEN 'C' END                      AS score_group,
       cur.source_kind, cur.source_title, cur.source_url, cur.rank_source_kind, cur.note,
       cur.source_id, cur.rank_source_id,
       cur.n_scored, u.n_units,
       new.unit_id                                                       AS current_province_id,
       new.short_name                                                    AS current_province
FROM units u
LEFT JOIN ranked cur ON cur.unit_id = u.unit_id AND cur.year = $year
LEFT JOIN prev ON prev.unit_id = u.unit_id
LEFT JOIN unit_crosswalk cw ON cw.old_unit_id = u.unit_id
LEFT JOIN admin_unit new ON new.unit_id = coalesce(cw.new_unit_id, u.unit_id)
WHERE cur.score IS NOT NULL OR cur.published_rank IS NOT NULL
ORDER BY display_rank NULLS LAST, cur.score DESC NULLS LAST, u.code;
