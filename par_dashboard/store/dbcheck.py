"""Whether DuckDB can read a database file whole: the verdict `par_dashboard.store.backup.diagnose` acts on.

    python -m par_dashboard.store.dbcheck PATH [--deep] [--require TABLE,...]   one line of JSON: the verdict

Run in a child process (backup.diagnose starts it), so that DuckDB stopping on a damaged file cannot take the
dashboard down with it. The verdict comes from DuckDB failing, never from a guess about the bytes:

1. DuckDB opens the file (read-only, with its log) — or says why not;
2. it has the tables the dashboard needs;
3. every column of every row of every table is read (a hash of each whole row: `count(*)` would be answered
   from the metadata without reading a data block). DuckDB checks each block's checksum as it reads it.
4. The indexes, most of the file, are read only by writes: a scan never sees a bad block there. The bytes are
   looked at (the header's block list, the free list, the checksum at the head of each block in use, the
   file's length), but only to decide whether DuckDB must read the indexes too. When something looks wrong
   there, a copy of the file (never the file) has every row deleted, children first, which makes DuckDB take
   every key out of every index, reading all of it. A file that passes this is sound, whatever the bytes
   suggested: DuckDB itself shortens a file whose last blocks are free without lowering the block count its
   header records (after a rollback rewrote the tables), and such a file is whole.

Only errors of reading (a checksum, a short read, a fatal or internal error) are damage; an error of the check
itself (memory, a constraint the deletions met, no room for the copy) is not, and is reported as such.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import struct
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np

HEADER = 4096
FIRST_BLOCK = 3 * HEADER  # the main header, then two database headers written in turn
_MUL, _SEED = np.uint64(0xBF58476D1CE4E5B9), np.uint64(5381)
_NONE = 2**64 - 1


# ------------------------------------------------------------------------------------------------ the bytes

def _checksum_ok(words: np.ndarray) -> bool:
    """DuckDB's block checksum: the first 8 bytes hold 5381 xor (every other 8-byte word * 0xbf58476d1ce4e5b9)."""
    with np.errstate(over="ignore"):
        return bool(np.bitwise_xor.reduce(words[1:] * _MUL) ^ _SEED == words[0])


@dataclass(frozen=True)
class Header:
    block_count: int  # the blocks the file has held: DuckDB does not lower it when it cuts free blocks off the end
    block_size: int
    free_list: int  # where the list of free blocks is stored (a metadata pointer)


