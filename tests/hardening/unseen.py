"""Unseen characters and limits (tests/test_import_service.py asserts it).

Whatever unseen characters (format, control, separators other than the space, variation selectors, tags: every
one of the Basic Multilingual Plane and two beyond) sit wherever in an inspection id, NFC or NFD: either the load is
refused and the database is as it was, or the id stored is the id a reader sees, never a second id that looks the
same. And texts past their column's limit (a 201-character team name, a 4 001-character finding, a 1 MB team name
in a workbook and in a CSV) and numbers outside any sane range (1e308 dossiers, infinities, NaN, fractional counts,
a PAPI score over 80, a rank of 1e308) are refused on their rows, nothing written.
"""

from __future__ import annotations

import csv
import io
import shutil
import tempfile
import unicodedata
from pathlib import Path

from hypothesis import strategies as st

from par_dashboard.importing import service, template
from par_dashboard.store.db import Database
from tests.hardening import environment, fuzz
from tests.hardening.invariants import Survey, named, note, survey

# Every character of the Basic Multilingual Plane a reader cannot see (format, control, separators other than the
# space, variation selectors), a tag and a supplementary variation selector: what may hide inside a key.
UNSEEN = [c for c in map(chr, range(0x10000)) if unicodedata.category(c) in ("Cf", "Cc", "Zl", "Zp")
          or 0xFE00 <= ord(c) <= 0xFE0F or c == "\u034f"] + ["\U000e0041", "\U000e0100"]
BASES = st.one_of(st.just("LS-2024-CAOLOC"), st.from_regex(r"TEST-20[0-9]{2}-[A-ZĐƯƠÂ0-9]{1,10}", fullmatch=True))
HIDDEN = st.lists(st.tuples(st.integers(0, 40), st.sampled_from(UNSEEN)), min_size=1, max_size=3)
PINNED = [{"base": "LS-2024-CAOLOC", "hidden": [(14, "\u200b")], "decomposed": False},
          {"base": "TEST-2024-ĐƯ", "hidden": [(0, "\u202e"), (12, "\t")], "decomposed": True}]


def one(db: Database, sql: str, params: dict | None = None):
    with db.cursor() as cur:
        return cur.execute(sql, params or {}).fetchall()


def csv_file(rows: list[dict], sheet: str) -> bytes:
    """A CSV of one record type with the template's Vietnamese headers, as a person's program might write it."""
    spec = template.SHEET_BY_KEY[sheet]
    buf = io.StringIO()
    writer = csv.writer(buf)
    keys = [c.key for c in spec.columns if any(c.key in r for r in rows)]
    writer.writerow([spec.column(k).vi for k in keys])
    for r in rows:
        writer.writerow([r.get(k) for k in keys])
    return buf.getvalue().encode("utf-8")


def visible_ids(db: Database, table: str, column: str) -> dict[str, list[str]]:
    """The stored ids grouped by what a reader sees of them (NFC, without format, control and separator characters,
    told here by their Unicode category alone, independently of the importer's own list)."""
    out: dict[str, list[str]] = {}
    for (key,) in one(db, f"SELECT {column} FROM {table}"):  # noqa: S608 - fixed names
        seen = "".join(c for c in unicodedata.normalize("NFC", key) if unicodedata.category(c)[0] != "C"
                       and unicodedata.category(c) not in ("Zl", "Zp") and not 0xFE00 <= ord(c) <= 0xFE0F)
        out.setdefault(seen, []).append(key)
    return out


def key_violations(db: Database, base: str, hidden: list[tuple[int, str]], decomposed: bool) -> list[str]:
    """`base` (NFD when `decomposed`) with the `hidden` characters put in at their places, as an inspection id in a
    CSV: refused with the database as it was, or stored as `base`; either way no two stored ids look the same."""
    key = unicodedata.normalize("NFD", base) if decomposed else base
    for at, ch in sorted(hidden, reverse=True):
        key = key[:at] + ch + key[at:]
    data = csv_file([{"inspection_id": key, "province": "Lạng Sơn", "year": 2024, "team_label": "Đoàn kiểm tra thử",
                      "started_on": "01/07/2024"}], "inspections")
    before = fuzz.content_hash(db)
    report = service.load(db, data, "doan_kiem_tra.csv", user="test")
    note(report.status if report.status != "rejected" else f"rejected: {report.errors[0].code if report.errors else '?'}")
    wrong = []
    if report.status == "rejected":
        if fuzz.content_hash(db) != before:
            wrong.append("a rejected load changed the database")
    elif report.status not in ("loaded", "unchanged"):
        wrong.append(f"the load ended {report.status}: {[e.message_en for e in report.errors]}")
    elif one(db, "SELECT count(*) FROM inspection WHERE inspection_id = $k", {"k": base}) != [(1,)]:
        wrong.append(f"{key!r} was not stored as {base!r}")
    if twins := {seen: keys for seen, keys in visible_ids(db, "inspection", "inspection_id").items() if len(keys) > 1}:
        wrong.append(f"ids that look the same: {twins}")
    return wrong


# ------------------------------------------------------------------------------------------------ limits

def long_text_rows(good: dict[str, list[dict]]) -> dict[str, list[dict]]:
    """A team name of 201 characters (the limit is 200) and a finding of 4 001 (4 000): refused; one of 4 000 is not."""
    good["inspections"][0]["team_label"] = "Đ" * 201
    good["findings"][0]["text"] = "x" * 4001
    good["findings"][1]["text"] = "y" * 4000  # the limit itself loads
    return good


HUGE = "Đoàn kiểm tra " * 75_000  # 1 050 000 characters


