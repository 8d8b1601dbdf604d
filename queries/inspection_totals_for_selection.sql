-- One row for the selection of inspection_by_selection.sql ($year, $provinces, $units): plans, team visits,
-- units visited (within $units when set), limitations found (of PAR area $area, 'TOTAL' = all; at the chosen
-- units or not tied to a unit) and how many of them are resolved by now, and how many inspections are demo data.
WITH chosen AS (
    SELECT i.*, s.kind AS source_kind
    FROM inspection i
    JOIN source s USING (source_id)
    WHERE i.year = $year
      AND (len($provinces) = 0 OR list_contains($provinces, i.province_id))
      AND (len($units) = 0 OR i.inspection_id IN (
          SELECT inspection_id FROM inspection_unit WHERE list_contains($units, unit_id)))
),
limitation AS (
    SELECT f.*
    FROM finding f
    WHERE f.inspection_id IN (SELECT inspection_id FROM chosen) AND f.kind = 'limitation'
      AND ($area = 'TOTAL' OR f.area_code = $area)
      AND (len($units) = 0 OR f.unit_id IS NULL OR list_contains($units, f.unit_id))
)
SELECT *, 100.0 * n_resolved / nullif(n_limitations, 0) AS resolved_pct
FROM (
    SELECT (SELECT count(DISTINCT plan_id) FROM chosen) AS n_plans,
           (SELECT count(*) FROM chosen) AS n_inspections,
           (SELECT count(*) FILTER (WHERE source_kind = 'synthetic_demo') FROM chosen) AS n_demo_inspections,
           (SELECT count(DISTINCT unit_id) FROM inspection_unit
             WHERE inspection_id IN (SELECT inspection_id FROM chosen)
               AND (len($units) = 0 OR list_contains($units, unit_id))) AS n_units,
           (SELECT count(*) FROM limitation) AS n_limitations,
           (SELECT count(*) FILTER (WHERE status = 'resolved') FROM limitation) AS n_resolved
) AS totals;
