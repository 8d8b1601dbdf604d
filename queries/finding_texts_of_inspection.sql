-- The findings already recorded for one inspection ($inspection_id): kind and text, to tell a repeated one.
SELECT kind, text FROM finding WHERE inspection_id = $inspection_id;
