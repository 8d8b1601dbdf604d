-- One row for the selection of inspection_by_selection.sql ($year, $provinces, $units): plans, team visits,
-- units visited (within $units when set), limitations found (of PAR area $area, 'TOTAL' = all; at the chosen
-- units or not tied to a unit) and how many of them are resolved by now, and how many inspections are demo data.
WITH chosen AS (  -- selected_inspections, selected_findings, in_choice: store/macros.sql
    SELECT i.*, s.kind AS source_kind
    FROM selected_inspections($year, $provinces, $units) i
    JOIN source s USING (source_id)
),
limitation AS (
    SELECT * FROM selected_findings($year, $provinces, $units, $area, 'limitation', '')
)
SELECT *, 100.0 * n_resolved / nullif(n_limitations, 0) AS resolved_pct
FROM (
    SELECT (SELECT count(DISTINCT plan_id) FROM chosen) AS n_plans,
           (SELECT count(*) FROM chosen) AS n_inspections,
           (SELECT count(*) FILTER (WHERE source_kind = 'synthetic_demo') FROM chosen) AS n_demo_inspections,
           (SELECT count(DISTINCT unit_id) FROM inspection_unit
             WHERE inspection_id IN (SELECT inspection_id FROM chosen) AND in_choice($units, unit_id)) AS n_units,
           (SELECT count(*) FROM limitation) AS n_limitations,
           (SELECT count(*) FILTER (WHERE status = 'resolved') FROM limitation) AS n_resolved
) AS totals;
