"""The importer's messages and its shape (issue 16): every message of par_dashboard/importing/ comes from
labels/import.toml through i18n, in both languages, and no module chooses a language inline; a problem keeps both
languages whatever its values hold; a load or a check leaves a transaction by returning, the database as it was."""

from __future__ import annotations

import ast
import functools
import hashlib
import string
import tomllib
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from par_dashboard import i18n
from par_dashboard.importing import models

ROOT = Path(__file__).resolve().parent.parent
IMPORTING = ROOT / "par_dashboard" / "importing"
IMPORT_LABELS = ROOT / "par_dashboard" / "labels" / "import.toml"
LABEL_CALLS = {"t", "both", "label", "_fail", "add"}  # functions whose first string argument is a label key


@functools.cache  # the files do not change during a run
def _modules() -> dict[str, ast.Module]:
    return {p.name: ast.parse(p.read_text(encoding="utf-8"), filename=str(p)) for p in sorted(IMPORTING.glob("*.py"))}


def _import_labels() -> dict[str, dict[str, str]]:
    assert IMPORT_LABELS.is_file(), "the importer's messages live in par_dashboard/labels/import.toml"
    return tomllib.loads(IMPORT_LABELS.read_text(encoding="utf-8"))


def _keys_used() -> dict[str, list[str]]:
    """Every label key named in importing/: an "imp_…" string anywhere, and the key a label call is given."""
    used: dict[str, list[str]] = {}
    for name, tree in _modules().items():
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.startswith("imp_"):
                used.setdefault(node.value, []).append(f"{name}:{node.lineno}")
            elif isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", None)) in {"t", "label"} \
                    and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
                used.setdefault(node.args[0].value, []).append(f"{name}:{node.lineno}")
    return used


def test_every_label_the_importer_names_exists_in_both_languages_and_every_import_label_is_used():
    labels = _import_labels()
    used = _keys_used()
    missing = {k: where for k, where in used.items() if not (i18n.LABELS.get(k, {}).get("vi") and i18n.LABELS[k].get("en"))}
    assert missing == {}, f"label keys used in importing/ without a text in both languages: {missing}"
    assert sorted(set(labels) - set(used)) == [], "keys of import.toml that no module of importing/ uses"
    assert all(k.startswith("imp_") for k in labels), "import.toml's keys are prefixed imp_"


def test_no_label_key_is_built_at_run_time():
    """A key made by formatting ("imp_" + kind) would escape the check above: the keys are written out."""
    built = []
    for name, tree in _modules().items():
        for node in ast.walk(tree):
            if isinstance(node, ast.JoinedStr) and node.values and isinstance(node.values[0], ast.Constant) \
                    and str(node.values[0].value).startswith("imp_"):
                built.append(f"{name}:{node.lineno}")
            if isinstance(node, ast.BinOp) and isinstance(node.left, ast.Constant) and str(node.left.value).startswith("imp_"):
                built.append(f"{name}:{node.lineno}")
    assert built == []


def test_no_module_of_the_importer_chooses_a_language_inline():
    """`"…" if lang == "vi" else "…"` (or any comparison with a language code) keeps a message out of the labels:
    texts come from labels/*.toml (i18n.t, i18n.both), pairs held in both languages through i18n.pick."""
    found = []
    for name, tree in _modules().items():
        for node in ast.walk(tree):
            if isinstance(node, ast.Compare):
                sides = [node.left, *node.comparators]
                if any(isinstance(s, ast.Constant) and s.value in i18n.LANGS for s in sides):
                    found.append(f"{name}:{node.lineno}: {ast.unparse(node)}")
    assert found == [], "inline language branches in importing/:\n" + "\n".join(found)


def test_the_labels_have_the_same_placeholders_in_both_languages_or_fewer_in_english():
    """An English text may leave out what only Vietnamese says (a column's help), never ask for more."""
    fields = string.Formatter()
    for key, texts in _import_labels().items():
        vi = {f for _, f, _, _ in fields.parse(texts["vi"]) if f}
        en = {f for _, f, _, _ in fields.parse(texts["en"]) if f}
        assert en <= vi, key
        assert all(f.isidentifier() for f in vi), key  # plain names: nothing a value could reach through


def test_every_sheet_has_its_row_model_and_its_row_in_the_checks_table():
    from par_dashboard.importing import checks
    from par_dashboard.importing.template import SHEETS

    keys = [s.key for s in SHEETS]
    assert sorted(models.MODELS) == sorted(keys)
    assert sorted(checks.SHEET_CHECKS) == sorted(keys)
    for key, spec in checks.SHEET_CHECKS.items():
        assert (spec.record is None) == (spec.after is not None), key  # accepted one by one, or all together after
        assert spec.ident is None or spec.ident in models.MODELS[key].model_fields, key


