"""Texts for users go through par_dashboard/i18n.py and labels/*.toml, checked on the source with `ast`:

- no module (the package, the pages, dashboard.py) chooses a text by comparing the language inline
  (`"…" if lang == "vi" else "…"`, a `vi` flag, `{"vi": …, "en": …}[lang]`): i18n.py is the one place that maps a
  language to a text or a locale (t, pick, lang_col, the number and date formats);
- every label key the code asks t() for exists, and every dynamic key's prefix names at least one label;
- every label of the toml files is used somewhere (a dead label is a text nobody sees, or a misspelt key);
- a label's two texts take the same placeholders (else t() fails in one language only).
"""

from __future__ import annotations

import ast
import functools
import re
import string
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from par_dashboard import i18n
from par_dashboard.i18n import LABELS, LANGS, t

ROOT = Path(__file__).resolve().parent.parent
LANG_CODES = set(LANGS)

# The one module that maps a language to its texts and locales.
ALLOWED = {"par_dashboard/i18n.py"}


def _sources() -> list[Path]:
    return [*sorted((ROOT / "par_dashboard").rglob("*.py")), *sorted((ROOT / "pages").glob("*.py")), ROOT / "dashboard.py"]


@functools.cache
def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def _is_lang_code(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and node.value in LANG_CODES


def _is_vi_flag(node: ast.AST) -> bool:
    """`vi` or `not vi`: a flag that stands for `lang == "vi"`."""
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        node = node.operand
    return isinstance(node, ast.Name) and node.id in LANG_CODES


def language_branches(tree: ast.AST) -> list[tuple[int, str]]:
    """Inline choices by language: a comparison with "vi"/"en" (`lang == "vi"`, `args.lang != "en"`, wherever it
    stands: a flag made of it chooses texts later), a branch on a `vi` flag, `"vi" if … else "en"`, and a literal
    `{"vi": …, "en": …}` indexed on the spot."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare) and any(isinstance(op, ast.Eq | ast.NotEq) for op in node.ops):
            if any(_is_lang_code(x) for x in [node.left, *node.comparators]):
                found.append((node.lineno, ast.unparse(node)))
        elif isinstance(node, ast.IfExp | ast.If) and _is_vi_flag(node.test):
            found.append((node.lineno, "if " + ast.unparse(node.test)))
        elif isinstance(node, ast.IfExp) and _is_lang_code(node.body) and _is_lang_code(node.orelse):
            found.append((node.lineno, ast.unparse(node)))
        elif (isinstance(node, ast.Subscript) and isinstance(node.value, ast.Dict)
              and {k.value for k in node.value.keys if isinstance(k, ast.Constant)} >= LANG_CODES):
            found.append((node.lineno, ast.unparse(node)[:60]))
    return sorted(found)


def test_no_module_chooses_a_text_by_comparing_the_language():
    wrong = []
    for path in _sources():
        rel = _rel(path)
        if rel in ALLOWED:
            continue
        wrong += [f"{rel}:{line}: {text}" for line, text in language_branches(_tree(path))]
    assert not wrong, "use i18n.t / pick / lang_col instead of:\n" + "\n".join(wrong)


def test_the_branch_check_sees_what_it_looks_for():
    code = ('a = "Có" if lang == "vi" else "Yes"\nb = args.lang != "en"\nvi = x.lang == "vi"\nc = "x" if vi else "y"\n'
            'if not vi:\n    pass\nd = "vi" if flag else "en"\ne = {"vi": "Tiếng Việt", "en": "English"}[code]\n'
            'ok = lang in ("vi", "en")\nok2 = t("key", lang)\nok3 = CSV_DIALECT[lang]\n')
    assert [line for line, _ in language_branches(ast.parse(code))] == [1, 2, 3, 4, 5, 7, 8]


# ---- label keys in the code and in the toml files

def _call_name(node: ast.Call) -> str | None:
    fn = node.func
    return fn.id if isinstance(fn, ast.Name) else fn.attr if isinstance(fn, ast.Attribute) else None


def _key_forms(node: ast.AST) -> tuple[set[str], set[str]]:
    """The keys (literal) and key prefixes (f"kind_{x}", "kind_" + x) a t() argument can be."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}, set()
    if isinstance(node, ast.IfExp):
        a, b = _key_forms(node.body), _key_forms(node.orelse)
        return a[0] | b[0], a[1] | b[1]
    if isinstance(node, ast.JoinedStr) and node.values and isinstance(node.values[0], ast.Constant):
        return set(), {node.values[0].value}
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add) and isinstance(node.left, ast.Constant):
        return set(), {node.left.value}
    return set(), set()  # a variable: its values are string constants elsewhere (checked by the dead-label test)


