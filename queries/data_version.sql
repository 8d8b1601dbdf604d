-- The data version; bumped by every write, part of every cache key.
SELECT max(version) AS version FROM data_version;
