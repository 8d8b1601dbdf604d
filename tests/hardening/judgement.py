"""A sound database is never judged damaged: `check` never replaces a database that opens and scans
(tests/test_backup_judgement.py asserts it), and a damaged one is still found.

Sequences of imports, rollbacks, checkpoints and backups on a real DuckDB file, the file closed after each step and
judged as the `check` command and the dashboard's start judge it: never set aside nor replaced, holding what the
steps made, every backup taken sound. DuckDB cuts free blocks off the end of a file without lowering the block count
its header records: after a rollback (which rewrites the tables) the file is shorter than that count says, and whole.
Then a block that holds no table's data (an index's) is overwritten: DuckDB reading the indexes must find it.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from pathlib import Path

import duckdb
from hypothesis import strategies as st

from par_dashboard.building import recovery
from par_dashboard.importing import service
from par_dashboard.paths import SCHEMA_FILE
from par_dashboard.store import backup
from par_dashboard.store.db import Database
from tests.hardening import environment
from tests.hardening.invariants import Survey, note, survey

# The reference tables an import looks names up in; the large tables (findings, values, scores) are left empty,
# so that a rollback, which rewrites the tables that refer to the sources, takes a second rather than several.
_REFERENCE = ("source", "admin_structure", "par_area", "index_family", "indicator", "data_version")


def small_database(built: Path, path: Path) -> Path:
    """The built database's schema and reference tables, without its large tables (10 MB, not 50), at `path`."""
    source = path.with_name("source.duckdb")  # a copy: this process may hold the built database open
    shutil.copy(built, source)
    con = duckdb.connect(str(path))
    try:
        con.execute(SCHEMA_FILE.read_text(encoding="utf-8"))
        con.execute("ATTACH ? AS b (READ_ONLY)", [str(source)])
        for t in _REFERENCE:
            con.execute(f"INSERT INTO {t} SELECT * FROM b.{t}")  # noqa: S608 - fixed names
        for level in ("province", "district", "commune", "department"):  # a unit after its parent
            con.execute("INSERT INTO admin_unit SELECT * FROM b.admin_unit WHERE level = ?", [level])
        con.execute("INSERT INTO unit_crosswalk SELECT * FROM b.unit_crosswalk")
        con.execute("DETACH b")
        con.execute("CHECKPOINT")
    finally:
        con.close()
    source.unlink()
    return path


def rows(iid: str, n_findings: int = 2) -> dict[str, list[dict]]:
    """A new inspection in Lạng Sơn with a visited unit and `n_findings` findings (nothing another batch shares)."""
    return {
        "inspections": [{"inspection_id": iid, "province": "Lạng Sơn", "year": 2024, "team_label": f"Đoàn {iid}",
                         "started_on": "01/07/2024", "ended_on": "02/07/2024"}],
        "inspection_units": [{"inspection_id": iid, "unit_name": "Huyện Cao Lộc", "unit_province": "Lạng Sơn",
                              "visited_on": "01/07/2024"}],
        "findings": [{"finding_id": f"{iid}-{i}", "inspection_id": iid, "area": "A3", "kind": "Tồn tại, hạn chế",
                      "text": f"Phát hiện {i} của {iid}."} for i in range(n_findings)],
    }


def workbook(rows: dict[str, list[dict]]) -> bytes:
    from tests.test_import_service import xlsx

    return xlsx(rows)


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def inspections(path: Path) -> set[str]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return {i for (i,) in con.execute("SELECT inspection_id FROM inspection").fetchall()}
    finally:
        con.close()


def set_aside(path: Path) -> list[Path]:
    return sorted(path.parent.glob(f"{path.name}.*-*"))  # .damaged-<time>, .before-restore-<time>


