"""Labels in Vietnamese (default) and English, and number/date formats through Babel."""

from __future__ import annotations

import datetime as dt
import functools
import math
import tomllib
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from babel.dates import format_date
from babel.numbers import get_decimal_symbol, get_group_symbol, get_minus_sign_symbol

LANGS = ("vi", "en")
DEFAULT_LANG = "vi"  # what a page shows before anyone chooses, and what a URL without ?lang= means
_LOCALE = {"vi": "vi_VN", "en": "en_GB"}
LANG_NAMES = {"vi": "Tiếng Việt", "en": "English"}  # each language named in itself, as a language switch offers it

LABELS_DIR = Path(__file__).parent / "labels"


def _load_labels() -> dict[str, dict[str, str]]:
    """All `labels/*.toml` files, one per page plus `common.toml`: `[key]` tables with `vi` and `en`.

    A key defined in two files, or missing a language, is an error at import time, not a blank label.
    """
    labels: dict[str, dict[str, str]] = {}
    origin: dict[str, str] = {}
    for path in sorted(LABELS_DIR.glob("*.toml")):
        for key, texts in tomllib.loads(path.read_text(encoding="utf-8")).items():
            if key in labels:
                raise ValueError(f"label {key!r} defined in both {origin[key]} and {path.name}")
            missing = [lang for lang in LANGS if not texts.get(lang)]
            if missing:
                raise ValueError(f"label {key!r} in {path.name} has no text for {missing}")
            labels[key], origin[key] = texts, path.name
    return labels


LABELS = _load_labels()


def t(key: str, lang: str = "vi", **kw) -> str:
    text = LABELS[key].get(lang) or LABELS[key]["vi"]
    return text.format(**kw) if kw else text


def pick(vi: str, en: str, lang: str):
    """Of something given in both languages outside the labels (a message object's pair, a seed's two names), the
    one for `lang`. With t() and lang_col the only places that choose a text by language (tests/test_i18n.py)."""
    return vi if lang == "vi" else en


def lang_col(stem: str, lang: str) -> str:
    """The column (or field) holding `stem` in `lang`: 'short' -> 'short_vi' / 'short_en' (tables and rows that
    carry both languages: the catalogue, the PAR areas, the index families)."""
    return f"{stem}_vi" if lang == "vi" else f"{stem}_en"


def name_col(lang: str) -> str:
    return lang_col("name", lang)


@dataclass(frozen=True)
class PerLang:
    """A value of a label's placeholder written in each language its own way (a number's separators, a name)."""

    vi: str
    en: str

    def text(self, lang: str) -> str:
        return pick(self.vi, self.en, lang)


def both(key: str, /, **kw) -> tuple[str, str]:
    """The label formatted in Vietnamese and in English, for what keeps both (an import's problems are shown, stored
    and exported in either language); a `PerLang` value is put in each in its own language. (As t(), whose own
    parameters could not also be placeholders: {key}, {lang}; called for every problem of a file, so kept lean.)"""
    texts = LABELS[key]
    if not kw:
        return texts["vi"], texts["en"]
    vi_kw = en_kw = kw
    if any(isinstance(v, PerLang) for v in kw.values()):
        vi_kw = {k: v.vi if isinstance(v, PerLang) else v for k, v in kw.items()}
        en_kw = {k: v.en if isinstance(v, PerLang) else v for k, v in kw.items()}
    return texts["vi"].format(**vi_kw), texts["en"].format(**en_kw)


def fmt_num(value, lang: str = "vi", decimals: int = 2) -> str:
    """92.18 -> '92,18' (vi) / '92.18' (en); '—' for a missing value."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    try:
        import pandas as pd

        if pd.isna(value):
            return "—"
    except (TypeError, ValueError):
        pass
    # Babel's format_decimal(value, "#,##0.00", locale) parses its pattern and walks the digits in Python on every
    # call (~0,2 ms: a ranking table of 700 districts spent 150 ms there). The same result from the locale's
    # symbols and Python's decimal formatting, which rounds the same way (the value's decimal text, half to even);
    # tests/test_charts.py checks it against format_decimal over thousands of values.
    decimal, group, minus = _symbols(lang)
    text = format(value if isinstance(value, Decimal) else Decimal(str(value)), f",.{decimals}f")
    return text.translate({ord(","): group, ord("."): decimal, ord("-"): minus})


def with_decimal_symbol(text: str, lang: str) -> str:
    """A number written with a decimal point ('96.17', '1.5e+20'), with `lang`'s decimal symbol instead: a value shown
    as it was typed, in full and not grouped (fmt_num rounds to a fixed number of decimals and groups thousands)."""
    return text.replace(".", _symbols(lang)[0])


@functools.cache
def _symbols(lang: str) -> tuple[str, str, str]:
    locale = _LOCALE[lang]
    return get_decimal_symbol(locale), get_group_symbol(locale), get_minus_sign_symbol(locale)


def fmt_signed(value, lang: str = "vi", decimals: int = 2, ascii_minus: bool = False) -> str:
    """+2,08 / −1,14 / 0; '—' when missing. `ascii_minus` for widgets that read the sign (st.metric deltas)."""
    text = fmt_num(value, lang, decimals)
    if text == "—":
        return text
    if float(value) > 0:
        return "+" + text
    return text if ascii_minus else text.replace("-", "−")


def fmt_pct(value, lang: str = "vi", decimals: int = 2) -> str:
    text = fmt_num(value, lang, decimals)
    return text if text == "—" else f"{text} %"


def fmt_date(value: dt.date | None, lang: str = "vi") -> str:
    return "—" if value is None else format_date(value, "dd/MM/yyyy", locale=_LOCALE[lang])


def number_symbols(lang: str) -> tuple[str, str]:
    """(decimal, group) as fmt_num writes them in `lang`: (',', '.') in Vietnamese, ('.', ',') in English."""
    decimal, group, _ = _symbols(lang)
    return decimal, group


def plotly_separators(lang: str) -> str:
    """Plotly's `layout.separators`: decimal then thousands, as fmt_num writes them."""
    return "".join(number_symbols(lang))


def language_tag(lang: str) -> str:
    """The BCP 47 tag of `lang`'s locale ('vi-VN', 'en-GB'): what a document says its text is written in."""
    return _LOCALE[lang].replace("_", "-")
