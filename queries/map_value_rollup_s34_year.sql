-- One indicator for a year before 2025 rolled up to today's 34 provinces: the plain mean of the old
-- provinces merged into each (a sum for counts, which are never averaged), with the members named.
-- An unweighted mean of scores is a reading aid, not a published figure; the page says so.
WITH old AS (
    SELECT cw.new_unit_id, o.short_name, f.value, f.source_kind, f.source_id
    FROM indicator_fact f
    JOIN admin_unit o ON o.unit_id = f.unit_id AND o.level = 'province' AND o.structure = 'S63'
    JOIN unit_crosswalk cw ON cw.old_unit_id = o.unit_id
    WHERE f.indicator_code = $indicator AND f.year = $year
),
rolled AS (
    SELECT new_unit_id AS unit_id,
           CASE WHEN (SELECT averageable FROM indicator WHERE indicator_code = $indicator) THEN avg(value) ELSE sum(value) END AS value,
           list(short_name ORDER BY short_name) AS member_names,
           list(value ORDER BY short_name) AS member_values,
           count(*) AS n_members,
           CASE WHEN count(*) = 1 THEN any_value(source_id) END AS source_id,  -- several old provinces: no single source
           CASE WHEN bool_or(source_kind = 'synthetic_demo') THEN 'synthetic_demo'
                WHEN bool_or(source_kind = 'official_publication') THEN 'official_publication' ELSE min(source_kind) END AS source_kind
    FROM old
    GROUP BY new_unit_id
)
SELECT r.unit_id, n.short_name, n.name, r.value, r.member_names, r.member_values, r.n_members, r.source_kind, r.source_id,
       CASE WHEN i.direction <> 'neutral' THEN
           rank() OVER (ORDER BY CASE WHEN i.direction = 'lower' THEN r.value ELSE -r.value END) END AS rank,
       count(*) OVER () AS n_ranked
FROM rolled r
JOIN admin_unit n ON n.unit_id = r.unit_id
JOIN indicator i ON i.indicator_code = $indicator
ORDER BY rank NULLS LAST, n.short_name;
