"""Fuzzing the code that reads what people upload: `run_fuzz(seconds=... | examples=..., targets=...)`.

Hypothesis draws the inputs, from real seeds mutated (bytes flipped, inserted, cut; inside the zip of a workbook
a member's XML mutated; template rows filled with odd values), for each target:

    reader_xlsx   importing.reader.read on workbooks        reader_csv   the same on CSV bytes in every encoding
    service       importing.service validate + load on a copy of the database (validate and a rejected or unchanged
                  load must leave its content hash as it was; after a load the copy is put back)
    encoding      importing.encoding on random text: no crash, and the round trips that exist hold
    extract_text  extract.extract_text on Vietnamese-ish text     extract_file  extract.read_file on .docx/.pdf/.txt

A crash is any exception other than what the function documents as its refusal (reader and service: none, they
report problems; decode_bytes: EncodingError; encode_cp1258: UnicodeEncodeError; read_file: UnreadableFile). A
hang is a case over `case_limit` seconds of CPU time (interrupted by a CPU-time alarm when it runs Python code; a
C loop holding the interpreter is measured when it returns), or over WALL_FACTOR times that on the clock. Each
failing input is saved under artifacts/fuzz/ (`<target>-<kind>-<hash>.bin`, with a .json saying what happened);
`reproduce(path)` runs one again.
"""

from __future__ import annotations

import ast
import contextlib
import datetime as dt
import hashlib
import io
import json
import logging
import os
import re
import shutil
import signal
import tempfile
import threading
import time
import traceback
import unicodedata
import warnings
import zipfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st

from par_dashboard.paths import DEFAULT_DB, REPORTS_DIR, ROOT

ARTIFACTS = ROOT / "artifacts" / "fuzz"
TARGETS = ("reader_xlsx", "reader_csv", "service", "encoding", "extract_text", "extract_file")
CASE_LIMIT = 5.0  # seconds of CPU time a case may take
WALL_FACTOR = 12  # and of the clock, this many times that (a case that waits forever is a hang too)
_CHUNK = 25  # examples per hypothesis run when fuzzing for a time (a new seed per run)


class _Hang(BaseException):  # noqa: N818 - raised by the alarm; BaseException so that `except Exception` in the code under test lets it through
    pass


@dataclass
class _Figures:
    cases: int = 0
    crashes: int = 0
    hangs: int = 0
    db_changed_on_rejection: int = 0
    wrong: int = 0  # a round trip that does not hold
    seconds: float = 0.0
    failures: list[dict] = field(default_factory=list)
    seen: set[tuple] = field(default_factory=set)


# ------------------------------------------------------------------------------------------------ seeds

def _reports() -> list[str]:
    return [p.read_text(encoding="utf-8") for p in sorted(REPORTS_DIR.glob("*.txt"))]


def _good_rows() -> dict[str, list[dict]]:
    from par_dashboard.importing.template import example_rows

    return example_rows("vi")


def _xlsx_seeds() -> list[bytes]:
    from par_dashboard.importing.template import Catalogue, example_rows, template_workbook, write_workbook

    catalogue = Catalogue.from_seed()
    return [template_workbook("vi", catalogue), write_workbook(example_rows("vi"), lang="vi", catalogue=catalogue),
            write_workbook(example_rows("en"), lang="en", catalogue=catalogue)]


def _csv_text(sheet_key: str, rows: list[dict], lang: str, delimiter: str) -> str:
    import csv

    from par_dashboard.importing.template import SHEET_BY_KEY

    spec = SHEET_BY_KEY[sheet_key]
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow([c.header(lang) for c in spec.columns])
    for row in rows:
        writer.writerow(["" if row.get(c.key) is None else _cell_text(row.get(c.key)) for c in spec.columns])
    return buf.getvalue()


def _cell_text(value) -> str:
    if isinstance(value, dt.date):
        return f"{value:%d/%m/%Y}"
    return str(value)