def read_header(head: bytes) -> Header | None:
    """The newer valid of the two database headers, None when neither is valid."""
    best = None
    for offset in (HEADER, 2 * HEADER):
        if len(head) < offset + HEADER or not _checksum_ok(np.frombuffer(head, dtype="<u8", count=HEADER // 8, offset=offset)):
            continue
        iteration, _meta, free_list, block_count, block_size = struct.unpack_from("<QqQQQ", head, offset + 8)
        if block_size and block_size % 8 == 0 and (best is None or iteration > best[0]):
            best = (iteration, Header(block_count, block_size, free_list))
    return None if best is None else best[1]


def _words(path: Path) -> np.ndarray:
    """The file as 8-byte words (a length cut mid-word loses the last few bytes, which no block check reads)."""
    n = Path(path).stat().st_size // 8
    return np.memmap(path, dtype="<u8", mode="r", shape=(n,)) if n else np.zeros(0, dtype="<u8")


def free_blocks(data: np.ndarray, header: Header) -> set[int] | None:
    """The blocks the header's free list names (their content is anything), None when it cannot be read.

    The list is a count and block ids in 8-byte words, written to metadata: each block holds 64 metadata pieces,
    a piece starts with a pointer to the next piece (all ones: none); a pointer is the block id in its low 56
    bits and the piece's index in its high 8."""
    piece_words = (header.block_size - 8) // 64 // 8
    words: list[int] = []
    pointer, hops = header.free_list, 0
    while pointer != _NONE and hops < header.block_count * 64:
        block, index = pointer & (2**56 - 1), pointer >> 56
        if block >= header.block_count or index >= 64:
            return None
        start = (FIRST_BLOCK + block * header.block_size + 8) // 8 + index * piece_words
        if start + piece_words > len(data):  # the piece lies past the end of the file
            return None
        pointer = int(data[start])
        words.extend(int(w) for w in data[start + 1: start + piece_words])
        hops += 1
        if words and len(words) > words[0]:
            break
    if not words or words[0] > header.block_count or len(words) <= words[0]:
        return set() if header.free_list == _NONE else None
    free = set(words[1: 1 + words[0]])
    return free if all(b < header.block_count for b in free) else None


def used_blocks(path: Path) -> tuple[int, list[int]]:
    """(block size, file offsets of the blocks the database uses), from its header: where damage is damage (a free
    block may hold anything). For the fault checks."""
    with open(path, "rb") as f:
        header = read_header(f.read(FIRST_BLOCK))
    free = free_blocks(_words(path), header) or set()
    return header.block_size, [FIRST_BLOCK + b * header.block_size for b in range(header.block_count) if b not in free]


@dataclass(frozen=True)
class Suspicion:
    """What the bytes suggest (never a verdict): blocks in use whose checksum fails, blocks in use past the end of
    the file, or a header or free list that cannot be read."""

    bad: int = 0
    past_end: int = 0
    unreadable: str = ""


def suspect(path: Path) -> Suspicion | None:
    size = Path(path).stat().st_size
    with open(path, "rb") as f:
        header = read_header(f.read(FIRST_BLOCK))
    if header is None:
        return Suspicion(unreadable="header")
    data = _words(path)
    free = free_blocks(data, header)
    if free is None:
        return Suspicion(unreadable="free list")
    per_block, first = header.block_size // 8, FIRST_BLOCK // 8
    bad = past = 0
    for b in range(header.block_count):
        if b in free:
            continue
        if FIRST_BLOCK + (b + 1) * header.block_size > size:
            past += 1
        elif not _checksum_ok(data[first + b * per_block: first + (b + 1) * per_block]):
            bad += 1
    return Suspicion(bad, past) if bad or past else None


# ------------------------------------------------------------------------------------------------ DuckDB

_READ_ERRORS = (duckdb.IOException, duckdb.FatalException, duckdb.InternalException, duckdb.SerializationException)


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _first_line(exc: BaseException) -> str:
    return str(exc).splitlines()[0][:300] if str(exc) else type(exc).__name__


def _read_kind(exc: duckdb.Error) -> str | None:
    """The damage an error of reading shows (None: the error is not one of reading)."""
    text = str(exc)
    if "checksum" in text:
        return "checksum"
    if "read enough bytes" in text:
        return "truncated"
    if isinstance(exc, _READ_ERRORS) or "Corrupt database file" in text:
        return "unreadable"
    return None


def _open_kind(text: str) -> str:
    if "Corrupt database file" in text:  # its headers, or the metadata read at the start
        return "header"
    if "WAL" in text:
        return "wal"
    if "read enough bytes" in text:
        return "truncated"
    return "unreadable"


def _tables(con) -> list[str]:
    return [t for (t,) in con.execute("SELECT table_name FROM duckdb_tables() WHERE NOT temporary ORDER BY 1").fetchall()]


def judge(path: Path, required: frozenset[str] = frozenset(), *, deep: bool | None = None) -> dict:
    """The verdict on the file at `path`: {"kind": None} when DuckDB reads it whole, {"kind": ..., "detail": ...}
    when it fails, {"busy": pid} when another process holds it (pid 0: not said). `deep`: read the indexes too
    (None: only when the bytes suggest damage). An empty file, or one that does not start as a DuckDB file, is
    judged from its bytes: DuckDB would make an empty file a new database, and try an SQLite file with an
    extension."""
    if Path(path).stat().st_size == 0:
        return {"kind": "empty"}
    with open(path, "rb") as f:
        if f.read(12)[8:12] != b"DUCK":
            return {"kind": "not_duckdb"}
    try:
        con = duckdb.connect(str(path), read_only=True)  # a shared lock: no other process writes while we look
    except duckdb.Error as exc:
        text = str(exc)
        if "Could not set lock" in text:
            holder = re.search(r"\(PID (\d+)\)", text)
            return {"busy": int(holder.group(1)) if holder else 0}
        return {"kind": _open_kind(text), "detail": _first_line(exc)}
    try:
        tables = _tables(con)
        if missing := sorted(required - set(tables)):
            return {"kind": "tables", "detail": ", ".join(missing)}
        for t in tables:  # every column of every row: each data block read, and its checksum checked
            con.execute(f"SELECT count(*), sum(hash(x)) FROM {_quoted(t)} x").fetchall()  # noqa: S608 - names from the catalog
    except duckdb.Error as exc:
        kind = _read_kind(exc)
        verdict = {"kind": kind, "detail": _first_line(exc)} if kind else {"kind": None, "unjudged": _first_line(exc)}
    else:
        verdict = {"kind": None}
    finally:
        con.close()
    suspicion = suspect(path)
    if suspicion is not None:
        verdict["suspected"] = suspicion.__dict__
    if verdict["kind"] is None and (deep or (deep is None and suspicion is not None)):
        verdict.update(_read_indexes(path))
    if verdict["kind"] == "checksum":
        verdict["blocks"] = max(1, suspicion.bad if suspicion else 0)  # (DuckDB stops at the first)
    return verdict


def _read_indexes(path: Path) -> dict:
    """Every row of a copy deleted, children first, each table in its own transaction: DuckDB takes every key out
    of every index at the commit, reading each index whole (a row that follows up another of its table goes
    before it)."""
    try:
        scratch_dir = tempfile.mkdtemp(prefix="par-check-")
    except OSError as exc:
        return {"kind": None, "unjudged": f"no room for a copy: {exc}"}
    scratch = Path(scratch_dir) / "check.duckdb"
    try:
        shutil.copyfile(path, scratch)
        if Path(f"{path}.wal").exists():
            shutil.copyfile(f"{path}.wal", f"{scratch}.wal")
    except OSError as exc:
        shutil.rmtree(scratch_dir, ignore_errors=True)
        return {"kind": None, "unjudged": f"no room for a copy: {exc}"}
    try:
        con = duckdb.connect(str(scratch))
        try:
            con.execute("PRAGMA disable_checkpoint_on_shutdown")
            for table, self_refs in _children_first(con):
                _delete_all(con, table, self_refs)
        finally:
            con.close()
    except duckdb.Error as exc:
        kind = _read_kind(exc)
        return {"kind": None, "unjudged": _first_line(exc)} if kind is None else {"kind": kind, "detail": _first_line(exc)}
    finally:
        shutil.rmtree(scratch_dir, ignore_errors=True)
    return {"kind": None, "indexes": "read"}


def _children_first(con) -> list[tuple[str, list[tuple[list[str], list[str]]]]]:
    """Every table after every table that refers to it, with its references to itself ((columns, key columns))."""
    tables = _tables(con)
    parents: dict[str, set[str]] = {t: set() for t in tables}
    self_refs: dict[str, list[tuple[list[str], list[str]]]] = {t: [] for t in tables}
    for table, cols, ref, ref_cols in con.execute(
            """SELECT table_name, constraint_column_names, referenced_table, referenced_column_names
               FROM duckdb_constraints() WHERE constraint_type = 'FOREIGN KEY'""").fetchall():
        if table not in parents or ref not in parents:
            continue
        if table == ref:
            self_refs[table].append((cols, ref_cols))
        else:
            parents[table].add(ref)
    order: list[str] = []
    referred = {t: {c for c in tables if t in parents[c]} for t in tables}  # table -> the tables referring to it
    while len(order) < len(tables):
        ready = [t for t in tables if t not in order and referred[t] <= set(order)]
        order.extend(ready or [t for t in tables if t not in order])  # (a cycle: the deletions meet it, not judged)
    return [(t, self_refs[t]) for t in order]


def _delete_all(con, table: str, self_refs: list[tuple[list[str], list[str]]]) -> None:
    name = _quoted(table)
    if not self_refs:
        con.execute(f"DELETE FROM {name}")  # noqa: S608 - names from the catalog
        return
    # rows no other row of the table refers to, round after round (a follow-up before the finding it follows)
    referred = " OR ".join(
        f"EXISTS (SELECT 1 FROM {name} r WHERE r.rowid <> d.rowid AND "  # noqa: S608 - names from the catalog
        + " AND ".join(f"r.{_quoted(c)} = d.{_quoted(k)}" for c, k in zip(cols, keys, strict=True)) + ")"
        for cols, keys in self_refs)
    while con.execute(f"DELETE FROM {name} d WHERE NOT ({referred})").fetchone()[0]:  # noqa: S608
        pass
    con.execute(f"DELETE FROM {name}")  # noqa: S608 - what is left refers to itself: the deletion says if it can


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m par_dashboard.store.dbcheck", description=__doc__.splitlines()[0])
    parser.add_argument("path", type=Path)
    parser.add_argument("--deep", action="store_true", help="read the indexes too, whatever the bytes suggest")
    parser.add_argument("--require", default="", help="tables the database must have, comma-separated")
    args = parser.parse_args(argv)
    required = frozenset(t for t in args.require.split(",") if t)
    print(json.dumps(judge(args.path, required, deep=True if args.deep else None)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
