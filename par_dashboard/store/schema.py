"""What Python needs to know of the schema (schema.sql beside this file, paths.SCHEMA_FILE): the tables whose content
is the data, and the import bookkeeping tables that a database built before them lacks.

Here, below the build, the import service and the backups, because all three rely on it: a build fills the content
tables, a backup is sound only with all of them, an import and a restore add the bookkeeping tables first."""

from __future__ import annotations

from par_dashboard.paths import SCHEMA_FILE

# Tables whose content defines the data (data_version is bookkeeping).
CONTENT_TABLES = ["source", "admin_structure", "admin_unit", "unit_crosswalk", "par_area", "index_family",
                  "indicator", "target", "inspection_plan", "inspection", "inspection_unit", "finding",
                  "indicator_value", "score", "published_aggregate", "unit_region", "published_fact", "rank_group"]


def _import_ddl() -> str:
    text = SCHEMA_FILE.read_text(encoding="utf-8")
    return text[text.index("CREATE TABLE IF NOT EXISTS import_batch"):]


def ensure_tables(cur) -> None:
    """The import bookkeeping tables, also in a database built before they were added to the schema."""
    cur.execute(_import_ddl())