def _csv_seeds() -> list[tuple[str, bytes]]:
    """(file name, bytes): each sheet of the example rows as a CSV, in UTF-8, UTF-8 with a BOM, UTF-16 and Windows-1258."""
    from par_dashboard.importing.encoding import encode_cp1258

    out = []
    for i, (key, rows) in enumerate(_good_rows().items()):
        text = _csv_text(key, rows, "vi" if i % 2 == 0 else "en", ",;\t"[i % 3])
        codec = ("utf-8", "utf-8-sig", "utf-16", "cp1258")[i % 4]
        try:
            data = encode_cp1258(text) if codec == "cp1258" else text.encode(codec)
        except UnicodeEncodeError:
            data = text.encode("utf-8")
        out.append((f"{key}.csv", data))
    return out


def _docx(paragraphs: list[str]) -> bytes:
    import docx

    document = docx.Document()
    for p in paragraphs:
        document.add_paragraph(p)
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "Chỉ số", "Giá trị"
    table.cell(1, 0).text, table.cell(1, 1).text = "PAR INDEX", "89,5"
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def _pdf(lines: list[str]) -> bytes:
    """A small, valid PDF with a text layer (Helvetica, so ASCII text), written by hand with a correct xref."""
    text = "BT /F1 11 Tf 40 800 Td 14 TL " + " ".join(
        "(" + line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ") '" for line in lines) + " ET"
    stream = text.encode("latin-1", "replace")
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
               b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1) + b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def _file_seeds() -> list[tuple[str, bytes]]:
    from par_dashboard.importing.encoding import to_tcvn3, to_vni

    text = _reports()[0]
    lines = [line for line in text.splitlines() if line.strip()][:40]
    ascii_lines = [unicodedata.normalize("NFD", line).encode("ascii", "ignore").decode() for line in lines]
    return [("bao-cao.docx", _docx(lines)), ("bao-cao.pdf", _pdf(ascii_lines)), ("bao-cao.txt", text.encode("utf-8")),
            ("bao-cao-utf16.txt", text.encode("utf-16")), ("bao-cao-tcvn3.txt", to_tcvn3(text).encode("cp1252", "replace")),
            ("bao-cao-vni.txt", to_vni(text).encode("cp1252", "replace"))]


# ------------------------------------------------------------------------------------------------ strategies

_POSITION = st.integers(0, 2**31)


@st.composite
def _mutated(draw, data: bytes, max_ops: int = 6) -> bytes:
    """Bytes flipped, overwritten, inserted, cut, repeated or truncated, at drawn positions."""
    out = bytearray(data)
    for _ in range(draw(st.integers(1, max_ops))):
        op = draw(st.sampled_from(["flip", "overwrite", "insert", "delete", "repeat", "truncate"]))
        at = draw(_POSITION) % (len(out) + 1)
        if op == "flip" and out:
            at = min(at, len(out) - 1)
            out[at] ^= 1 << draw(st.integers(0, 7))
        elif op == "overwrite":
            chunk = draw(st.binary(min_size=1, max_size=16))
            out[at:at + len(chunk)] = chunk
        elif op == "insert":
            out[at:at] = draw(st.binary(min_size=1, max_size=64) | st.sampled_from(_INTERESTING))
        elif op == "delete":
            del out[at:at + draw(st.integers(1, 512))]
        elif op == "repeat":
            out[at:at] = bytes(out[at:at + draw(st.integers(1, 256))]) * draw(st.integers(2, 8))
        elif op == "truncate":
            del out[at:]
    return bytes(out)


_INTERESTING = [b"\x00", b"\xff\xfe", b"\xef\xbb\xbf", b"\r\n", b'"', b";", b"\t", b"=1+1", b"<", b"</", b"&amp;",
                b"\xc3", b"\xe1\xbb", b"99999999999999999999", b"-1", b"1e308", b"NaN", b"<f>SUM(A1)</f>",
                b'<c r="A1048577">', b'ref="A1:XFD1048576"', b"<mergeCell ref=\"A1:ZZ99999\"/>"]


