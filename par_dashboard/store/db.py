"""Database access: one process-wide DuckDB connection, a cursor per query, queries read from queries/*.sql.

Values always reach SQL as bound parameters ($name); the SQL text comes only from the repository.

DuckDB lets one process write a database file. The dashboard is that process: it holds a read-write
connection, reads through cursors, and writes (imports, rollbacks) through `transaction()`, one writer at a
time, each write bumping the data version that every cached query is keyed by. A command-line import needs
the dashboard stopped (the file is locked) and says so.

With several dashboard processes (`serve --workers N`) none holds the file: each reads the current read-only
snapshot and writes under a lock across processes, publishing a new snapshot after each write
(par_dashboard/store/snapshots.py; `Database(path, snapshots=...)`).
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TypeVar

import duckdb
import pandas as pd

from par_dashboard.paths import DEFAULT_DB, QUERIES_DIR
from par_dashboard.store import fact_table
from par_dashboard.store.schema import prepare_macros, temporary_macros_sql
from par_dashboard.store.snapshots import Snapshots


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


def _connect(path: Path, read_only: bool) -> duckdb.DuckDBPyConnection:
    try:
        return duckdb.connect(str(path), read_only=read_only)
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            raise DatabaseBusy(str(path)) from exc
        raise


@dataclass(frozen=True)
class _PerCursor:
    """What each cursor of a read-only file must make first, the file lacking it: the macros its SQL calls, the
    view in front of stored facts older than the data (store/fact_table.py)."""
    macros: bool = False
    facts: bool = False

    def __bool__(self) -> bool:
        return self.macros or self.facts


@cache
def _setup_sql(sql: str | None, per_cursor: _PerCursor) -> str:
    """The statements a cursor runs before `sql` (None: any SQL may follow)."""
    parts = [temporary_macros_sql(sql) if per_cursor.macros else ""]
    if per_cursor.facts and (sql is None or fact_table.TABLE in sql):
        parts.append(fact_table.TEMP_VIEW)
    return "\n".join(p for p in parts if p)


def _open(path: Path, read_only: bool) -> tuple[duckdb.DuckDBPyConnection, _PerCursor]:
    """A connection on which queries/*.sql run, also on a file built before the macros they call (store/macros.sql)
    or with an earlier version of them, or whose stored facts are older than its data (store/fact_table.py): written
    into a file opened for writing; for a read-only one, what each cursor must make first."""
    con = _connect(path, read_only)
    try:
        return con, _PerCursor(macros=prepare_macros(con, writable=not read_only),
                               facts=fact_table.prepare(con, writable=not read_only))
    except BaseException:
        con.close()
        raise


T = TypeVar("T")


@dataclass
class _Tx:
    cur: duckdb.DuckDBPyConnection
    keep: bool = True  # False: rolled back at the end (Database.attempt)


class Database:
    """The built database, safe to share between Streamlit's session threads.

    `snapshots`: one of several processes (`serve --workers N`): reads go to the current snapshot, reopened when a
    new one is published; writes open `path` (the primary) under the lock across processes and publish a snapshot.
    """

    def __init__(self, path: Path = DEFAULT_DB, *, read_only: bool = False, snapshots: Snapshots | None = None):
        self.path, self._read_only, self._snapshots = path, read_only, snapshots
        if not Path(path).is_file():  # the primary, also with snapshots: writes go to it
            raise MissingDatabase(str(path))
        self._lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._local = threading.local()  # .writer: the primary's connection while this thread writes (snapshots)
        self.writes = 0  # transactions ended by this instance: a run's cached data version is stale after one
        if snapshots is None:
            self._con, self._per_cursor = _open(path, read_only)
        else:
            self._stamp, self._version, self._refresh_lock = None, 0, threading.Lock()
            self._refresh()

    def _refresh(self) -> None:
        """Open the published snapshot if it is not the one open (a stat when nothing changed). The connection to
        the previous one is dropped, not closed: queries under way on its cursors finish on it."""
        if self._snapshots.stamp() == self._stamp:
            return
        with self._refresh_lock:
            for attempt in range(20):
                stamp = self._snapshots.stamp()
                if stamp == self._stamp:
                    return
                try:
                    current = self._snapshots.current()
                    con, per_cursor = _open(self._snapshots.folder / current["file"], True)
                    break
                except (OSError, ValueError, duckdb.IOException):
                    # published again between reading the pointer and opening its file (or not published yet)
                    if attempt == 19:
                        raise
                    time.sleep(0.05)
            with self._lock:
                self._con, self._per_cursor, self._version, self._stamp = con, per_cursor, int(current["version"]), stamp

    def _cursor(self, sql: str | None) -> duckdb.DuckDBPyConnection:
        """A cursor where this thread reads: the primary while it writes (snapshots: opened for writing, so it holds
        the macros), else the open (snapshot) file, where a file that lacks them has the macros `sql` calls made
        first (None: any SQL may follow, all of them)."""
        with self._lock:  # creating a cursor touches the shared connection
            writer = getattr(self._local, "writer", None)
            cur, per_cursor = (writer.cursor(), _PerCursor()) if writer is not None else (self._con.cursor(), self._per_cursor)
        if per_cursor and (setup := _setup_sql(sql, per_cursor)):
            try:
                cur.execute(setup)
            except BaseException:
                cur.close()
                raise
        return cur

    def query(self, name: str, **params) -> pd.DataFrame:
        sql = query_text(name)
        cur = self._cursor(sql)
        try:
            return cur.execute(sql, params).df()
        finally:
            cur.close()

    @contextlib.contextmanager
    def cursor(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor for reading beyond the query files (exports that stream whole tables)."""
        cur = self._cursor(None)
        try:
            yield cur
        finally:
            cur.close()

    def data_version(self) -> int:
        """Read on every cached query (caches key on it): one value, fetched without building a DataFrame. With
        snapshots: the published snapshot's, switching to a newer one first."""
        if self._snapshots is not None and getattr(self._local, "writer", None) is None:
            self._refresh()
            return self._version
        sql = query_text("data_version")
        cur = self._cursor(sql)
        try:
            return int(cur.execute(sql).fetchone()[0])
        finally:
            cur.close()

    @contextlib.contextmanager
    def _writing(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """The connection a write goes through. With snapshots: the primary, opened under the lock across processes
        (reused when this thread already holds it: a backup inside `quiet`); when it is closed again, a write that
        committed is published as the new snapshot before the next writer may start."""
        if self._snapshots is None:
            yield self._con
            return
        if getattr(self._local, "writer", None) is not None:
            yield self._local.writer
            return
        with self._snapshots.writer():
            for attempt in range(100):  # a process outside the lock reading the primary (a `check`): wait it out
                try:
                    con, _ = _open(self.path, False)  # (writable: the macros are written into it)
                    break
                except DatabaseBusy:
                    if attempt == 99:
                        raise
                    time.sleep(0.1)
            self._local.writer, self._local.committed = con, False
            try:
                yield con
            finally:
                self._local.writer = None
                try:
                    with contextlib.suppress(duckdb.Error):  # (after a fatal error it refuses: the log is replayed on open)
                        con.execute("CHECKPOINT")  # the log folded into the file: the copy is the committed state
                finally:
                    con.close()
                if self._local.committed:
                    self._snapshots.publish()
                    self._refresh()

    @contextlib.contextmanager
    def transaction(self, note: str) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor in one transaction: everything it does is committed together, with a new data version,
        or rolled back together if anything raises (also if the process dies: DuckDB's log is replayed only
        up to the last commit)."""
        with self._transaction(note) as tx:
            yield tx.cur

    def attempt(self, note: str, work: Callable[[duckdb.DuckDBPyConnection], tuple[T, bool]]) -> T:
        """`work(cur)` in one transaction that it decides the end of: returning (result, True) commits as
        `transaction` does, (result, False) rolls back, so that nothing it did stays (a check that stages what a
        write would do, a write refused halfway). The result either way; an exception rolls back and goes on."""
        with self._transaction(note) as tx:
            result, tx.keep = work(tx.cur)
        return result

    @contextlib.contextmanager
    def _transaction(self, note: str) -> Iterator[_Tx]:
        with self._write_lock, self._writing() as con:
            with self._lock:
                cur = con.cursor()
            fatal = False
            try:
                cur.execute("BEGIN TRANSACTION")
                try:
                    cur.execute(fact_table.TEMP_VIEW)  # the facts as written so far, until refresh stores them
                    tx = _Tx(cur)
                    yield tx
                    if not tx.keep:
                        cur.execute("ROLLBACK")
                        return
                    cur.execute("INSERT INTO data_version SELECT max(version) + 1, current_timestamp, $note FROM data_version",
                                {"note": note})
                    fact_table.refresh(cur)  # the stored facts of the data now written, committed with it
                    cur.execute("COMMIT")
                    if self._snapshots is not None:
                        self._local.committed = True
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
        not done; the next backup or the close does it): what was committed is committed either way. With snapshots
        every write already ends with the primary checkpointed and closed (snapshots.py)."""
        if self._snapshots is not None:
            return True
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
        """No write starts or is under way while inside: what the file holds is one committed state (a backup).
        With snapshots, in every process: inside, this thread's cursors read (and CHECKPOINT) the primary."""
        with self._write_lock, self._writing():
            yield

    def _restart(self) -> None:
        """After a fatal error (a write that failed at commit: a full disk) DuckDB refuses every further query on
        this instance until it is opened again; what was committed before is intact and is read back."""
        if self._snapshots is not None:
            return  # the primary's connection is closed after every write; the snapshot was only read
        with self._lock:
            self._con.close()
            self._con, self._per_cursor = _open(self.path, self._read_only)

    def close(self) -> None:
        if self._snapshots is None:
            self._con.close()
        else:
            self._con = None  # its cursors still in use finish first (see _refresh)
