-- One indicator for the units of one level in scope, one row per unit and year of [$year_from, $year_to]:
-- value, change vs the previous year (lag), direction-aware rank within the year, the province's target and
-- whether it is met ("lower is better" indicators meet when value <= target), period and source kind.
-- Scope: $level ('province' | 'district' | 'commune' | 'department'); $province_id ('' = whole country; ignored
-- for provinces); $structure is the structure shown ('S63' | 'S34').
-- Roll-up: with the 34-province structure, years before 2025 show each current province made of its old
-- provinces: the mean of their values when the indicator is averageable, the sum for counts and days, and
-- no value unless every old province has one (a part is not the whole). Old names and values are listed.
WITH ind AS (
    SELECT direction, averageable, unit FROM indicator WHERE indicator_code = $indicator
),
members AS (
    SELECT u.unit_id                                        AS part_id,
           u.short_name                                     AS part_name,
           u.structure                                      AS part_structure,
           CASE WHEN u.level = 'province' AND u.structure <> $structure THEN cw.new_unit_id ELSE u.unit_id END AS unit_id,
           coalesce(u.province_id, u.unit_id)               AS target_province_id
    FROM units_in_scope($level, $structure, $province_id) u  -- store/macros.sql
    LEFT JOIN unit_crosswalk cw ON cw.old_unit_id = u.unit_id AND u.level = 'province'
),
sized AS (
    SELECT *, count(*) OVER (PARTITION BY unit_id, part_structure) AS n_parts FROM members
),
facts AS (
    SELECT m.unit_id, m.part_name, m.n_parts, f.year, f.value, f.period, f.published_rank, f.rank_of, f.note,
           f.inspection_id, f.source_id, src.kind AS source_kind, src.title AS source_title, src.url AS source_url,
           t.target_value
    FROM sized m
    JOIN indicator_fact f ON f.unit_id = m.part_id
    JOIN source src ON src.source_id = f.source_id
    LEFT JOIN target t ON t.indicator_code = f.indicator_code AND t.province_id = m.target_province_id AND t.year = f.year
    WHERE f.indicator_code = $indicator AND f.year BETWEEN $year_from - 1 AND $year_to
),
by_unit AS (
    SELECT unit_id, year,
           any_value(n_parts)                                AS n_parts,
           count(*)                                          AS n_parts_with_value,
           CASE WHEN count(*) < any_value(n_parts) THEN NULL
                WHEN count(*) = 1 THEN min(value)
                WHEN (SELECT averageable FROM ind) THEN avg(value)
                WHEN (SELECT unit FROM ind) IN ('count', 'days') THEN sum(value)
           END                                               AS value,
           CASE WHEN bool_and(period = 'Y') THEN 'Y'
                ELSE string_agg(DISTINCT period, ', ') FILTER (WHERE period <> 'Y') END AS period,
           CASE WHEN bool_or(source_kind = 'synthetic_demo') THEN 'synthetic_demo' ELSE min(source_kind) END AS source_kind,
           CASE WHEN count(*) = 1 THEN any_value(published_rank) END AS published_rank,
           CASE WHEN count(*) = 1 THEN any_value(rank_of) END        AS rank_of,
           CASE WHEN count(*) = 1 THEN any_value(note) END           AS note,
           CASE WHEN count(*) = 1 THEN any_value(inspection_id) END  AS inspection_id,
           CASE WHEN count(*) = 1 THEN any_value(source_id) END      AS source_id,  -- a roll-up pools several: none
           CASE WHEN count(target_value) = count(*) AND min(target_value) = max(target_value)
                THEN min(target_value) END                   AS target,
           CASE WHEN any_value(n_parts) > 1 THEN list(part_name ORDER BY part_name) END AS parts,
           CASE WHEN any_value(n_parts) > 1 THEN list(value ORDER BY part_name) END     AS part_values,
           list(DISTINCT {'kind': source_kind, 'title': source_title, 'url': source_url})
               FILTER (WHERE source_kind <> 'synthetic_demo')  AS real_sources
    FROM facts
    GROUP BY unit_id, year
),
ranked AS (
    SELECT b.*,
           CASE WHEN lag(b.year) OVER w = b.year - 1 THEN b.value - lag(b.value) OVER w END AS change,
           CASE WHEN b.value IS NOT NULL
                THEN rank() OVER (PARTITION BY b.year
                                  ORDER BY CASE WHEN (SELECT direction FROM ind) = 'lower' THEN b.value ELSE -b.value END NULLS LAST)
           END                                               AS rank,
           count(b.value) OVER (PARTITION BY b.year)         AS n_ranked
    FROM by_unit b
    WINDOW w AS (PARTITION BY b.unit_id ORDER BY b.year)
)
SELECT r.unit_id, u.name, u.short_name, u.level, u.structure,
       CASE WHEN u.level = 'province' THEN u.unit_id ELSE u.province_id END AS province_id,
       coalesce(p.short_name, u.short_name)                  AS province_name,
       r.year, r.value, r.change, r.rank, r.n_ranked, r.target,
       CASE WHEN r.value IS NULL OR r.target IS NULL THEN NULL
            WHEN (SELECT direction FROM ind) = 'lower' THEN r.value <= r.target
            ELSE r.value >= r.target END                     AS meets_target,
       r.period, r.source_kind, r.source_id, r.published_rank, r.rank_of, r.note, r.inspection_id,
       r.n_parts, r.n_parts_with_value, r.parts, r.part_values, r.real_sources
FROM ranked r
JOIN admin_unit u ON u.unit_id = r.unit_id
LEFT JOIN admin_unit p ON p.unit_id = u.province_id
WHERE r.year BETWEEN $year_from AND $year_to
ORDER BY r.year, r.rank NULLS LAST, u.search_key, r.unit_id;  -- (a total order: departments of several provinces share a name)
