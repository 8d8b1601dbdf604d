"""Streamlit glue shared by the entry file and the pages: the shared filters in session state and the URL, the
widgets bound to them, downloads, chart options, cross-filtering. Their data comes through cached.py."""

from __future__ import annotations

import datetime as dt
import logging
import os
import time

import pandas as pd
import streamlit as st

from par_dashboard.domain import catalogue
from par_dashboard.domain.catalogue import FIRST_YEAR_S34
from par_dashboard.i18n import DEFAULT_LANG, LANGS, fmt_date, t
from par_dashboard.security.untrusted import markdown_text, markdown_url
from par_dashboard.shell import cached, login
from par_dashboard.views import exports

_RUN_LOG = logging.getLogger("par_dashboard.runs")


def run_clock() -> tuple[float, float] | None:
    """With PAR_LOG_RUNS=1, the start of a script run, for log_run at its end."""
    return (time.perf_counter(), time.thread_time()) if os.environ.get("PAR_LOG_RUNS") else None


def log_run(clock: tuple[float, float] | None, page: str) -> None:
    """Each script run's server time in the log (`par_dashboard.runs`): what the browser measures from a click
    includes the network and the drawing; this is the server's share alone."""
    if clock is not None:
        _RUN_LOG.warning("run %s: %.1f ms (thread CPU %.1f ms)", page, (time.perf_counter() - clock[0]) * 1000,
                         (time.thread_time() - clock[1]) * 1000)


# ---- shared filters: canonical values in session state, mirrored in the URL
# Widgets bind to their own "_w_<name>" keys and copy into the canonical key on change, because Streamlit
# forgets the state of a widget that a page does not draw: the canonical keys survive moving between pages.
DEFAULTS = {"lang": DEFAULT_LANG, "structure": "S63", "year": 2024, "province": "", "unit": "", "family": "PAR_INDEX",
            "indicator": "PAR_INDEX", "area": "TOTAL", "real": 0,
            "as_of": "", "section": "", "deck": "", "inspection": ""}  # real=1: "real data only" (so far read by the
            # locality page's multi-index section); as_of: the follow-up page's day, ISO (yyyy-mm-dd); "" = today;
            # section: the part of a busy page on screen ("" its first), one filter for every page (a link opens the
            # part it names); deck: the presenter page's scope (DECK_SCOPES; "" = the province's when one is chosen,
            # else the country's); inspection: the inspection whose deck it shows (deck=inspection)
FILTER_KEYS = tuple(DEFAULTS)
DECK_SCOPES = ("country", "province", "unit", "inspection")
AREAS = ("TOTAL", *catalogue.AREAS)
# The sections of the busy pages after their first ("" ), by page: a rerun draws the one on screen only.
SECTIONS = {
    "rankings": ("units", "departments"),
    "indicators": ("attainment", "topbottom", "heatmap"),
    "inspections": ("findings", "recurring", "remedied", "summary"),
    "locality": ("trend", "indices", "areas", "inspections", "followup"),
}


def _validate(key: str, text: str):
    """The typed value of a URL parameter, or raise ValueError."""
    if key == "lang" and text in LANGS:
        return text
    if key == "structure" and text in ("S63", "S34"):
        return text
    if key == "year":
        year = int(text)
        if 2000 <= year <= 2100:
            return year
    if key == "area" and text in AREAS:
        return text
    if key == "family" and text in catalogue.RANKED_FAMILIES:  # the rankings page's index
        return text
    if key == "section" and text in {s for page in SECTIONS.values() for s in page}:
        return text
    if key == "deck" and text in ("", *DECK_SCOPES):
        return text
    if key == "inspection" and (text == "" or not cached.query("inspection_by_id", inspection_id=text).empty):
        return text
    if key == "real" and text in ("0", "1"):
        return int(text)
    if key == "as_of":
        day = dt.date.fromisoformat(text)  # ValueError when it is not a yyyy-mm-dd date
        if 2000 <= day.year <= 2100:
            return day.isoformat()
    if key == "indicator" and text in set(cached.query("indicator_catalogue").indicator_code):
        return text
    if key in ("province", "unit"):
        if text == "":
            return text
        found = cached.query("unit_by_id", unit_id=text)
        if not found.empty and (found.level.iloc[0] == "province") == (key == "province"):
            return text
    raise ValueError(text)


