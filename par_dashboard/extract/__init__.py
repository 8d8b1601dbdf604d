"""From report text to a draft inspection record: `extract_text(text)` and `extract_file(name, data)`.

Rules and dictionaries only (no model, nothing downloaded): the text is normalised and cut into sentences
(`text`), numbers and dates are read the Vietnamese way (`values`), and `rules` finds the province, the year,
the plan, the teams with their leaders, dates and units, the indicator values and the findings. Every field
carries `evidence`: the [start, end) span of its sentence in the normalised text, which the draft includes.
The draft is what an analyst reviews; nothing is saved from here (see `to_workbook_rows` and the import service).
"""

from __future__ import annotations

import io
import re
import zipfile

from par_dashboard.domain.units import structure_for_year
from par_dashboard.extract import rules, scope
from par_dashboard.extract.text import fold, normalise, read
from par_dashboard.i18n import fmt_num
from par_dashboard.importing.names import UnitResolver

MAX_CHARS = 1_000_000       # a longer text is cut here, with a message: no report is this long
MAX_FILE_BYTES = 10_000_000
# A .docx is a zip: its parts are checked before anything is unpacked, so a small file that would expand to
# gigabytes (a zip bomb) is refused at once. A real report, pictures included, stays far below.
MAX_DOCX_UNZIPPED = 60_000_000
MAX_DOCX_XML = 25_000_000
# A PDF page of text needs some 5–50 KB of drawing instructions; reading takes a second per few hundred KB.
MAX_PDF_PAGES = 200
MAX_PDF_PAGE_CONTENT = 512_000
MAX_PDF_CONTENT = 4_000_000
VIETNAMESE_LETTERS = set("ăâđêôơưàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ")


class UnreadableFile(ValueError):
    def __init__(self, vi: str, en: str):
        super().__init__(en)
        self.vi, self.en = vi, en

    def __reduce__(self):  # raised in a worker process, raised again in the server: it pickles with both messages
        return type(self), (self.vi, self.en)


def _message(level: str, vi: str, en: str) -> dict:
    return {"level": level, "vi": vi, "en": en}


