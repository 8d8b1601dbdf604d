-- How many score and indicator rows come from each kind of source (for the data-kind notice).
SELECT src.kind, count(*) AS n_rows
FROM (SELECT source_id FROM score UNION ALL SELECT source_id FROM indicator_value) r
JOIN source src USING (source_id)
GROUP BY src.kind
ORDER BY src.kind;
