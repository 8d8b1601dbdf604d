"""Read-only snapshots of the database for several dashboard processes (`serve --workers N`).

DuckDB lets one process hold a database file for writing, and then no other process may open it at all. With N
worker processes, none of them holds the database (the *primary* file) open. Instead:

- the workers read a **snapshot**: a copy of the primary, opened read-only (any number of processes may), named
  after its data version; `current.json` in the snapshot folder names the current one and is switched atomically
  (written aside, then renamed), so a reader sees the old snapshot or the new one, never half of one;
- a write (the Dữ liệu page's import, accepted draft, rollback, and the backup before it) is done by the worker
  that asked for it, holding an exclusive lock across processes (`write.lock`, flock): it opens the primary for
  writing, commits, folds DuckDB's log into the file (CHECKPOINT), closes it, copies it to a new snapshot and
  switches `current.json`, all before letting the next writer in. Writes are rare and short (an import is a
  second or two), the copy is a file copy (0.03 s for 50 MB, 0.4 s for 400 MB from the page cache);
- each worker looks at `current.json` once per script run (a `stat`, a few microseconds) and opens the new
  snapshot when it changed; its caches key on the data version, which comes with the snapshot.

Old snapshots are deleted once two newer ones exist: a worker that still reads one keeps reading it (on Linux an
open file outlives its name), and every run after the switch opens the new one.

DuckLake (several writers over Parquet with a catalogue) would be the engine for several *machines* writing; its
extension reaches this machine only as the PyPI package `duckdb-ext-ducklake`, built for DuckDB 1.4, which DuckDB
2.0 refuses to load (docs/SCALING.md).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb

from par_dashboard.store.schema import macros_current, prepare_macros

ENV = "PAR_SNAPSHOTS"  # the snapshot folder, set by `serve --workers N` for its workers
POINTER = "current.json"
KEEP = 3


def folder_from_env() -> Path | None:
    value = os.environ.get(ENV, "").strip()
    return Path(value) if value else None


class Snapshots:
    """The snapshot folder of one primary database file."""

    def __init__(self, primary: Path, folder: Path):
        self.primary, self.folder = Path(primary), Path(folder)
        self.pointer = self.folder / POINTER
        self._thread_lock = threading.Lock()  # flock is per open file: threads of one process take this first

    @contextlib.contextmanager
    def writer(self) -> Iterator[None]:
        """The one writer across every process of this folder (blocks until it is free)."""
        with self._thread_lock:
            self.folder.mkdir(parents=True, exist_ok=True)
            with open(self.folder / "write.lock", "a+b") as f:
                fcntl.flock(f, fcntl.LOCK_EX)
                try:
                    yield
                finally:
                    fcntl.flock(f, fcntl.LOCK_UN)

    def publish(self) -> dict:
        """Copy the primary (closed by every process, its log folded in) to a new snapshot and make it current.
        Call it holding `writer()`. Returns the new pointer."""
        con = duckdb.connect(str(self.primary), read_only=True)
        try:
            version = int(con.execute("SELECT max(version) FROM data_version").fetchone()[0])
            macros = macros_current(con)
        finally:
            con.close()
        name = f"{self.primary.stem}-v{version}-{time.time_ns()}.duckdb"
        partial = self.folder / (name + ".partial")
        shutil.copyfile(self.primary, partial)  # in the kernel (sendfile) where it can
        if not macros:  # a primary built before the shared macros (store/macros.sql): the snapshot has them, so the
            con = duckdb.connect(str(partial))  # workers, which open it read-only, need not make them per cursor
            try:
                prepare_macros(con, writable=True)
                con.execute("CHECKPOINT")
            finally:
                con.close()
        os.replace(partial, self.folder / name)
        current = {"file": name, "version": version, "published_at": time.time()}
        tmp = self.folder / (POINTER + ".tmp")
        tmp.write_text(json.dumps(current), encoding="utf-8")
        os.replace(tmp, self.pointer)
        snapshots = sorted(self.folder.glob(f"{self.primary.stem}-v*.duckdb"), key=lambda p: p.stat().st_mtime_ns)
        for old in snapshots[:-KEEP]:
            if old.name != name:
                with contextlib.suppress(OSError):
                    old.unlink()
        return current

    def stamp(self) -> tuple[int, int, int] | None:
        """What identifies the pointer's present content without reading it (None: nothing published yet)."""
        try:
            s = self.pointer.stat()
        except FileNotFoundError:
            return None
        return (s.st_mtime_ns, s.st_ino, s.st_size)

    def current(self) -> dict:
        return json.loads(self.pointer.read_text(encoding="utf-8"))


def marker(primary: Path) -> Path:
    """Beside the primary while `serve --workers` runs: where its snapshots are, and its process id."""
    return Path(primary).with_name(Path(primary).name + ".workers.json")


def live_folder(primary: Path) -> Path | None:
    """The snapshot folder of a `serve --workers` running over `primary` (None: none is): a command-line import
    then writes the way the workers do, under their lock, and publishes its result to them."""
    try:
        fields = json.loads(marker(primary).read_text(encoding="utf-8"))
        os.kill(int(fields["pid"]), 0)
    except (OSError, ValueError, KeyError, TypeError):
        return None
    folder = Path(fields["snapshots"])
    return folder if (folder / POINTER).exists() else None