def extract_text(text: str, *, resolver: UnitResolver | None = None, db=None) -> dict:
    """The draft record of `text`: a dict in the shape of tests/gold/extract/*.json, each field with its evidence,
    plus `text` (the normalised text the evidence indexes) and `messages` (what the analyst should know)."""
    if resolver is None:
        if db is None:
            raise ValueError("extract_text needs a resolver or a database")
        resolver = UnitResolver.from_db(db)
    messages = []
    raw = text or ""
    text = normalise(raw[: MAX_CHARS + MAX_CHARS // 10])  # what can be read, not all of a huge paste
    if len(text) > MAX_CHARS:
        n = max(len(text), len(raw))
        messages.append(_message("warning", f"Văn bản dài {n:,} ký tự; chỉ đọc {MAX_CHARS:,} ký tự đầu.",
                                 f"The text has {n:,} characters; only the first {MAX_CHARS:,} were read."))
        text = text[:MAX_CHARS]
    draft = {"text": text, "messages": messages, "province": None, "year": None, "source_url": None, "plan": None,
             "teams": [], "indicators": [], "findings": []}
    letters = [c for c in text.lower() if c.isalpha()]
    if len(letters) < 40:
        messages.append(_message("error", "Văn bản trống hoặc quá ngắn để đọc ra kết quả kiểm tra.",
                                 "The text is empty or too short to read an inspection from."))
        return draft
    if sum(c in VIETNAMESE_LETTERS for c in letters) / len(letters) < 0.02:
        messages.append(_message("error", "Văn bản không phải tiếng Việt: công cụ chỉ đọc báo cáo, tin bài tiếng Việt.",
                                 "The text is not Vietnamese: only Vietnamese reports and articles are read."))
        return draft

    doc = read(text)
    year = rules.document_year(doc)
    structure = structure_for_year(year) if year else "S63"
    if _TWO_TIER.search(fold(text)):
        structure = "S34"  # local government of two tiers exists only from 1/7/2025: the 34 provinces' units
    places = rules.Places(resolver, structure)
    draft["source_url"] = doc.urls[0] if doc.urls else None
    province, url_district = _province(doc, places, resolver, structure)
    places.province = province
    if year:
        draft["year"] = {"value": year, "evidence": _year_evidence(doc, year)}
    if province:
        row = resolver.units.loc[province]
        draft["province"] = {"name": row["short_name"], "unit_id": province, "evidence": _province_evidence(doc, row)}
    draft["plan"] = rules.plan(doc, year)
    places.main_district = url_district or _main_district(doc, places)

    teams = rules.teams(doc, places, year)
    draft["teams"] = [{
        "label": t.label, "leader_name": t.leader_name, "leader_title": t.leader_title,
        "started_on": t.started_on, "ended_on": t.ended_on,
        "units": [{"name": u.name, "unit_id": u.unit_id, "evidence": [u.start, u.end]} for u in t.units],
        "evidence": list(t.sentence.span)} for t in teams]

    main_unit = places.main_district
    folded_text = fold(text)
    for v in rules.indicator_values(doc, rules.province_names(resolver, structure), year):
        unit_id = places.resolve(v.unit) if v.unit else None
        if unit_id is None and v.unit is None:
            unit_id = _default_unit(v, main_unit, province, folded_text)
        draft["indicators"].append({
            "indicator_code": v.code, "value": v.value, "unit_name": v.unit.name if v.unit else None, "unit_id": unit_id,
            "period": v.period or "Y", "target": v.target, "gap": v.gap, "approx": v.approx,
            "qualifier": v.qualifier, "change": v.change, "rank": v.rank, "rank_of": v.rank_of, "rank_change": v.rank_change,
            "evidence": list(v.sentence.span), "evidence_of": dict(v.spans)})
    announcement = not teams and _index_results(doc, draft["indicators"])
    draft["findings"] = [{"kind": f.kind, "area_code": f.area, "text": f.text, "unit_id": None,
                          "evidence": list(f.sentence.span)}
                         for f in rules.findings(doc, {id(t.sentence) for t in teams}, announcement)]
    _scope(draft, doc, teams, announcement)
    if not (draft["teams"] or draft["indicators"] or draft["findings"]):
        messages.append(_message("warning", "Không tìm thấy đoàn kiểm tra, chỉ tiêu hay phát hiện nào trong văn bản.",
                                 "No inspection team, indicator value or finding was found in the text."))
    if province is None:
        messages.append(_message("warning", "Chưa xác định được tỉnh: hãy chọn tỉnh trước khi lưu.",
                                 "The province could not be determined: choose it before saving."))
    return draft


# "chính quyền địa phương 2 cấp", "vận hành chính quyền hai cấp", "mô hình chính quyền địa phương hai cấp"
_TWO_TIER = re.compile(r"\bchinh quyen (?:dia phuong )?(?:2|hai|02) cap\b")
_INDEX_WORDS = re.compile(r"chi so (cai cach hanh chinh|cchc|hai long)|par[ -]?index|sipas|\bpapi\b|xep hang (chi so|cai cach|cchc)")


def _index_results(doc, indicators: list[dict]) -> bool:
    """Whether a text without a team announces index results: its figures are index scores or ranks, or its
    headline speaks of an index."""
    codes = {v["indicator_code"] for v in indicators}
    if codes and all(c in rules.INDEX_CODES for c in codes):
        return True
    return any(s.line_kind == "title" and _INDEX_WORDS.search(s.folded) for s in doc.sentences[:3])


def _scope(draft: dict, doc, teams, announcement: bool = False) -> None:
    """Each team's units given only as numbers and the PAR areas it checked, each with the span it was read from:
    the areas listed as the inspection's content, and those in which a result or limitation is reported (a
    recommendation alone does not make an area checked). A count goes to the team whose sentence states it, else
    to the first team; the areas to every team (a text lists one content for all its teams)."""
    counts = scope.unit_counts(doc)
    if not draft["teams"] and counts and not announcement:
        # "Năm 2023, huyện đã kiểm tra mười đơn vị …": an inspection of counted units is one, team word or not
        # (the conventions: only an inspection naming no team, leader, date, unit or count has no team)
        first = counts[0].sentence
        draft["teams"].append({"label": "Đoàn kiểm tra", "leader_name": None, "leader_title": None, "started_on": None,
                               "ended_on": None, "units": [], "evidence": list(first.span)})
    if not draft["teams"]:
        return
    areas = {a: list(span) for a, span in scope.content_areas(doc, rules.AREA_NAMES).items()}
    for f in draft["findings"]:
        if f["kind"] in ("result", "limitation") and f["area_code"]:
            areas.setdefault(f["area_code"], f["evidence"])
    for out in draft["teams"]:
        out["unit_counts"] = []
        out["areas"] = sorted(areas)
        out["evidence_of"] = {"areas": {a: areas[a] for a in sorted(areas)}}
    sentences = {id(t.sentence): i for i, t in enumerate(teams)}
    for c in counts:
        i = sentences.get(id(c.sentence), 0)
        if c.sentence.line_kind == "title" and len(draft["teams"][i]["units"]) >= c.count:
            continue  # a headline's "tại 3 đơn vị" of units the body names: the units, not a count (the conventions)
        draft["teams"][i]["unit_counts"].append({"count": c.count, "kind": c.kind, "qualifier": c.qualifier,
                                                  "text": c.text, "evidence": [c.start, c.end]})


def _province(doc, places, resolver, structure) -> tuple[str | None, str | None]:
    """The province most named in the text (directly, or as the province of a named district or commune), else the
    one its web address names. A text naming many provinces, none of them most of the time, is national: no province,
    unless its address is a province's (its paper or portal writing about national results) and names the most-named
    one, or its headline and lead name one province only ("Đà Nẵng tụt 2 bậc …": that province's side of them)."""
    votes: dict[str, int] = {}
    named: dict[int, set[str]] = {}  # sentence index -> provinces it names
    bare = rules.province_names(resolver, structure)
    for i, s in enumerate(doc.sentences):
        for m in rules.mentions(s):
            unit_id = places.resolve(m) if m.kind in ("province", "city", "district", "commune") else None
            if unit_id:
                p = resolver.units.loc[unit_id, "province_id"] or unit_id
                votes[p] = votes.get(p, 0) + (2 if m.kind == "province" else 1)
                named.setdefault(i, set()).add(p)
        for m in bare.finditer(s.text):
            if m.group("province") and not rules.in_a_persons_name(s.text, m.start()):
                r = resolver.resolve(rules.province_name(m.group("province")), level="province", structure=structure)
                if r.ok:
                    votes[r.unit_id] = votes.get(r.unit_id, 0) + 1
                    named.setdefault(i, set()).add(r.unit_id)
    url_province, url_district, host_province = None, None, None
    for url in doc.urls:
        url_province, url_district = rules.province_from_url(url, resolver, structure)
        if url_province:
            host = re.match(r"(?:https?://)?[^/?#]*", url).group(0) + "/"  # the outlet, without the slug
            host_province = rules.province_from_url(host, resolver, structure)[0]
            break
    # A headline about an index (PAR INDEX, SIPAS, PAPI) over a text naming several provinces is a national
    # announcement, even when one province is most named ("tại Hà Nội, Thừa Thiên Huế dẫn đầu …"): it is that
    # province's only from the province's own outlet, or when headline and lead speak of that province alone.
    index_headline = any(s.line_kind == "title" and _INDEX_WORDS.search(s.folded) for s in doc.sentences[:3])
    national = len(votes) >= 3 and max(votes.values()) < 0.5 * sum(votes.values())
    if national or (index_headline and len(votes) >= 2 and host_province is None):
        # Only the outlet's own address speaks for a province here: a slug ("…/ha-noi-xep-thu-3-…") is a headline.
        if host_province in votes and votes[host_province] == max(votes.values()):
            return host_province, url_district
        title = next((i for i, s in enumerate(doc.sentences) if s.line_kind == "title"), None)
        lead = next((i for i, s in enumerate(doc.sentences) if s.line_kind == "body"), None)
        if title is not None and lead is not None and len(named.get(title, ())) == 1 and named[title] == named.get(lead):
            return next(iter(named[title])), url_district
        return None, url_district  # many provinces, none dominant: a national report
    if votes:
        best = max(votes.values())
        top = [p for p, v in votes.items() if v == best]
        if len(top) == 1:
            return top[0], url_district
        if url_province in top:
            return url_province, url_district
    return url_province, url_district


def _main_district(doc, places) -> str | None:
    """The district a report is about: the only one named, named in the title or at least twice."""
    counts: dict[str, int] = {}
    for s in doc.sentences:
        for m in rules.mentions(s):
            if m.kind in ("district", "city") and (u := places.resolve(m)) and u.split("-")[1] == "D":
                counts[u] = counts.get(u, 0) + (2 if s.line_kind == "title" else 1)
    if len(counts) != 1:
        return None
    (unit, n), = counts.items()
    return unit if n >= 2 else None


def _default_unit(value, main_unit, province, folded_text: str) -> str | None:
    """The unit a figure without a named unit belongs to, from the words just before it: the province for "toàn
    tỉnh", "cấp tỉnh" and for sums over its departments or districts ("các sở", "cấp huyện" in a province's
    report); else the district the report is about (its "cấp xã" figures are the sum over its communes); else
    the province."""
    near = re.sub(r"\([^)]*\)", lambda m: " " * len(m.group(0)),
                  folded_text[max(value.sentence.start, value.at - 160): value.at])
    levels = list(re.finditer(r"toan tinh|cap tinh|cac so|cac huyen|cap huyen", near))
    if levels and not (main_unit and levels[-1].group(0) == "cap huyen"):
        return province
    return main_unit or province


def _year_evidence(doc, year) -> list[int] | None:
    for s in doc.sentences:
        if str(year) in s.text:
            return list(s.span)
    return None


def _province_evidence(doc, row) -> list[int] | None:
    for s in doc.sentences:
        if row["short_name"].lower() in s.text.lower():
            return list(s.span)
    return None


# ---------------------------------------------------------------------------------------------------- files
def read_file(name: str, data: bytes) -> str:
    """The text of a .txt (UTF-8, UTF-16 or Windows-1258/1252), .docx or .pdf (its text layer)."""
    if len(data) > MAX_FILE_BYTES:
        raise UnreadableFile(
            f"Tệp quá lớn ({fmt_num(len(data) / 1e6, 'vi', 1)} MB; tối đa {fmt_num(MAX_FILE_BYTES / 1e6, 'vi', 0)} MB).",
            f"The file is too large ({fmt_num(len(data) / 1e6, 'en', 1)} MB; at most {fmt_num(MAX_FILE_BYTES / 1e6, 'en', 0)} MB).")
    suffix = re.sub(r"\W", "", name.lower().rsplit(".", 1)[-1])[:12] if "." in name else ""  # shown in a message
    if suffix == "docx":
        return _docx_text(data)
    if suffix == "pdf":
        return _pdf_text(data)
    if suffix not in ("txt", "text", "md", ""):
        raise UnreadableFile(f"Không đọc được tệp .{suffix}: hãy dùng .txt, .docx hoặc .pdf có lớp chữ.",
                             f"Cannot read a .{suffix} file: use .txt, .docx or a PDF with a text layer.")
    from par_dashboard.importing.encoding import EncodingError, decode_bytes

    try:
        return decode_bytes(data).text
    except EncodingError as exc:
        raise UnreadableFile("Không nhận ra bảng mã của tệp văn bản: hãy lưu tệp ở dạng UTF-8.",
                             "The text file's encoding was not recognised: save it as UTF-8.") from exc


def _docx_text(data: bytes) -> str:
    import docx

    _check_docx_size(data)
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises several kinds for a file that is not a Word document
        raise UnreadableFile("Tệp .docx bị hỏng hoặc không phải tài liệu Word.",
                             "The .docx file is damaged or not a Word document.") from exc
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        parts.extend(_table_lines(table))
    return "\n".join(parts)


def _table_lines(table) -> list[str]:
    """Each row of a Word table as "cell | cell | …", the cells as python-docx's `row.cells` gives them (a cell that
    spans columns once for each, a cell that continues a vertical merge as the merge's first cell), in one pass over
    the rows. `row.cells` walks up a vertical merge from each of its cells, searching each row above: time cubic in
    the merge's height (a 38 KB file with a 500-row merge took 16 s)."""
    from docx.table import _Cell

    lines = []
    above: dict[int, tuple[str, int]] = {}  # grid column -> (text, columns) of the cell there, a merge's first one
    for tr in table._tbl.tr_lst:
        row: dict[int, tuple[str, int]] = {}
        cells: list[str] = []
        offset = tr.grid_before
        for tc in tr.tc_lst:
            if tc.vMerge == "continue":
                text, span = above.get(offset, ("", tc.grid_span))  # python-docx fails on a merge with no cell above
            else:
                text, span = _Cell(tc, table).text, tc.grid_span
            row[offset] = (text, span)
            cells.extend([text] * span)
            offset += tc.grid_span
        above = row
        lines.append(" | ".join(cells))
    return lines


def _pdf_page_size(page) -> int:
    """Bytes of a page's drawing instructions once unpacked: its content and the forms it draws. Text extraction
    takes time that grows faster than this size, so a few KB of PDF that unpack to megabytes of instructions would
    hold the server for minutes; pypdf itself stops only at 75 MB a stream."""
    contents = page.get_contents()
    size = len(contents.get_data()) if contents is not None else 0
    xobjects = (page.get("/Resources") or {}).get("/XObject") or {}
    for ref in xobjects.values():
        form = ref.get_object()
        if form.get("/Subtype") == "/Form":
            size += len(form.get_data())
    return size


def _check_docx_size(data: bytes) -> None:
    """Refuse a .docx whose parts would unpack beyond the limits, from the sizes its zip directory declares
    (Python's zipfile never unpacks more than a part declares)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            parts = z.infolist()
    except (zipfile.BadZipFile, ValueError):
        return  # not a zip: python-docx says the file is damaged
    total = sum(p.file_size for p in parts)
    xml = sum(p.file_size for p in parts if p.filename.endswith((".xml", ".rels")))
    if total > MAX_DOCX_UNZIPPED or xml > MAX_DOCX_XML:
        mb = max(total, xml) / 1e6
        raise UnreadableFile(
            f"Tệp .docx giải nén ra quá lớn ({fmt_num(mb, 'vi', 0)} MB): không phải một báo cáo thông thường, không đọc.",
            f"The .docx would unpack to {fmt_num(mb, 'en', 0)} MB: not an ordinary report, not read.")


def _pdf_text(data: bytes) -> str:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(data))
        parts, budget, read = [], MAX_PDF_CONTENT, 0
        for number, page in enumerate(reader.pages[:MAX_PDF_PAGES], start=1):
            size = _pdf_page_size(page)
            if size > MAX_PDF_PAGE_CONTENT:
                raise UnreadableFile(
                    f"Trang {number} của tệp PDF chứa quá nhiều lệnh vẽ ({fmt_num(size / 1e6, 'vi', 1)} MB sau giải nén): "
                    "không phải trang báo cáo thông thường. Hãy dán nội dung văn bản.",
                    f"Page {number} of the PDF holds too many drawing instructions ({fmt_num(size / 1e6, 'en', 1)} MB "
                    "unpacked): not an ordinary report page. Paste the text instead.")
            budget -= size
            if budget < 0 or read > MAX_CHARS:
                break  # the rest would be cut anyway (extract_text reads MAX_CHARS)
            parts.append(page.extract_text() or "")
            read += len(parts[-1])
        text = "\n".join(parts)
    except UnreadableFile:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError) as exc:  # PyPdfError: also a stream past pypdf's size limits
        raise UnreadableFile("Tệp PDF bị hỏng hoặc được mã hóa.", "The PDF is damaged or encrypted.") from exc
    if len(text.strip()) < 20:
        raise UnreadableFile("PDF không có lớp chữ (bản quét ảnh): hãy dán nội dung hoặc dùng bản có chữ.",
                             "The PDF has no text layer (a scanned image): paste the text or use a PDF with text.")
    return reflow(text)


def reflow(text: str) -> str:
    """Join the lines a PDF wrapped inside a paragraph: a line that fills the width (70 % of the longest) or that
    ends without punctuation before a line starting in lower case goes on in the next line."""
    lines = text.split("\n")
    width = max((len(line.rstrip()) for line in lines), default=0)
    out: list[str] = []
    for line in lines:
        line = line.rstrip()
        if out and out[-1] and line:
            previous = out[-1]
            full = len(previous) >= 0.7 * width
            open_end = previous[-1] not in ".!?…:;"
            if open_end and (full or line[:1].islower()):
                out[-1] = previous + " " + line.lstrip()
                continue
        out.append(line)
    return "\n".join(out)


def extract_file(name: str, data: bytes, *, resolver: UnitResolver | None = None, db=None) -> dict:
    return extract_text(read_file(name, data), resolver=resolver, db=db)


def extract_input(*, text: str | None = None, name: str | None = None, data: bytes | None = None,
                  resolver: UnitResolver) -> dict:
    """The draft of a pasted `text`, or of the file `name` with the bytes `data`: what the data page and the command
    line hand to `par_dashboard.security.worker.call`, reading and extraction together under one time limit."""
    return extract_text(read_file(name or "", data or b"") if text is None else text, resolver=resolver)