@st.composite
def _zip_member_mutated(draw, data: bytes) -> bytes:
    """One member of the workbook's zip mutated (its XML, mostly), the zip written again: past the zip check."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        members = [(i, z.read(i.filename)) for i in z.infolist()]
    names = [i.filename for i, _ in members]
    target = draw(st.sampled_from(sorted(names, key=lambda n: (not n.startswith("xl/worksheets/"), n))))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a duplicate member name is one of the mutations
        for info, body in members:
            if info.filename == target:
                body = draw(_mutated(body))
            z.writestr(info.filename, body)
        if draw(st.booleans()) and draw(st.booleans()):
            z.writestr(draw(st.sampled_from(["xl/worksheets/sheet99.xml", "../evil.xml", "xl/sharedStrings.xml"])),
                       draw(st.binary(max_size=200)))
    return out.getvalue()


_ODD_TEXT = st.one_of(
    st.text(max_size=60),
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=300),
    st.sampled_from(["=1+1", "=HYPERLINK(\"http://x\")", "+84", "@SUM(1)", "-", "  ", "NULL", "None", "nan", "inf",
                     "'; DROP TABLE finding; --", "<script>alert(1)</script>", "../../etc/passwd", "S63-P-20",
                     "S63-D-183", "S34-P-01", "Lạng Sơn", "Hµ Néi", "Haø Noäi", "Thành phố Hà Nội", "31/02/2024",
                     "2024-13-45", "01/01/0001", "99/99/9999", "A9", "TOTAL", "PAR_INDEX", "có", "yes", "1e309",
                     "x" * 5000, "Đoàn 1", "Kết quả", "Tồn tại, hạn chế"]),
)
_ODD_VALUE = st.one_of(
    _ODD_TEXT, st.none(), st.integers(-2**63, 2**63 - 1), st.floats(allow_nan=True, allow_infinity=True),
    st.dates(min_value=dt.date(1900, 1, 1)), st.booleans(), st.integers(1990, 2035),
)


def _printable(value):
    """openpyxl refuses control characters in a cell (so would Excel): leave them out of generated cells."""
    if isinstance(value, str):
        return "".join(ch for ch in value if ch in "\t\n" or unicodedata.category(ch) not in ("Cc", "Cs"))
    return value


@st.composite
def _rows(draw) -> dict[str, list[dict]]:
    """Template rows: the example rows with some cells replaced by odd values, and some rows of odd values."""
    from par_dashboard.importing.template import SHEET_BY_KEY

    rows = {k: [dict(r) for r in v] for k, v in _good_rows().items()}
    for key in draw(st.lists(st.sampled_from(sorted(rows)), max_size=3)):
        spec = SHEET_BY_KEY[key]
        if rows[key] and draw(st.booleans()):
            row = draw(st.sampled_from(rows[key]))
            for col in draw(st.lists(st.sampled_from([c.key for c in spec.columns]), min_size=1, max_size=4)):
                row[col] = _printable(draw(_ODD_VALUE))
        else:
            rows[key].append({c.key: _printable(draw(_ODD_VALUE)) for c in spec.columns if draw(st.booleans())})
    if draw(st.booleans()):
        for key in draw(st.lists(st.sampled_from(sorted(rows)), max_size=4)):
            rows.pop(key, None)
    return rows


@st.composite
def xlsx_inputs(draw) -> tuple[str, bytes]:
    from par_dashboard.importing.template import Catalogue, write_workbook

    mode = draw(st.sampled_from(["bytes", "member", "member", "cells"]))
    if mode == "cells":
        return "fuzz.xlsx", write_workbook(draw(_rows()), lang=draw(st.sampled_from(["vi", "en"])),
                                           catalogue=Catalogue.from_seed())
    base = draw(st.sampled_from(_seeds("xlsx")))
    data = draw(_mutated(base)) if mode == "bytes" else draw(_zip_member_mutated(base))
    return draw(st.sampled_from(["fuzz.xlsx", "fuzz.xlsm", "fuzz", "fuzz.csv"])), data


@st.composite
def csv_inputs(draw) -> tuple[str, bytes]:
    from par_dashboard.importing.encoding import encode_cp1258, to_tcvn3, to_vni

    mode = draw(st.sampled_from(["bytes", "cells", "cells"]))
    if mode == "bytes":
        name, base = draw(st.sampled_from(_seeds("csv")))
        return name, draw(_mutated(base))
    rows = draw(_rows())
    key = draw(st.sampled_from(sorted(rows) or ["findings"]))
    text = _csv_text(key, rows.get(key, []), draw(st.sampled_from(["vi", "en"])), draw(st.sampled_from([",", ";", "\t", "|"])))
    font = draw(st.sampled_from(["unicode", "unicode", "tcvn3", "vni"]))
    text = {"tcvn3": to_tcvn3, "vni": to_vni}.get(font, str)(text)
    codec = draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "cp1258", "cp1252"]))
    try:
        data = encode_cp1258(text) if codec == "cp1258" else text.encode(codec)
    except UnicodeEncodeError:
        data = text.encode("utf-8")
    return draw(st.sampled_from([f"{key}.csv", "fuzz.csv", "fuzz.txt"])), data


@st.composite
def vietnamese_text(draw, max_words: int = 400) -> str:
    """Words from the real reports, shuffled and mixed with random words, numbers, dates and punctuation."""
    words = [w for text in _seeds("reports") for w in text.split()]
    pieces = draw(st.lists(st.one_of(
        st.sampled_from(words), st.sampled_from(words), st.sampled_from(words),
        st.text(max_size=12), st.integers(-10**6, 10**9).map(str), st.floats(allow_nan=True).map(lambda f: f"{f:,}".replace(",", ".")),
        st.sampled_from(["\n", "\n\n", ".", ",", ";", ":", "(", ")", "%", "điểm", "tỷ lệ", "năm 2024", "ngày 31/12/2023",
                         "Đoàn kiểm tra số", "Trưởng đoàn", "UBND huyện", "xã", "tỉnh", "https://x.vn/a-b.html",
                         "Kế hoạch số 12/KH-UBND", "Quyết định", "tồn tại", "hạn chế", "đạt 100%", "99,5 %"])),
        max_size=max_words))
    if draw(st.booleans()):  # a slice of a real report, mutated
        text = draw(st.sampled_from(_seeds("reports")))
        start = draw(_POSITION) % max(1, len(text))
        pieces = [text[start:start + draw(st.integers(0, 6000))], *pieces]
    return " ".join(pieces)


@st.composite
def file_inputs(draw) -> tuple[str, bytes]:
    name, base = draw(st.sampled_from(_seeds("files")))
    if name.endswith(".docx") and draw(st.booleans()):
        data = draw(_zip_member_mutated(base))
    else:
        data = draw(_mutated(base, max_ops=draw(st.integers(1, 8))))
    return draw(st.sampled_from([name, name, "x.docx", "x.pdf", "x.txt", "x", "x.doc"])), data


_SEED_CACHE: dict[str, list] = {}


def _seeds(kind: str) -> list:
    if kind not in _SEED_CACHE:
        _SEED_CACHE[kind] = {"xlsx": _xlsx_seeds, "csv": _csv_seeds, "files": _file_seeds, "reports": _reports}[kind]()
    return _SEED_CACHE[kind]


@st.composite
def vietnamese_words(draw) -> str:
    """Real Vietnamese: words of the reports (letters only), in any order and case, with numbers."""
    words = sorted({w for text in _seeds("reports") for w in re.findall(r"[^\W\d_]+", text)})
    text = " ".join(draw(st.lists(st.sampled_from(words) | st.integers(0, 10**6).map(str), min_size=1, max_size=12)))
    return draw(st.sampled_from([text, text.lower(), text.upper(), text.title()]))


# ------------------------------------------------------------------------------------------------ targets

class _Target:
    """A strategy and a check; `check` raises for a crash and returns a list of problems of other kinds."""

    strategy: st.SearchStrategy
    refusals: tuple[type[BaseException], ...] = ()
    case_limit: float | None = None  # None: run_fuzz's
    interruptible = True
    outcomes: Counter  # how the cases ended (the service: the load's status), to see how deep the inputs reach

    def check(self, value) -> list[tuple[str, str]]:
        raise NotImplementedError

    def close(self) -> None:
        pass


class _ReaderXlsx(_Target):
    strategy = xlsx_inputs()

    def __init__(self):
        self.outcomes = Counter()

    def check(self, value):
        from par_dashboard.importing import reader

        name, data = value
        raw = reader.read(data, name, max_bytes=reader.MAX_BULK_BYTES)
        _raw_file_sane(raw)
        self.outcomes["read" if raw.sheets else raw.errors[0].code if raw.errors else "nothing"] += 1
        return []


class _ReaderCsv(_ReaderXlsx):
    strategy = csv_inputs()


def _raw_file_sane(raw) -> None:
    """What a reader returns is what its callers rely on: errors have messages in both languages."""
    for e in raw.errors:
        if not (e.message_vi and e.message_en):
            raise AssertionError(f"an error without a message: {e}")


class _Encoding(_Target):
    strategy = st.one_of(st.tuples(st.just("text"), st.text(max_size=200)),
                         st.tuples(st.just("words"), vietnamese_words()),
                         st.tuples(st.just("bytes"), st.binary(max_size=300)))

    def check(self, value):
        from par_dashboard.importing import encoding as enc

        kind, x = value
        if kind == "bytes":
            with contextlib.suppress(enc.EncodingError):
                decoded = enc.decode_bytes(x)
                if unicodedata.normalize("NFC", decoded.text) != decoded.text:
                    return [("wrong", "decode_bytes returned text that is not NFC")]
            return []
        wrong = []
        for fn in (enc.to_tcvn3, enc.to_vni, enc.from_tcvn3, enc.from_vni, enc.vietnamese_share):
            fn(x)
        fixed, name = enc.fix_legacy(x)
        if name is None and fixed != x:
            wrong.append(("wrong", "fix_legacy changed a text it did not convert"))
        enc.detect_legacy(x.split())
        for word in x.split():
            enc.is_syllable(word)
        with contextlib.suppress(UnicodeEncodeError):
            enc.encode_cp1258(x)
        if kind != "words":
            return wrong
        nfc = unicodedata.normalize("NFC", x)  # the round trips, on real Vietnamese
        for codec in ("utf-8", "utf-8-sig", "utf-16"):
            if enc.decode_bytes(x.encode(codec)).text != nfc:
                wrong.append(("wrong", f"decode_bytes(text.encode({codec!r})) is not the text"))
        data = enc.encode_cp1258(x)
        if not _looks_like_other_encoding(data) and enc.decode_bytes(data).text != nfc:
            wrong.append(("wrong", "decode_bytes(encode_cp1258(text)) is not the text"))
        if enc.from_vni(enc.to_vni(x)) != nfc:
            wrong.append(("wrong", "from_vni(to_vni(text)) is not the text"))
        if enc.from_tcvn3(enc.to_tcvn3(x.lower())) != nfc.lower():
            wrong.append(("wrong", "from_tcvn3(to_tcvn3(text)) is not the text (lower case)"))
        return wrong


def _looks_like_other_encoding(data: bytes) -> bool:
    """Bytes that are also valid UTF-8 or UTF-16, or that carry a byte-order mark, are read as that first (by design)."""
    from par_dashboard.importing import encoding as enc

    if any(data.startswith(bom) for bom, _ in enc._BOMS) or enc._utf16_without_bom(data) is not None:
        return True
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return not data.isascii()


class _ExtractText(_Target):
    strategy = vietnamese_text()

    def __init__(self, resolver):
        self.resolver = resolver

    def check(self, value):
        from par_dashboard.extract import extract_text

        draft = extract_text(value, resolver=self.resolver)
        json.dumps(draft, ensure_ascii=False, default=str)
        for item in draft["teams"] + draft["indicators"] + draft["findings"]:
            start, end = item["evidence"]
            if not 0 <= start <= end <= len(draft["text"]):
                return [("wrong", f"evidence {item['evidence']} outside the text")]
        return []


class _ExtractFile(_Target):
    strategy = file_inputs()

    def __init__(self):
        from par_dashboard.extract import UnreadableFile

        self.refusals = (UnreadableFile,)

    def check(self, value):
        from par_dashboard.extract import read_file

        name, data = value
        text = read_file(name, data)
        if not isinstance(text, str):
            raise TypeError(f"read_file returned {type(text).__name__}")
        return []


class _Service(_Target):
    """Validate and load on a copy of the database; after each case its content must be what it was. A file that
    loads is undone by putting the copy back (a rollback costs seconds; tests/test_import_service.py covers it)."""

    strategy = st.one_of(xlsx_inputs(), csv_inputs())
    case_limit = 30.0  # a load that updates rows rewrites whole tables: seconds on 50 MB, not a hang
    interruptible = False  # an alarm inside a DuckDB write would be a fault injected, not a fuzz case

    def __init__(self, db_path: Path, workdir: Path):
        self.outcomes = Counter()
        self.original, self.copy = workdir / "fuzz-original.duckdb", workdir / "fuzz.duckdb"
        shutil.copyfile(db_path, self.original)
        self._open()
        self.before = content_hash(self.db)

    def _open(self) -> None:
        from par_dashboard.store.db import Database

        shutil.copyfile(self.original, self.copy)
        Path(f"{self.copy}.wal").unlink(missing_ok=True)
        self.db = Database(self.copy)

    def check(self, value):
        from par_dashboard.importing import service

        name, data = value
        problems = []
        report = service.validate(self.db, data, name, max_bytes=service.MAX_BULK_BYTES)
        if content_hash(self.db) != self.before:
            problems.append(("db_changed", f"validate ({report.status}) changed the database"))
        report = service.load(self.db, data, name, user="fuzz", partial=len(data) % 2 == 0, max_bytes=service.MAX_BULK_BYTES)
        self.outcomes[report.status] += 1
        if report.status in ("loaded", "partial"):
            self.db.close()
            self._open()
        elif content_hash(self.db) != self.before:
            problems.append(("db_changed", f"a load {report.status} left the database changed"))
        if problems:
            self.db.close()
            self._open()
        return problems

    def close(self):
        self.db.close()


def content_hash(db) -> str:
    """One hash of every content table (order-free: a sum of row hashes per table), read in ~0.1 s at 50 MB."""
    from par_dashboard.store.schema import CONTENT_TABLES

    with db.cursor() as cur:
        parts = [cur.execute(f"SELECT count(*), coalesce(sum(hash(t)), 0) FROM {t} t").fetchone()  # noqa: S608 - fixed names
                 for t in CONTENT_TABLES]
    return hashlib.sha256(repr(parts).encode()).hexdigest()


# ------------------------------------------------------------------------------------------------ the runner

class _Alarm:
    """Interrupt a case that has used too much CPU time (main thread only: elsewhere, and when `interrupt` is off,
    the time is only measured). CPU time, not the clock: on a loaded machine a quick case can wait seconds for a
    core. `rang` tells a hang from a crash: code under test may turn the interruption into its own error (DuckDB
    raises "Query interrupted")."""

    def __init__(self, seconds: float, interrupt: bool):
        self.seconds, self.rang = seconds, False
        self.active = interrupt and threading.current_thread() is threading.main_thread()

    def _ring(self, signum, frame):
        self.rang = True
        raise _Hang

    def __enter__(self):
        if self.active:
            self.previous = signal.signal(signal.SIGPROF, self._ring)
            signal.setitimer(signal.ITIMER_PROF, self.seconds)
        return self

    def __exit__(self, *exc):
        if self.active:
            signal.setitimer(signal.ITIMER_PROF, 0)
            signal.signal(signal.SIGPROF, self.previous)
        return False


def _where(exc: BaseException) -> str:
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if "par_dashboard" in f.filename and "hardening" not in f.filename]
    frame = (frames or traceback.extract_tb(exc.__traceback__) or [None])[-1]
    return f"{Path(frame.filename).name}:{frame.lineno} {frame.name}" if frame else "?"


def _save(target: str, kind: str, value, detail: str, artifacts: Path) -> str:
    payload = value[1] if isinstance(value, tuple) and isinstance(value[-1], bytes) else repr(value).encode("utf-8")
    digest = hashlib.sha256(payload).hexdigest()[:12]
    artifacts.mkdir(parents=True, exist_ok=True)
    path = artifacts / f"{target}-{kind}-{digest}.bin"
    path.write_bytes(payload)
    meta = {"target": target, "kind": kind, "detail": detail,
            "name": value[0] if isinstance(value, tuple) and isinstance(value[0], str) else None,
            "repr": isinstance(payload, bytes) and not (isinstance(value, tuple) and isinstance(value[-1], bytes))}
    path.with_suffix(".json").write_text(json.dumps(meta, ensure_ascii=False, indent=2), encoding="utf-8")
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def _run_case(name: str, target: _Target, value, figures: _Figures, case_limit: float, artifacts: Path) -> None:
    figures.cases += 1
    problems: list[tuple[str, str]] = []
    case_limit = target.case_limit or case_limit
    alarm = _Alarm(case_limit, target.interruptible)
    started, cpu = time.perf_counter(), time.process_time()
    try:
        with alarm:
            problems = target.check(value)
    except _Hang:
        problems = [("hang", f"over {case_limit:g} s (interrupted)")]
    except target.refusals:
        pass
    except Exception as exc:  # noqa: BLE001 - every other exception is what the fuzzer looks for
        problems = [("hang", f"over {case_limit:g} s (interrupted)") if alarm.rang else
                    ("crash", f"{type(exc).__name__}: {str(exc)[:300]} at {_where(exc)}")]
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    if (cpu > case_limit or elapsed > WALL_FACTOR * case_limit) and not any(k == "hang" for k, _ in problems):
        problems.append(("hang", f"{cpu:.1f} s of CPU, {elapsed:.1f} s in all (limit {case_limit:g} s of CPU)"))
    for kind, detail in problems:
        attr = {"crash": "crashes", "hang": "hangs", "db_changed": "db_changed_on_rejection", "wrong": "wrong"}[kind]
        setattr(figures, attr, getattr(figures, attr) + 1)
        signature = (name, kind, detail.split(" at ")[-1] if kind == "crash" else detail[:80])
        if signature not in figures.seen:  # one saved input per distinct failure
            figures.seen.add(signature)
            figures.failures.append({"target": name, "kind": kind, "detail": detail,
                                     "input": _save(name, kind, value, detail, artifacts)})


def _drive(name: str, target: _Target, figures: _Figures, *, examples: int | None, until: float | None, seed: int,
           case_limit: float, artifacts: Path) -> None:
    def once(n: int, run_seed: int) -> None:
        @settings(max_examples=n, deadline=None, database=None, phases=[Phase.generate],
                  suppress_health_check=list(HealthCheck))
        @hypothesis_seed(run_seed)
        @given(target.strategy)
        def run(value):
            if until is None or time.monotonic() < until:
                _run_case(name, target, value, figures, case_limit, artifacts)

        run()

    if examples is not None:
        once(examples, seed)
        return
    run_seed = seed
    while time.monotonic() < until:
        once(_CHUNK, run_seed)
        run_seed += 1


def _make(name: str, workdir: Path, db_path: Path, resolver_db):
    if name == "reader_xlsx":
        return _ReaderXlsx()
    if name == "reader_csv":
        return _ReaderCsv()
    if name == "encoding":
        return _Encoding()
    if name == "extract_file":
        return _ExtractFile()
    if name == "extract_text":
        from par_dashboard.importing.names import UnitResolver

        return _ExtractText(UnitResolver.from_db(resolver_db()))
    if name == "service":
        return _Service(db_path, workdir)
    raise ValueError(f"unknown fuzz target {name!r}; choose from {', '.join(TARGETS)}")


def run_fuzz(seconds: float | None = None, examples: int | None = None, targets=TARGETS, *, db_path: Path | None = None,
             seed: int = 0, case_limit: float = CASE_LIMIT, artifacts: Path = ARTIFACTS) -> dict:
    """Fuzz each target for `seconds` in all (shared equally) or `examples` cases each; the figures as a dict:
    cases, crashes, hangs, db_changed_on_rejection, wrong (round trips), failures (one per distinct problem, with
    the saved input), and per target its cases, problems and seconds. The same seed gives the same cases."""
    if (seconds is None) == (examples is None):
        raise ValueError("give seconds or examples")
    targets = list(targets)
    for t in targets:
        if t not in TARGETS:
            raise ValueError(f"unknown fuzz target {t!r}; choose from {', '.join(TARGETS)}")
    db_path = Path(db_path or os.environ.get("PAR_DB", DEFAULT_DB))
    logging.getLogger("pypdf").setLevel(logging.ERROR)  # a mutated PDF makes it warn on every case
    total = _Figures()
    per_target = {}
    with tempfile.TemporaryDirectory(prefix="par-fuzz-") as tmp, _backups_in(Path(tmp) / "backups"), \
            warnings.catch_warnings():
        warnings.simplefilter("ignore")  # openpyxl warns about every odd workbook
        workdir = Path(tmp)
        resolver_db = _read_copy(db_path, workdir)
        for i, name in enumerate(targets):
            figures = _Figures(seen=total.seen)
            target = _make(name, workdir, db_path, resolver_db)
            started = time.perf_counter()
            try:
                until = None if seconds is None else time.monotonic() + seconds / len(targets)
                _drive(name, target, figures, examples=examples, until=until, seed=seed + 1000 * i,
                       case_limit=case_limit, artifacts=artifacts)
            finally:
                target.close()
            figures.seconds = time.perf_counter() - started
            per_target[name] = {"cases": figures.cases, "crashes": figures.crashes, "hangs": figures.hangs,
                                "db_changed_on_rejection": figures.db_changed_on_rejection, "wrong": figures.wrong,
                                "seconds": round(figures.seconds, 1), "outcomes": dict(getattr(target, "outcomes", {}))}
            for attr in ("cases", "crashes", "hangs", "db_changed_on_rejection", "wrong", "seconds"):
                setattr(total, attr, getattr(total, attr) + getattr(figures, attr))
            total.failures.extend(figures.failures)
        resolver_db.close()
    minutes = total.seconds / 60
    return {"cases": total.cases, "crashes": total.crashes, "hangs": total.hangs,
            "db_changed_on_rejection": total.db_changed_on_rejection, "wrong": total.wrong,
            "seconds": round(total.seconds, 1), "cases_per_minute": round(total.cases / minutes) if minutes else 0,
            "targets": per_target, "failures": total.failures}


class _LazyDb:
    """The resolver's database, opened only when a target needs it (a copy: the original may be in use)."""

    def __init__(self, path: Path):
        self.path, self.db = path, None

    def __call__(self):
        from par_dashboard.store.db import Database

        if self.db is None:
            self.db = Database(self.path, read_only=True)
        return self.db

    def close(self):
        if self.db is not None:
            self.db.close()


