-- An inspection plan already in the database with this number, for this province and year (a saved report
-- text refers to it instead of creating the plan again).
SELECT plan_id, number, issued_on, issuer
FROM inspection_plan
WHERE province_id = $province_id AND year = $year AND replace(upper(number), ' ', '') = replace(upper($number), ' ', '')
LIMIT 1;