def init_state(page: str | None) -> list[str]:
    """Adopt the URL's filters on the first run of a session and whenever the URL changed under us
    (back/forward, an edited link); return the parameters that were ignored as invalid, as Markdown to show (a link
    can carry any text: it is escaped and cut short, never formatted). `page`: the URL of the page this run draws
    (st.context.url, without its query string).

    Moving to another page clears the query string (Streamlit does): a URL without any of our keys on another page
    than the last run's keeps the session's filters (a move between pages never changes them, so a Back across it
    lands on the same filters too). On the same page it is the default view, reached with Back: the defaults.
    """
    last_page, st.session_state["_url_page"] = st.session_state.get("_url_page"), page
    if pending := st.session_state.pop("_pending_filters", None):
        st.session_state.update(pending)
        return []
    qp = {k: st.query_params[k] for k in FILTER_KEYS if k in st.query_params}
    written = st.session_state.get("_url_written")
    if written is not None and (qp == written or (not qp and page != last_page)):
        return []
    notices: list[str] = []
    values = dict(DEFAULTS)
    for key, text in qp.items():
        try:
            values[key] = _validate(key, text)
        except ValueError:
            notices.append(f"{key}={markdown_text(text if len(text) <= 60 else text[:60] + '…')}")
    if values["unit"] and not values["province"]:
        values["province"] = cached.query("unit_by_id", unit_id=values["unit"]).province_id.iloc[0]
    if values["inspection"] and values["deck"] == "inspection":
        # A link to an inspection's deck (trinh-chieu?deck=inspection&inspection=...) opens it where it was held: what
        # the link does not say (its province, year, structure) is the inspection's, or the page's list of the
        # inspections in scope would not hold it. Only then: the filter stays in every page's link (as `section`
        # does), and a link to the whole country that still carries it must open the whole country.
        held = cached.query("inspection_by_id", inspection_id=values["inspection"]).iloc[0]
        if "province" not in qp:
            values.update(province=held.province_id, structure=held.structure)
        if "year" not in qp:
            values["year"] = int(held.year)
    st.session_state.update(values)
    st.session_state["_url_written"] = qp
    return notices


def sync_url() -> None:
    """Write the filters to the URL: only the ones that differ from their defaults, in a fixed order, in ONE update
    (`from_dict`): the browser adds a history entry for each update of the query string, so a change of filters is
    one Back, and a move between pages (whose query string Streamlit clears, then this writes back unchanged) adds
    none of its own beyond the page's."""
    wanted = {k: str(st.session_state[k]) for k in FILTER_KEYS if st.session_state.get(k, DEFAULTS[k]) != DEFAULTS[k]}
    if {k: st.query_params.get(k) for k in FILTER_KEYS if k in st.query_params} != wanted:
        others = {k: st.query_params.get_all(k) for k in st.query_params if k not in FILTER_KEYS}
        st.query_params.from_dict({**others, **wanted})
    st.session_state["_url_written"] = wanted


def set_filter(**values) -> None:
    """Change shared filters from code (a click on a chart); choosing a province clears the unit below it."""
    if "province" in values and values["province"] != st.session_state.get("province") and "unit" not in values:
        values["unit"] = ""
    st.session_state.update(values)


def _copy_widget(name: str) -> None:
    set_filter(**{name: st.session_state[f"_w_{name}"]})


def filter_widget(widget, name: str, label: str, options: list, **kwargs):
    """A selectbox/radio/segmented control bound to a shared filter; a stale value falls back to the first option."""
    if st.session_state.get(name) not in options and options:
        set_filter(**{name: options[0]})
    st.session_state[f"_w_{name}"] = st.session_state.get(name)
    return widget(label, options, key=f"_w_{name}", on_change=_copy_widget, args=(name,), **kwargs)


def section(page: str, labels: dict[str, str]) -> str:
    """The section of a busy page on screen, chosen with a segmented control bound to the shared filter `section`
    (in the URL): `labels` names the page's first section ("") and those of SECTIONS[page], in order.

    A section of another page (left in the filter by a move, or named by a link) shows this page's first section and
    stays in the filter and the URL: a move between pages must not change the query string, or the browser adds a
    history entry under the old page's path (Back then lands on the old page without its section). Coming back to
    the page that set it finds it again."""
    options = ["", *SECTIONS[page]]
    shown = st.session_state.get("section", "")
    st.session_state["_w_section"] = shown if shown in options else ""
    return st.segmented_control(t("section", lang()), options, key="_w_section", on_change=_copy_widget,
                                args=("section",), format_func=labels.get, required=True,
                                label_visibility="collapsed") or ""


