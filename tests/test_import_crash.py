"""An import killed mid-way (SIGKILL, at random moments) leaves the database with the whole batch or none of it,
and the database opens fine afterwards."""

import random
import shutil
import signal
import subprocess
import sys
import time

import pytest

from par_dashboard.db import Database
from tests.browser import ROOT
from tests.test_import_service import content_hash, one, xlsx

N_FINDINGS = 20_000
INSPECTION = "CRASH-LS-2024"


@pytest.fixture(scope="module")
def big_file(tmp_path_factory):
    """One new inspection with 20,000 findings: long enough to be killed while reading, checking or writing."""
    rows = {
        "inspections": [{"inspection_id": INSPECTION, "province": "S63-P-20", "year": 2024, "team_label": "Đoàn kiểm tra thử",
                         "started_on": "01/08/2024", "ended_on": "02/08/2024"}],
        "findings": [{"finding_id": f"{INSPECTION}-{i:05d}", "inspection_id": INSPECTION, "unit_id": "S63-D-183",
                      "area": f"A{i % 8 + 1}", "kind": "Kết quả", "text": f"Phát hiện thử số {i}."} for i in range(N_FINDINGS)],
    }
    path = tmp_path_factory.mktemp("crash") / "lon.xlsx"
    path.write_bytes(xlsx(rows))
    return path


WRITING = "Đang ghi vào cơ sở dữ liệu"  # the command line says so when the transaction starts writing


def _start(file, db_path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "par_dashboard", "import", str(file), "--db", str(db_path), "--user", "crash"],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True)


def _wait_for(proc: subprocess.Popen, text: str) -> bool:
    for line in proc.stderr:
        if text in line:
            return True
    return False


def _state(db_path) -> str:
    """'whole' or 'none' (anything else fails the test)."""
    db = Database(db_path)  # opens (and replays its log) after the kill
    try:
        has_batch_table = one(db, "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'import_batch'")[0][0]
        batches = one(db, "SELECT batch_id, status, added FROM import_batch") if has_batch_table else []
        findings = one(db, "SELECT count(*) FROM finding WHERE inspection_id = $i", {"i": INSPECTION})[0][0]
        inspections = one(db, "SELECT count(*) FROM inspection WHERE inspection_id = $i", {"i": INSPECTION})[0][0]
        sources = one(db, "SELECT count(*) FROM source WHERE kind = 'import_batch'")[0][0]
        changes = one(db, "SELECT count(*) FROM import_change")[0][0] if has_batch_table else 0
        if batches == [(1, "loaded", N_FINDINGS + 1)] and (findings, inspections, sources) == (N_FINDINGS, 1, 1) \
                and changes == N_FINDINGS + 2:
            return "whole"
        if not batches and (findings, inspections, sources, changes) == (0, 0, 0, 0):
            return "none"
        return f"partial: batches={batches} findings={findings} inspections={inspections} sources={sources} changes={changes}"
    finally:
        db.close()


def test_killing_the_import_leaves_the_whole_batch_or_none(built_db, big_file, tmp_path):
    original = tmp_path / "original.duckdb"
    shutil.copy(built_db, original)
    db = Database(original)
    before = content_hash(db)
    db.close()

    # how long a whole import takes here (and its writing part), and that it does load
    path = tmp_path / "full.duckdb"
    shutil.copy(original, path)
    t0 = time.perf_counter()
    proc = _start(big_file, path)
    assert _wait_for(proc, WRITING)
    t_writing = time.perf_counter()
    assert proc.wait(timeout=600) == 0
    duration, writing = time.perf_counter() - t0, time.perf_counter() - t_writing
    assert _state(path) == "whole"

    seed = random.randrange(1_000_000)
    rng = random.Random(seed)
    outcomes = []
    for run in range(6):
        path = tmp_path / f"run{run}.duckdb"
        shutil.copy(original, path)
        proc = _start(big_file, path)
        if run < 2:  # anywhere: reading, checking or writing
            delay = rng.uniform(0.15 * duration, 1.05 * duration)
            time.sleep(delay)
        else:  # inside the transaction, while it writes (or commits)
            assert _wait_for(proc, WRITING)
            delay = rng.uniform(0, 1.1 * writing)
            time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
        state = _state(path)
        outcomes.append((run, round(delay, 3), proc.returncode, state))
        assert state in ("whole", "none"), f"seed {seed}: {outcomes}"
        db = Database(path)
        try:
            if state == "none":
                assert content_hash(db) == before, f"seed {seed}, run {run}"
            else:  # and a whole batch can be rolled back after the crash
                assert content_hash(db) != before
        finally:
            db.close()
