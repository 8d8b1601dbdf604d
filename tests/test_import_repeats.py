"""A whole-province file repeats its texts (a source title, a unit's names, an indicator code) on every row: the
importer judges each distinct text once, not each cell, and reads an exported sheet once. Deterministic work
counters at n, 2n, 4n, 8n rows instead of a clock (a quadratic or per-cell cost shows as growth)."""

import io

import openpyxl
import pytest

from par_dashboard.importing import cells, encoding, reader, service, template
from par_dashboard.importing.template import Catalogue

SIZES = (50, 100, 200, 400)


def _file(n: int) -> bytes:
    """n indicator values of one district, every text the same on each row (as an export's are); numbers vary."""
    periods = template.PERIODS
    rows = [{"unit_name": "Cao Lộc", "unit_level": "Huyện", "unit_province": "Lạng Sơn", "indicator": "OPS_ONTIME_PCT",
             "year": 2000 + i // len(periods), "period": periods[i % len(periods)], "value": float(i % 100),
             "source": "Báo cáo kết quả kiểm tra công tác cải cách hành chính năm 2024"} for i in range(n)]
    return template.write_workbook({"indicator_values": rows}, lang="vi", catalogue=Catalogue.from_seed())


def _counting(monkeypatch, module, name: str, counts: dict, *, texts_only: bool = False) -> None:
    real = getattr(module, name)

    def counted(value, *args, **kw):
        if not texts_only or isinstance(value, str):
            counts[name] = counts.get(name, 0) + 1
        return real(value, *args, **kw)

    monkeypatch.setattr(module, name, counted)


def test_each_distinct_text_is_checked_and_judged_once_not_each_cell(db, monkeypatch):
    seen = {}
    for n in SIZES:
        data = _file(n)
        counts: dict[str, int] = {}
        with monkeypatch.context() as m:
            _counting(m, cells, "check", counts, texts_only=True)
            _counting(m, encoding, "fix_legacy", counts)
            raw = reader.read(data, "tinh.xlsx")  # in this process (service.validate reads in a worker)
            assert not raw.errors and [len(s.rows) for s in raw.sheets if s.key == "indicator_values"] == [n]
            report = service.validate(db, data, "tinh.xlsx")
        assert report.status == "valid", [e.message_en for e in report.errors[:3]]
        seen[n] = counts
    assert seen[SIZES[-1]] == seen[SIZES[0]], seen


@pytest.mark.parametrize("n", [1, 300])
def test_an_exported_sheet_states_its_size_so_a_read_only_reader_parses_it_once(n):
    """openpyxl's read-only mode (the importer's) looks for the sheet's <dimension> before anything else and, when
    it is missing, parses the whole sheet to find out; Excel always writes it, and so does the export."""
    wb = openpyxl.load_workbook(io.BytesIO(_file(n)), read_only=True)
    ws = wb["Giá trị chỉ tiêu"]
    assert (ws.max_row, ws.max_column) == (n + 1, len(template.SHEET_BY_KEY["indicator_values"].columns))
    assert len([r for r in ws.iter_rows(min_row=2, values_only=True) if any(v is not None for v in r)]) == n
    wb.close()