def damage_an_index_block(path: Path) -> bool:
    """Overwrite 8 bytes in the middle of the last used block that holds no table's data (an index's); False when
    the file has none. The bytes only say where DuckDB must look: a file DuckDB reads whole is sound, one it cannot
    is not."""
    from par_dashboard.store.dbcheck import FIRST_BLOCK, used_blocks

    con = duckdb.connect(str(path), read_only=True)
    try:
        data = {b for t in backup.REQUIRED_TABLES
                for (b,) in con.execute("SELECT DISTINCT block_id FROM pragma_storage_info(?) WHERE block_id >= 0", [t]).fetchall()}
    finally:
        con.close()
    size, offsets = used_blocks(path)
    index_like = [o for o in offsets if (o - FIRST_BLOCK) // size not in data and (o - FIRST_BLOCK) // size > 0]
    if not index_like:
        return False
    with open(path, "r+b") as f:
        f.seek(index_like[-1] + size // 2)
        f.write(b"\xff" * 8)
    return True


OPS = st.lists(st.tuples(st.sampled_from(["import", "rollback", "checkpoint", "backup"]), st.integers(0, 2**16)),
               min_size=2, max_size=4)
PINNED = [{"steps": [("import", 1), ("rollback", 0), ("import", 2), ("rollback", 0)]}]  # the report's sequence


def sequence_violations(small_db: Path, steps: list[tuple[str, int]], *, damage: bool = False) -> list[str]:
    """After each step the file is closed and checked as the `check` command and the dashboard's start do: it is
    never set aside nor replaced, holds what the steps made (the inspections of the batches not rolled back), and
    every backup taken is sound. With `damage`, an index block of the final file is then overwritten: DuckDB must
    find it (a sequence that left no index block is noted, not judged)."""
    with tempfile.TemporaryDirectory(prefix="par-judge-") as tmp, environment(PAR_BACKUP_DIR=str(Path(tmp) / "backups")):
        path = Path(tmp) / "par.duckdb"
        shutil.copyfile(small_db, path)
        live: dict[int, str] = {}  # batch -> its inspection
        for n, (op, pick) in enumerate(steps):
            db = Database(path)
            try:
                if op == "import":
                    iid = f"PROP-{n}-{pick}"
                    report = service.load(db, workbook(rows(iid, 1 + pick % 3)), f"{iid}.xlsx", user="test")
                    if report.status != "loaded":
                        return [f"step {n} ({op}): the import did not load: {report.summary('en')}"]
                    live[report.batch_id] = iid
                elif op == "rollback" and live:
                    batch = sorted(live)[pick % len(live)]
                    if service.rollback(db, batch, user="test").status != "rolled_back":
                        return [f"step {n} ({op}): batch {batch} was not rolled back"]
                    del live[batch]
                elif op == "checkpoint":
                    with db.cursor() as cur:
                        cur.execute("CHECKPOINT")
                elif op == "backup":
                    taken = backup.backup(db, "property")
                    if (diagnosis := backup.diagnose(taken)) is not None:
                        return [f"step {n} ({op}): the backup just taken is judged damaged: {diagnosis}"]
            finally:
                db.close()
            made = sha(path)
            if (notice := recovery.recover(path)) is not None:
                return [f"step {n} ({op}): a sound file was recovered: {notice.en}"]
            if set_aside(path) or sha(path) != made:
                return [f"step {n} ({op}): the file was set aside or replaced ({[p.name for p in set_aside(path)]})"]
            if (held := inspections(path)) != set(live.values()):
                return [f"step {n} ({op}): the file holds {sorted(held)}, the steps made {sorted(live.values())}"]
        unsound = [b.path.name for b in backup.backups(path) if backup.diagnose(b.path) is not None]
        if unsound:
            return [f"backups judged damaged: {unsound}"]
        if damage:
            if not damage_an_index_block(path):
                note("no index block to damage")
            elif backup.diagnose(path) is None:
                return ["an overwritten index block was not found"]
            else:
                note("damaged index block found")
    return []


def run_judgement(db_path: Path, examples: int = 20, seed: int = 0) -> dict:
    """The pinned sequence and `examples` generated ones on the small database made from `db_path`, each followed by
    an index block overwritten: the figures (steps run, damage found)."""
    with tempfile.TemporaryDirectory(prefix="par-judgement-") as tmp:
        small = small_database(db_path, Path(tmp) / "small.duckdb")
        steps = []

        def check(steps_: list) -> list[str]:
            steps.append(len(steps_))
            return sequence_violations(small, steps_, damage=True)

        result: Survey = survey(lambda steps: check(steps), examples=examples, cases=PINNED, seed=seed, steps=OPS)
    return result.figures() | {"steps": sum(steps), "damaged": result.outcomes.get("damaged index block found", 0),
                               "undamageable": result.outcomes.get("no index block to damage", 0)}