def _read_copy(db_path: Path, workdir: Path) -> _LazyDb:
    copy = workdir / "read.duckdb"
    shutil.copyfile(db_path, copy)
    return _LazyDb(copy)


@contextlib.contextmanager
def _backups_in(folder: Path) -> Iterator[None]:
    """The backups every load takes go to the run's own folder, not beside the real database."""
    previous = os.environ.get("PAR_BACKUP_DIR")
    os.environ["PAR_BACKUP_DIR"] = str(folder)
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop("PAR_BACKUP_DIR", None)
        else:
            os.environ["PAR_BACKUP_DIR"] = previous


def reproduce(path: Path, *, db_path: Path | None = None) -> list[tuple[str, str]]:
    """Run one saved input again (artifacts/fuzz/<target>-<kind>-<hash>.bin); the problems it shows, [] when none.
    A crash raises, with its traceback."""
    path = Path(path)
    meta = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    payload = path.read_bytes()
    value = ast.literal_eval(payload.decode("utf-8")) if meta["repr"] else (meta["name"], payload)
    with tempfile.TemporaryDirectory(prefix="par-fuzz-") as tmp, _backups_in(Path(tmp) / "backups"):
        db_path = Path(db_path or os.environ.get("PAR_DB", DEFAULT_DB))
        resolver_db = _read_copy(db_path, Path(tmp))
        target = _make(meta["target"], Path(tmp), db_path, resolver_db)
        try:
            return target.check(value)
        finally:
            target.close()
            resolver_db.close()

