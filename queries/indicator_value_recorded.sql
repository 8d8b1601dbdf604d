-- The value recorded for one unit, indicator, year and period, if any (a saved text that repeats it adds nothing).
SELECT value FROM indicator_value
WHERE unit_id = $unit_id AND indicator_code = $indicator AND year = $year AND period = $period;
