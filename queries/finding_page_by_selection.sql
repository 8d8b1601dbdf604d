-- The findings of the selected inspections ($year, $provinces, $units as in inspection_by_selection.sql), filtered
-- like finding_by_area_kind.sql, with unit, PAR area names, inspection and source; ordered as the reports read:
-- reported before demo, by inspection date, then result / limitation / recommendation, area, unit.
-- One page: $limit rows from $offset ($limit NULL: all, for the download, the deck and the checks), each row with
-- the selection's total (n_total) and whether any of it is demo (any_demo) — the inspections page never loads the
-- whole country's findings of a year into pandas (58,000 at scale 1, 580,000 at scale 10).
-- $words: search words, each already folded by par_dashboard.domain.units.fold (lower-case ASCII, no diacritics, no
-- spacing); a finding matches when every word occurs in the folded text of one of its searched columns
-- (SEARCH_COLUMNS in tests/findings_search.py, whose search_findings does the same in Python: tests/test_inspections.py
-- checks both give the same rows in the same order).
WITH sel AS (
    SELECT f.finding_id, f.inspection_id, i.year, i.team_label, pr.short_name AS province_name,
           coalesce(iu.visited_on, i.started_on, i.announced_on) AS on_date,
           f.unit_id, CASE WHEN u.level = 'department' THEN u.short_name ELSE u.name END AS unit_name,
           f.area_code, a.short_vi, a.short_en, f.kind, f.topic, f.text, f.status, f.status_on, f.resolved_on,
           f.follows_up_id, s.kind AS source_kind, s.title AS source_title,
           s.kind = 'synthetic_demo' AS demo_first, coalesce(i.started_on, i.announced_on) AS started,
           pr.search_key AS province_key, a.number AS area_number, u.search_key AS unit_key
    FROM selected_findings($year, $provinces, $units, $area, $kind, $status) f  -- store/macros.sql
    JOIN inspection i USING (inspection_id)
    JOIN admin_unit pr ON pr.unit_id = i.province_id
    JOIN source s ON s.source_id = f.source_id
    LEFT JOIN admin_unit u ON u.unit_id = f.unit_id
    LEFT JOIN inspection_unit iu ON iu.inspection_id = f.inspection_id AND iu.unit_id = f.unit_id
    LEFT JOIN par_area a ON a.area_code = f.area_code
),
-- Folding is a regular expression per value: each distinct name, team, topic and area once, each text once.
names AS (
    SELECT DISTINCT v FROM (
        SELECT unnest([unit_name, province_name, team_label, topic, short_vi, short_en]) AS v FROM sel
        WHERE len($words) > 0)
    WHERE v IS NOT NULL
),
folded AS (
    SELECT v, fold_text(v) AS f  -- store/macros.sql
    FROM names
),
searched AS (
    SELECT sel.*, CASE WHEN len($words) = 0 THEN '' ELSE concat_ws(' ',
        fold_text(coalesce(sel.text, '')),
        coalesce(fu.f, ''), coalesce(fp.f, ''), coalesce(ft.f, ''), coalesce(fo.f, ''), coalesce(fv.f, ''),
        coalesce(fe.f, '')) END AS haystack
    FROM sel
    LEFT JOIN folded fu ON fu.v = sel.unit_name
    LEFT JOIN folded fp ON fp.v = sel.province_name
    LEFT JOIN folded ft ON ft.v = sel.team_label
    LEFT JOIN folded fo ON fo.v = sel.topic
    LEFT JOIN folded fv ON fv.v = sel.short_vi
    LEFT JOIN folded fe ON fe.v = sel.short_en
)
SELECT finding_id, inspection_id, year, team_label, province_name, on_date, unit_id, unit_name, area_code, short_vi,
       short_en, kind, topic, text, status, status_on, resolved_on, follows_up_id, source_kind, source_title,
       count(*) OVER () AS n_total, bool_or(source_kind = 'synthetic_demo') OVER () AS any_demo
FROM searched
WHERE len(list_filter($words, lambda w: NOT contains(haystack, w))) = 0
ORDER BY demo_first, started, province_key, inspection_id, list_position(['result', 'limitation', 'recommendation'], kind),
         area_number, unit_key NULLS LAST, finding_id
LIMIT $limit OFFSET $offset;
