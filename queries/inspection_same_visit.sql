-- An inspection already in the database that visited one of $unit_ids (a list) on $on_date (its start date or the
-- unit's visit date): the same visit, which a saved report text updates rather than duplicates.
SELECT i.inspection_id
FROM inspection i
JOIN inspection_unit iu USING (inspection_id)
WHERE list_contains($unit_ids, iu.unit_id)
  AND coalesce(iu.visited_on, i.started_on) = $on_date
ORDER BY i.inspection_id
LIMIT 1;
