"""Database access: one process-wide DuckDB connection, a cursor per query, queries read from queries/*.sql.

Values always reach SQL as bound parameters ($name); the SQL text comes only from the repository.

DuckDB lets one process write a database file. The dashboard is that process: it holds a read-write
connection, reads through cursors, and writes (imports, rollbacks) through `transaction()`, one writer at a
time, each write bumping the data version that every cached query is keyed by. A command-line import needs
the dashboard stopped (the file is locked) and says so.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
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


class DatabaseBusy(RuntimeError):
    """Another process (the running dashboard, or another import) holds the database file."""


class MissingDatabase(FileNotFoundError):
    """No database file at the path: Database never makes one (DuckDB would create an empty file, which every later
    start takes for a database); `build` does."""


class Database:
    """The built database, safe to share between Streamlit's session threads."""

    def __init__(self, path: Path = DEFAULT_DB, *, read_only: bool = False):
        self.path, self._read_only = path, read_only
        if not Path(path).is_file():
            raise MissingDatabase(str(path))
        try:
            self._con = duckdb.connect(str(path), read_only=read_only)
        except duckdb.IOException as exc:
            if "lock" in str(exc).lower():
                raise DatabaseBusy(str(path)) from exc
            raise
        self._lock = threading.Lock()
        self._write_lock = threading.Lock()
        self.writes = 0  # transactions ended by this instance: a run's cached data version is stale after one

    def query(self, name: str, **params) -> pd.DataFrame:
        sql = query_text(name)
        with self._lock:  # creating a cursor touches the shared connection
            cur = self._con.cursor()
        try:
            return cur.execute(sql, params).df()
        finally:
            cur.close()

    @contextlib.contextmanager
    def cursor(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor for reading beyond the query files (exports that stream whole tables)."""
        with self._lock:
            cur = self._con.cursor()
        try:
            yield cur
        finally:
            cur.close()

    def data_version(self) -> int:
        """Read on every cached query (caches key on it): one value, fetched without building a DataFrame."""
        with self._lock:
            cur = self._con.cursor()
        try:
            return int(cur.execute(query_text("data_version")).fetchone()[0])
        finally:
            cur.close()

    @contextlib.contextmanager
    def transaction(self, note: str) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor in one transaction: everything it does is committed together, with a new data version,
        or rolled back together if anything raises (also if the process dies: DuckDB's log is replayed only
        up to the last commit)."""
        with self._write_lock:
            with self._lock:
                cur = self._con.cursor()
            fatal = False
            try:
                cur.execute("BEGIN TRANSACTION")
                try:
                    yield cur
                    cur.execute("INSERT INTO data_version SELECT max(version) + 1, current_timestamp, $note FROM data_version",
                                {"note": note})
                    cur.execute("COMMIT")
                except BaseException as exc:
                    fatal = isinstance(exc, duckdb.FatalException)
                    with contextlib.suppress(duckdb.Error):  # a failed COMMIT has rolled back already: keep its error
                        cur.execute("ROLLBACK")
                    raise
            finally:
                cur.close()
                self.writes += 1
                if fatal:
                    self._restart()

    def checkpoint(self) -> bool:
        """Fold the log into the file now, which also frees the blocks that dropped or rewritten tables held (a
        rollback rewrites most tables): the next write reuses them instead of growing the file. Best effort (False:
        not done; the next backup or the close does it): what was committed is committed either way."""
        with self._write_lock:
            with self._lock:
                cur = self._con.cursor()
            fatal = False
            try:
                cur.execute("CHECKPOINT")
                return True
            except duckdb.Error as exc:
                fatal = isinstance(exc, duckdb.FatalException)
                return False
            finally:
                cur.close()
                if fatal:
                    self._restart()

    @contextlib.contextmanager
    def quiet(self) -> Iterator[None]:
        """No write starts or is under way while inside: what the file holds is one committed state (a backup)."""
        with self._write_lock:
            yield

    def _restart(self) -> None:
        """After a fatal error (a write that failed at commit: a full disk) DuckDB refuses every further query on
        this instance until it is opened again; what was committed before is intact and is read back."""
        with self._lock:
            self._con.close()
            self._con = duckdb.connect(str(self.path), read_only=self._read_only)

    def close(self) -> None:
        self._con.close()