def huge_rows(good: dict[str, list[dict]]) -> dict[str, list[dict]]:
    good["inspections"][0]["team_label"] = HUGE
    return good


def huge_csv() -> bytes:
    return ("Mã đoàn kiểm tra,Tỉnh,Năm,Tên đoàn,Từ ngày\nTEST-BIG-1,Lạng Sơn,2024," + HUGE + ",01/07/2024\n").encode()


OUT_OF_RANGE = [1e308, "1e308", "1e999", "-1e999", "inf", "NaN", float("inf"), 2.5, -1, 1e9 + 1]


def out_of_range_rows() -> dict[str, list[dict]]:
    """A count of each value of OUT_OF_RANGE (rows 2-11), 1e9 itself (row 12, fine), a target of 1e308, a PAPI score
    of 81, a rank of 1e308, a rank out of 200 000."""
    def value(v, code="OPS_DOSSIERS_RECEIVED"):
        return {"unit_id": "S63-D-183", "indicator": code, "year": 2024, "period": "Q2", "value": v}

    return {"indicator_values": [value(v) for v in OUT_OF_RANGE] + [value(1e9, "OPS_PENDING_DOSSIERS")],
            "targets": [{"indicator": "OPS_DOSSIERS_RECEIVED", "province": "Lạng Sơn", "year": 2024, "value": 1e308}],
            "scores": [{"unit_id": "S63-P-20", "year": 2023, "family": "PAPI", "score": 81},
                       {"unit_id": "S63-P-20", "year": 2022, "family": "PAPI", "published_rank": 1e308},
                       {"unit_id": "S63-P-20", "year": 2021, "family": "PAPI", "published_rank": 5, "rank_of": 200_000}]}


OUT_OF_RANGE_ROWS = {("Giá trị chỉ tiêu", r, None) for r in range(2, 2 + len(OUT_OF_RANGE))} | {
    ("Mục tiêu", 2, None), ("Điểm số", 2, None), ("Điểm số", 3, None), ("Điểm số", 4, None)}


def refusal(db: Database, data: bytes, name: str, expected: set[tuple[str, int | None, str | None]]
            ) -> tuple[service.ImportReport, list[str]]:
    """Load a bad file: rejected, no batch, the content, the data version and the batches as they were; and an
    error on each (sheet title, row, code) of `expected` (None: any row, any code). The report, and what is wrong."""
    def version() -> int:
        return one(db, "SELECT max(version) FROM data_version")[0][0]

    before, data_version, n_batches = fuzz.content_hash(db), version(), len(service.batches(db))
    report = service.load(db, data, name, user="test")
    wrong = []
    if report.status != "rejected" or report.batch_id is not None:
        wrong.append(f"not refused: {report.summary('en')}")
    if (fuzz.content_hash(db), version(), len(service.batches(db))) != (before, data_version, n_batches):
        wrong.append("the refused load changed the database")
    errors = {(e.sheet, e.row, e.code) for e in report.errors}
    for sheet, row, code in sorted(expected, key=repr):
        if not any((sheet is None or s == sheet) and (row is None or r == row) and (code is None or c == code) for s, r, c in errors):
            wrong.append(f"no {code or 'error'} on {sheet!r} row {row}: {sorted(errors, key=repr)[:6]}")
    return report, wrong


def limit_cases() -> dict[str, dict]:
    """The named cases: the file, its name and the errors it must get."""
    from tests.test_import_service import good_rows, xlsx

    return {
        "texts one character over their limits": {"data": xlsx(long_text_rows(good_rows())), "name": "du_lieu.xlsx",
                                                   "expected": {("Đoàn kiểm tra", 2, "too_long"), ("Phát hiện", 2, "too_long")}},
        "a 1 MB team name in a workbook": {"data": xlsx(huge_rows(good_rows())), "name": "du_lieu.xlsx",
                                           "expected": {("Đoàn kiểm tra", 2, "too_long")}},
        "a 1 MB team name in a CSV": {"data": huge_csv(), "name": "doan_kiem_tra.csv", "expected": {(None, None, "cell_too_long")}},
        "numbers outside any sane range": {"data": xlsx(out_of_range_rows()), "name": "du_lieu.xlsx",
                                           "expected": OUT_OF_RANGE_ROWS},
    }


# ------------------------------------------------------------------------------------------------ the survey

def run_unseen(db_path: Path, examples: int = 200, seed: int = 0) -> dict:
    """The pinned and `examples` generated keys on one copy of `db_path` (as the test does: each load builds on the
    ones before), then the named limit cases each on a fresh copy: the figures."""
    with tempfile.TemporaryDirectory(prefix="par-unseen-") as tmp, environment(PAR_BACKUP_DIR=str(Path(tmp) / "backups")):
        path = Path(tmp) / "par.duckdb"
        shutil.copy(db_path, path)
        db = Database(path)
        try:
            keys = survey(lambda base, hidden, decomposed: key_violations(db, base, hidden, decomposed), examples=examples,
                          cases=PINNED, seed=seed, base=BASES, hidden=HIDDEN, decomposed=st.booleans())
        finally:
            db.close()

        def on_a_copy(**case) -> list[str]:
            copy = Path(tmp) / "limits.duckdb"
            copy.with_name("limits.duckdb.wal").unlink(missing_ok=True)
            shutil.copy(db_path, copy)
            limits_db = Database(copy)
            try:
                return refusal(limits_db, **case)[1]
            finally:
                limits_db.close()

        limits = named(on_a_copy, limit_cases())
    return Survey().add(keys).add(limits).figures() | {"keys": keys.counts(), "limits": limits.counts(),
                                                       "unseen_characters": len(UNSEEN), "out_of_range": len(OUT_OF_RANGE_ROWS)}