def test_the_checks_are_small_functions_and_no_exception_carries_a_report():
    """Issue 16: the file checks as a table and rule functions (no function over 60 lines in models, checks and
    lookup), and the service leaves its transaction by returning (no exception class of its own to carry a report)."""
    long = []
    for name in ("models.py", "checks.py", "lookup.py"):
        for node in ast.walk(_modules()[name]):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.end_lineno - node.lineno + 1 > 60:
                long.append(f"{name}:{node.lineno} {node.name} ({node.end_lineno - node.lineno + 1} lines)")
    assert long == []
    service = _modules()["service.py"]
    exceptions = [node.name for node in ast.walk(service) if isinstance(node, ast.ClassDef)
                  and any(ast.unparse(b).endswith(("Exception", "Error")) for b in node.bases)]
    assert exceptions == [], "importing/service.py defines exception classes (control flow by exception)"


# Text a user may type into a cell, braces and format specs included: a value is put in as it is, never formatted.
_VALUES = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)


@settings(max_examples=60, deadline=None)
@given(key=st.sampled_from(sorted(tomllib.loads(IMPORT_LABELS.read_text(encoding="utf-8"))) if IMPORT_LABELS.is_file()
                           else ["imp_duplicate"]),
       values=st.lists(_VALUES, min_size=8, max_size=8), per_lang=st.booleans())
@example(key="imp_duplicate", values=["{row}", "{0}", "{key!r}", "}{", "%s", "", "ư", "x"], per_lang=True)
def test_a_problem_keeps_both_languages_with_its_values_as_given(key, values, per_lang):
    """Whatever a cell held (braces, a format spec), the message says it as it is, in each language its own value."""
    texts = _import_labels()[key]
    names = sorted({f for lang in i18n.LANGS for _, f, _, _ in string.Formatter().parse(texts[lang]) if f})
    kw = {n: (i18n.PerLang(values[i % 8], values[(i + 1) % 8]) if per_lang else values[i % 8]) for i, n in enumerate(names)}

    def put(n: str, lang: str) -> str:
        return kw[n].text(lang) if per_lang else kw[n]

    for lang, text in zip(i18n.LANGS, i18n.both(key, **kw), strict=True):
        assert text == "".join(lit + (put(n, lang) if n else "") for lit, n, _, _ in string.Formatter().parse(texts[lang])), lang


@settings(max_examples=80, deadline=None)
@given(n=st.integers(min_value=-(10**15) + 1, max_value=10**15 - 1))
@example(n=-1_000_000_000_000)
def test_whole_numbers_in_messages_are_grouped_as_before(n):
    """A range's bounds (1–100.000, -1.000.000.000.000–…) read as the template's own grouping always wrote them."""
    assert (models.whole(n).vi, models.whole(n).en) == (f"{n:,}".replace(",", "."), f"{n:,}")
    assert (models.whole(float(n)).vi, models.whole(float(n)).en) == (f"{int(float(n)):,}".replace(",", "."), f"{int(float(n)):,}")


# ------------------------------------------------------------------------------------------------ transactions

def _content(db) -> str:
    """The stored tables' names and the rows of those the attempts below touch (data_version included), hashed."""
    with db.cursor() as cur:
        tables = [r[0] for r in cur.execute("SELECT table_name FROM duckdb_tables() WHERE NOT temporary ORDER BY 1").fetchall()]
        digest = hashlib.sha256(repr(tables).encode())
        for table in ("source", "import_batch", "data_version"):
            digest.update(repr(cur.execute(f"SELECT * FROM {table} ORDER BY ALL").fetchall()).encode())  # noqa: S608 - fixed names
    return digest.hexdigest()


def test_an_attempt_commits_or_rolls_back_as_it_returns_and_an_error_rolls_back(work):
    """Database.attempt, how the import and the rollback leave their transaction (service.py: no exception carrying
    the report out of it): (result, False) leaves every table as it was, no new data version either; (result,
    True) commits with a new data version; an exception rolls back and goes on."""
    before, version = _content(work), work.data_version()

    def stage(keep):
        def attempt(cur):
            cur.execute("CREATE TABLE attempt_probe AS SELECT 1 AS x")
            cur.execute("DELETE FROM import_batch")
            cur.execute("UPDATE source SET title = 'changed' WHERE source_id IN (SELECT min(source_id) FROM source)")
            return "staged", keep
        return attempt

    assert work.attempt("test: discarded", stage(False)) == "staged"
    assert (_content(work), work.data_version()) == (before, version)
    with pytest.raises(ZeroDivisionError):
        work.attempt("test: failing", lambda cur: (cur.execute("CREATE TABLE attempt_probe AS SELECT 1 AS x"), 1 / 0))
    assert (_content(work), work.data_version()) == (before, version)
    assert work.attempt("test: kept", stage(True)) == "staged"
    assert work.data_version() == version + 1 and _content(work) != before
