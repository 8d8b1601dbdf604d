-- The inspection plans recorded for a province ($province_id) and year ($year), synthetic demo plans left out: the
-- plans a draft read from a report text may refer to (its number is compared, normalised, in par_dashboard/extract/match.py).
SELECT p.plan_id, p.number, p.issued_on, p.issuer, p.province_id, p.year, p.title
FROM inspection_plan p
JOIN source s USING (source_id)
WHERE p.province_id = $province_id AND p.year = $year AND s.kind <> 'synthetic_demo'
ORDER BY p.plan_id;
