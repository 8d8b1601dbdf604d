"""Database access: one process-wide DuckDB connection, a cursor per query, queries read from queries/*.sql.

Values always reach SQL as bound parameters ($name); the SQL text comes only from the repository.
"""

from __future__ import annotations

import threading
from functools import cache
from pathlib import Path

import duckdb
import pandas as pd

from par_dashboard.paths import DEFAULT_DB, QUERIES_DIR


class QueryNotFound(KeyError):
    pass


@cache
def query_text(name: str) -> str:
    path = QUERIES_DIR / f"{name}.sql"
    if not path.is_file() or path.parent != QUERIES_DIR:
        raise QueryNotFound(name)
    return path.read_text(encoding="utf-8")


class Database:
    """A read-only view of the built database, safe to share between Streamlit's session threads."""

    def __init__(self, path: Path = DEFAULT_DB):
        self.path = path
        self._con = duckdb.connect(str(path), read_only=True)
        self._lock = threading.Lock()

    def query(self, name: str, **params) -> pd.DataFrame:
        sql = query_text(name)
        with self._lock:  # creating a cursor touches the shared connection
            cur = self._con.cursor()
        try:
            return cur.execute(sql, params).df()
        finally:
            cur.close()

    def data_version(self) -> int:
        return int(self.query("data_version").iloc[0, 0])

    def close(self) -> None:
        self._con.close()