def province_in(structure: str) -> list[str]:
    """The chosen province as unit ids of `structure`: itself, its current province (S63 -> S34),
    or the old provinces it was formed from (S34 -> S63). Empty when no province is chosen."""
    province = st.session_state.get("province", "")
    if not province:
        return []
    if province.startswith(structure):
        return [province]
    lineage = cached.query("province_lineage", province_id=province)
    return lineage[lineage.structure == structure].unit_id.tolist()


def downloads(df, *, name: str, title: str, filters: dict[str, object], demo: bool, key: str,
              sources: list[str] | None = None) -> None:
    """CSV and Excel buttons for a table; the files are made only when clicked, named after the filters. `df` may be
    a function returning the table, so a large table is formatted only when someone downloads it. Only for roles
    that may export (login.allowed): nothing is drawn for the others."""
    if not login.allowed("export"):
        return
    lang_ = lang()
    table = df if callable(df) else lambda: df
    if cached.real_only():  # the file says it holds real data only (in its filters row and its name)
        filters = {**filters, t("real_only", lang_): t("real_only", lang_)}
    stem = exports.file_stem(name, filters)
    row = st.container(horizontal=True)
    row.download_button(t("download_csv", lang_), data=lambda: exports.to_csv_bytes(table(), lang_),
                       file_name=exports.csv_file_name(stem, lang_),
                       mime="text/csv", key=f"csv_{key}", on_click="ignore", icon=":material/download:")
    row.download_button(t("download_xlsx", lang_),
                       data=lambda: exports.to_xlsx_bytes(table(), title=title, filters=filters, lang=lang_, demo=demo, sources=sources),
                       file_name=f"{stem}.xlsx", key=f"xlsx_{key}", on_click="ignore", icon=":material/table:",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def chart_config(**options) -> dict:
    """Plotly's options for a chart of a page: no logo, and the modebar's "Download plot as a PNG" only for roles
    that may export (a chart's image is a download too); zoom, pan and reset stay for everyone."""
    config = {"displaylogo": False, **options}
    if not login.allowed("export"):
        config["modeBarButtonsToRemove"] = ["toImage"]
    return config


def as_of() -> dt.date:
    """The follow-up page's "as of" day: the URL's (a shared filter), else today."""
    text = st.session_state.get("as_of", "")
    return dt.date.fromisoformat(text) if text else dt.date.today()


def lang() -> str:
    return st.session_state.get("lang", DEFAULT_LANG)


def real_only_toggle(lang_: str) -> bool:
    """The sidebar's "real data only" switch, in the URL (?real=1) like the other shared filters: every page, deck
    and download then reads the database without its synthetic rows (cached.reader)."""
    st.session_state["_w_real"] = bool(st.session_state.get("real", 0))
    st.toggle(t("real_only", lang_), key="_w_real", help=t("real_only_help", lang_),
              on_change=lambda: set_filter(real=int(st.session_state["_w_real"])))
    return cached.real_only()


def empty(key: str, **values) -> None:
    """A page's "nothing to show" sentence; with "real data only" on, also that the demo figures are hidden (a page
    with nothing real says so)."""
    text = t(key, lang(), **values)
    if cached.real_only():
        text += " " + t("real_only_hidden", lang())
    st.info(text)


def present(value) -> bool:
    """A field that holds something: not None, NaN, NaT or pd.NA (a LEFT JOIN's missing batch), nor empty."""
    return value is not None and not (pd.api.types.is_scalar(value) and pd.isna(value)) and str(value) != ""


def provenance_text(source_id, *, what: str, rank_source_id=None) -> str | None:
    """Where a figure comes from, as Markdown (a table row's box, a card's "?"): the source's kind, title, address,
    date and note, and for an import the batch, who loaded it, when and from which file. A missing field is left
    out, never written as "nan"; None when there is no such source."""
    lang_ = lang()
    if not present(source_id):
        return None
    src = cached.query("source_detail", source_id=int(source_id))
    if src.empty:
        return None
    s = src.iloc[0]
    lines = [f"**{t('prov_title', lang_, what=markdown_text(what))}** — {markdown_text(t(s.kind, lang_))}",
             f"- {markdown_text(s.title)}" + (f": {markdown_url(s.url)}" if present(s.url) else "")]
    if present(s.published_on):
        lines.append(f"- {t('prov_date', lang_, date=fmt_date(pd.Timestamp(s.published_on).date(), lang_))}")
    if present(s.file):
        lines.append(f"- {t('prov_file', lang_, file=markdown_text(s.file))}")
    if present(s.note):
        lines.append(f"- {markdown_text(s.note)}")
    if present(s.batch_id):
        at = pd.Timestamp(s.loaded_at)
        lines.append(f"- {t('prov_batch', lang_, batch=int(s.batch_id), user=markdown_text(s.loaded_by), file=markdown_text(s.batch_file), day=fmt_date(at.date(), lang_), time=f'{at:%H:%M}')}")
    if present(rank_source_id) and int(rank_source_id) != int(source_id):
        rank = cached.query("source_detail", source_id=int(rank_source_id))
        if not rank.empty:
            lines.append(f"- {t('prov_rank', lang_, title=markdown_text(rank.title.iloc[0]))}")
    return "\n".join(lines)


def provenance(source_id, *, what: str, rank_source_id=None) -> None:
    """`provenance_text` in a box, one click from its figure (a table row chosen)."""
    if text := provenance_text(source_id, what=what, rank_source_id=rank_source_id):
        st.container(border=True).markdown(text)


def source_text(source_id, *, what: str, rank_source_id=None) -> str | None:
    """`provenance_text` of one figure, or, for a figure rolled up from several units' figures (no `source_id`: each
    part has its own), a sentence saying it has no single source rather than nothing."""
    if present(source_id):
        return provenance_text(source_id, what=what, rank_source_id=rank_source_id)
    return t("prov_rollup", lang(), what=markdown_text(what))


def source_box(source_id, *, what: str, rank_source_id=None) -> None:
    """`source_text` in a box."""
    if text := source_text(source_id, what=what, rank_source_id=rank_source_id):
        st.container(border=True).markdown(text)


MARK_WIDTH = 92  # px: the source column's "Mô phỏng" / "Demo" / "Published" whole


def mark_in_view(columns, name: str | None, lang_: str) -> dict:
    """A table's column_config keeping each row's demo mark in view: the columns up to and including the row's `name`
    and the source column (whose "Mô phỏng"/"Demo" is the mark) pinned, shown first in that order and never scrolled
    away. A 1 440 px screen gives a table beside a chart some 420 px: the source column, last, was off to the right."""
    columns = list(columns)
    source = t("source", lang_)
    config = {c: st.column_config.Column(pinned=True) for c in (columns[:columns.index(name) + 1] if name in columns else [])}
    if source in columns:  # as wide as "Mô phỏng" (a longer text, cut, is whole in its row's source box): the row's
        config[source] = st.column_config.Column(pinned=True, width=MARK_WIDTH)  # figure stays in view beside them
    return config


def table_with_sources(table, rows: pd.DataFrame, *, key: str, what, clicked=None, name: str | None = None,
                       **dataframe_kw) -> None:
    """A table whose rows' sources are one click away: a row chosen in it shows its source above it (`source_box`).
    `rows` is the frame the table was made from, row for row (its `source_id`, maybe `rank_source_id`); `what(row)`
    names the row's figure ("Cao Lộc, 2024"). `clicked()`, when given, draws the box for a figure chosen elsewhere (a
    map region) while no row is chosen. `name`: the column naming the row; given, it and the source column (the demo
    mark) stay in view whatever the table's width (`mark_in_view`)."""
    if name is not None:
        columns = table.data.columns if hasattr(table, "data") else table.columns  # a Styler, or a frame
        dataframe_kw["column_config"] = {**mark_in_view(columns, name, lang()), **dataframe_kw.get("column_config", {})}
    box = st.container()  # above the table (which may be 900 px high): seen without scrolling
    chosen = st.dataframe(table, hide_index=True, width="stretch", on_select="rerun", selection_mode="single-row",
                          key=key, **dataframe_kw)
    with box:
        if chosen.selection.rows:  # positions in the frame given, whatever sort the reader chose
            row = rows.iloc[chosen.selection.rows[0]]
            source_box(row.get("source_id"), what=what(row), rank_source_id=row.get("rank_source_id"))
        elif clicked is not None:
            clicked()
        else:
            st.caption(t("prov_pick", lang()))


def demo_badge(lang_: str, *, hatched: bool = True) -> None:
    """The page's demo banner. `hatched=False` on a page whose demo figures cannot be hatched (a choropleth, cards):
    the banner then says where their mark is rather than promising a hatching the reader would look for in vain."""
    notice = t("demo_notice" if hatched else "demo_notice_unhatched", lang_)
    st.warning(f"**{t('demo_label', lang_)}** — {notice}", icon="⚠️")


def locality_filters(lang_: str) -> None:
    """Sidebar: province, then district and commune (63-province structure) or commune (34-province one).
    A chosen locality follows a structure switch to its counterpart (old province -> current province)."""
    structure = st.session_state.structure
    province = st.session_state.get("province", "")
    if province and not province.startswith(structure):
        counterpart = province_in(structure)
        unit = st.session_state.get("unit", "")
        new_unit = ""
        if unit.startswith("S63-C-") and structure == "S34":
            new_unit = cached.query("unit_lineage", unit_id=unit).query("relation == 'became'").unit_id.head(1).tolist()
            new_unit = new_unit[0] if new_unit else ""
        set_filter(province=counterpart[0] if counterpart else "", unit=new_unit)
    provinces = cached.query("provinces_by_structure", structure=structure)
    scope = login.province_scope(structure)  # a province-scoped user: their province, fixed
    if scope is not None:
        provinces = provinces[provinces.unit_id.isin(scope)]
    names = dict(zip(provinces.unit_id, provinces.short_name, strict=True))
    filter_widget(st.selectbox, "province", t("province", lang_), [""] * (scope is None) + provinces.unit_id.tolist(),
                  format_func=lambda u: names.get(u) or t("whole_country", lang_), disabled=scope is not None and len(scope) == 1)
    province = st.session_state.province
    if not province:
        return
    unit = st.session_state.get("unit", "")
    chosen = cached.query("unit_by_id", unit_id=unit) if unit else None
    if chosen is not None and (chosen.empty or chosen.province_id.iloc[0] != province):
        set_filter(unit="")
        unit, chosen = "", None
    if structure == "S63":
        districts = cached.query("subunits_of_province", province_id=province, level="district", parent_id="")
        district = "" if chosen is None else (unit if chosen.level.iloc[0] == "district" else chosen.parent_id.iloc[0] or "")
        _unit_select("district", t("district", lang_), districts, district, "", lang_)
        if district:
            communes = cached.query("subunits_of_province", province_id=province, level="commune", parent_id=district)
            commune = unit if chosen is not None and chosen.level.iloc[0] == "commune" else ""
            _unit_select("commune", t("commune", lang_), communes, commune, district, lang_)
    else:
        communes = cached.query("subunits_of_province", province_id=province, level="commune", parent_id="")
        commune = unit if chosen is not None and chosen.level.iloc[0] == "commune" else ""
        _unit_select("commune", t("commune", lang_), communes, commune, "", lang_)


def _unit_select(level: str, label: str, units: pd.DataFrame, value: str, parent: str, lang_: str) -> None:
    """A selectbox for one level of the locality; choosing none falls back to the level above."""
    key = f"_w_unit_{level}"
    names = dict(zip(units.unit_id, units.short_name, strict=True))
    st.session_state[key] = value if value in names else ""
    st.selectbox(label, [""] + units.unit_id.tolist(), key=key,
                 format_func=lambda u: names.get(u) or t("none_selected", lang_),
                 on_change=lambda: set_filter(unit=st.session_state[key] or parent))


def view_structure() -> str:
    """The structure the pages show: the chosen one (2025 on is only in the 34-province structure)."""
    return "S34" if st.session_state.structure == "S34" or st.session_state.year >= FIRST_YEAR_S34 else "S63"


def open_locality(unit_id: str, *, switch: bool = True) -> None:
    """Cross-filtering: a click on a bar or a region (or a search result) selects that locality and opens its
    profile. The structure follows the unit, so the change waits for the next run (see init_state)."""
    found = cached.query("unit_by_id", unit_id=unit_id)
    if found.empty:
        return
    row = found.iloc[0]
    pending = {"structure": row.structure, "province": unit_id if row.level == "province" else row.province_id,
               "unit": unit_id if row.level in ("district", "commune") else "",
               "_profile_department": unit_id if row.level == "department" else ""}
    if row.structure == "S34" and st.session_state.get("year", 0) < FIRST_YEAR_S34 and row.level == "commune":
        pending["year"] = FIRST_YEAR_S34  # current communes have figures from 2025 only
    if row.structure == "S63" and st.session_state.get("year", 0) >= FIRST_YEAR_S34:
        pending["year"] = FIRST_YEAR_S34 - 1
    # Applied by init_state on the next run, before the sidebar widgets exist (a drawn widget's state is read-only).
    st.session_state["_pending_filters"] = pending
    if switch:
        st.switch_page("pages/locality.py")
    st.rerun()