@functools.cache
def _code_facts() -> tuple[dict[str, list[str]], dict[str, list[str]], frozenset[str], frozenset[str]]:
    """(key -> where t() asks for it), (prefix -> where), every string constant, every key prefix the code builds."""
    keys: dict[str, list[str]] = {}
    prefixes: dict[str, list[str]] = {}
    constants: set[str] = set()
    built: set[str] = set()
    for path in _sources():
        for node in ast.walk(_tree(path)):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                constants.add(node.value)
                if node.value.endswith("_"):  # a prefix handed to a helper, e.g. _word("data_status_", code)
                    built.add(node.value)
            elif isinstance(node, ast.JoinedStr) and node.values and isinstance(node.values[0], ast.Constant):
                built.add(node.values[0].value)
            elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add) and isinstance(node.left, ast.Constant):
                built.add(str(node.left.value))
            if isinstance(node, ast.Call) and _call_name(node) == "t" and node.args:
                literal, prefix = _key_forms(node.args[0])
                for k in literal:
                    keys.setdefault(k, []).append(f"{_rel(path)}:{node.lineno}")
                for p in prefix:
                    prefixes.setdefault(p, []).append(f"{_rel(path)}:{node.lineno}")
    return keys, prefixes, frozenset(constants), frozenset(p for p in built if p.endswith("_") and len(p) > 2)


@functools.cache
def _words() -> frozenset[str]:
    """Every identifier-like word of the code and the queries: the codes a dynamic key ends with come from there."""
    words: set[str] = set()
    for path in [*_sources(), *(ROOT / "queries").glob("*.sql"), *(ROOT / "par_dashboard").rglob("*.sql")]:
        words |= set(re.findall(r"[A-Za-z0-9_]+", path.read_text(encoding="utf-8")))
    return frozenset(words)


def test_every_key_the_code_asks_for_exists():
    keys, prefixes, _, _ = _code_facts()
    missing = [f"{where[0]}: {k}" for k, where in sorted(keys.items()) if k not in LABELS]
    missing += [f"{where[0]}: {p}…" for p, where in sorted(prefixes.items()) if not any(k.startswith(p) for k in LABELS)]
    assert not missing, "no such label:\n" + "\n".join(missing)


def test_every_label_is_used():
    """A key is used when it is written in the code (t("key"), a table of keys, a value passed on to t), or when the
    code builds it: a prefix it writes (f"kind_{code}", "kind_" + code, a prefix handed to a helper) followed by a
    code that the code or the queries contain."""
    _, _, constants, built = _code_facts()
    words = _words()
    dead = [k for k in LABELS if k not in constants
            and not any(k.startswith(p) and k[len(p):] in words for p in built)]
    assert not dead, "labels nobody uses (remove them, or fix the key that was meant):\n" + "\n".join(sorted(dead))


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def test_both_texts_of_a_label_take_the_same_placeholders():
    wrong = [f"{k}: vi {sorted(_fields(v['vi']))} en {sorted(_fields(v['en']))}"
             for k, v in LABELS.items() if _fields(v["vi"]) != _fields(v["en"])]
    assert not wrong, "\n".join(wrong)


@settings(max_examples=60, deadline=None)
@given(key=st.sampled_from(sorted(LABELS)), lang=st.sampled_from(LANGS),
       value=st.one_of(st.text(max_size=20), st.integers(), st.floats(allow_nan=False)))
def test_any_label_formats_with_any_values_in_either_language(key, lang, value):
    """Whatever a caller fills the placeholders with (a file name with braces, a number), the text comes out whole:
    no KeyError or IndexError (a positional `{}`), no ValueError (a format spec that a text does not take), the
    value itself in it."""
    fields = _fields(LABELS[key][lang])
    text = t(key, lang, **{f: value for f in fields})
    assert text
    if fields:
        assert str(value) in text


def test_pick_and_lang_col_follow_the_language():
    assert [i18n.pick("Có", "Yes", lang) for lang in LANGS] == ["Có", "Yes"]
    assert [i18n.lang_col("short", lang) for lang in LANGS] == ["short_vi", "short_en"]
    assert i18n.name_col("en") == "name_en"
    assert [i18n.language_tag(lang) for lang in LANGS] == ["vi-VN", "en-GB"]


def _texts_shown_to_users() -> list[str]:
    """Every label in both languages and the structure names and help the code writes outside the labels."""
    from par_dashboard.domain.units import STRUCTURES
    from par_dashboard.importing import names, template

    texts = [text for texts in LABELS.values() for text in texts.values()]
    texts += [s[k] for s in STRUCTURES for k in ("name_vi", "name_en", "legal_basis")]
    texts += [*names._STRUCTURE_VI.values(), *names._STRUCTURE_EN.values()]
    texts += [help for sheet in template.SHEETS for c in sheet.columns for help in (c.help_vi, c.help_en)]
    return texts


def test_a_date_written_in_a_text_is_dd_mm_yyyy():
    """Issue 18: "Từ 1/7/2025 thuộc …", "(đến 30/6/2025)" on the pages, where every date the code formats reads
    01/07/2025 (fmt_date); "1/7/2025" in English also reads as 7 January to an American reader."""
    short = re.compile(r"(?<![\d/])(\d{1,2})/(\d{1,2})/(\d{4})(?![\d/])")
    bad = sorted({m.group(0) for text in _texts_shown_to_users() for m in short.finditer(text)
                  if len(m.group(1)) < 2 or len(m.group(2)) < 2})
    assert not bad, bad
