-- The findings recorded for the inspections $inspection_ids (a list): those a draft's findings are compared with.
SELECT finding_id, inspection_id, unit_id, kind, area_code, text
FROM finding
WHERE list_contains($inspection_ids, inspection_id)
ORDER BY finding_id;
