-- One source as the provenance box shows it (shell/ui.py provenance): its kind, title, URL, file, date and note, and
-- for an import the batch that brought it, who loaded it, when and from which file.
SELECT s.source_id, s.kind, s.title, s.url, s.file, s.published_on, s.note,
       b.batch_id, b.user_name AS loaded_by, b.finished_at AS loaded_at, b.file_name AS batch_file
FROM source s
LEFT JOIN import_batch b USING (source_id)
WHERE s.source_id = $source_id;
