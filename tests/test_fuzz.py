"""Fuzzing (tests/hardening/fuzz.py) with a fixed seed and a few cases per target: no crash, no hang, the
database unchanged by every rejected file, the encoding round trips holding. The long run: scripts/fuzz.py."""

import json

import pytest
from hypothesis import strategies as st

from tests.hardening import fuzz

EXAMPLES = {"reader_xlsx": 60, "reader_csv": 60, "encoding": 150, "extract_text": 60, "extract_file": 60, "service": 12}


@pytest.mark.parametrize("target", list(EXAMPLES))
def test_fuzzing_finds_nothing(built_db, tmp_path, target):
    figures = fuzz.run_fuzz(examples=EXAMPLES[target], targets=[target], db_path=built_db, seed=8, artifacts=tmp_path)
    assert figures["failures"] == [], json.dumps(figures["failures"], ensure_ascii=False, indent=1)
    assert figures["cases"] == EXAMPLES[target]
    assert (figures["crashes"], figures["hangs"], figures["db_changed_on_rejection"], figures["wrong"]) == (0, 0, 0, 0)


class _Fragile(fuzz._Target):
    """A target with a bug and a slow path: what the fuzzer must catch, save and replay."""

    strategy = st.binary(max_size=8).map(lambda b: ("x.csv", b))

    def check(self, value):
        name, data = value
        if data[:1] == b"\x00":
            raise KeyError("a bug")
        if data[:1] == b"\x01":
            while True:  # a loop that never ends: the CPU-time alarm stops it
                pass
        return []


def test_the_fuzzer_counts_saves_and_tells_apart_crashes_and_hangs(tmp_path):
    figures = fuzz._Figures()
    for data in (b"\x00crash", b"\x00crash again", b"\x01", b"fine"):
        fuzz._run_case("fragile", _Fragile(), ("x.csv", data), figures, 0.3, tmp_path)
    assert (figures.cases, figures.crashes, figures.hangs) == (4, 2, 1)
    assert [f["kind"] for f in figures.failures] == ["crash", "hang"]  # the same crash twice is saved once
    saved = tmp_path / figures.failures[0]["input"].rsplit("/", 1)[-1]
    assert saved.read_bytes() == b"\x00crash" and "KeyError" in figures.failures[0]["detail"]
    assert json.loads(saved.with_suffix(".json").read_text())["target"] == "fragile"


def test_a_saved_input_is_replayed(built_db, tmp_path):
    figures = fuzz._Figures()
    fuzz._run_case("reader_csv", fuzz._ReaderCsv(), ("x.csv", b"a;b\n1;2\n"), figures, 5, tmp_path)
    assert figures.failures == []
    path = tmp_path / "reader_csv-crash-replay.bin"
    path.write_bytes(b"province;year\n\xff\xfe;2024\n")
    path.with_suffix(".json").write_text(json.dumps({"target": "reader_csv", "name": "x.csv", "repr": False}))
    assert fuzz.reproduce(path, db_path=built_db) == []


# ------------------------------------------------------------------------------------------------ what fuzzing found

def test_a_workbook_whose_sheet_does_not_parse_is_refused_not_a_crash():
    """Found by fuzzing: a sheet's XML that breaks after its rows (here a NUL byte) raised a ParseError out of the
    reader (what breaks before them, openpyxl already refuses on opening)."""
    import io
    import zipfile

    from par_dashboard.importing import reader

    good = fuzz._seeds("xlsx")[1]
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(good)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            dst.writestr(info.filename, body.replace(b"</sheetData>", b"</sheetData>\x00", 1) if info.filename.startswith("xl/worksheets/")
                         else body)
    raw = reader.read(out.getvalue(), "hong.xlsx")
    assert [e.code for e in raw.errors] == ["not_a_spreadsheet"] and not raw.sheets


def test_a_partial_load_without_one_valid_row_is_rejected(built_db, tmp_path, monkeypatch):
    """Found by fuzzing: with --partial and every row invalid, the load went on to write an empty batch and failed
    inside DuckDB ("connection has an unfinished result")."""
    import shutil

    from par_dashboard.importing import service
    from par_dashboard.store.db import Database

    monkeypatch.setenv("PAR_BACKUP_DIR", str(tmp_path / "backups"))
    path = tmp_path / "par.duckdb"
    shutil.copyfile(built_db, path)
    data = ("Mã đơn vị,Mã chỉ số *,Năm *,Giá trị *\nS63-D-999999,OPS_ONTIME_PCT,2024,99.8\n"
            "S63-D-999998,OPS_ONTIME_PCT,2024,97\n").encode()
    db = Database(path)
    try:
        before = fuzz.content_hash(db)
        report = service.load(db, data, "gia_tri_chi_so.csv", user="test", partial=True)
        assert report.status == "rejected" and report.rejected == 2 and report.batch_id is None
        assert fuzz.content_hash(db) == before and service.batches(db).empty
    finally:
        db.close()
