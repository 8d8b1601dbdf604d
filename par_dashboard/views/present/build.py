"""Building a deck from the current filters: queries in, slides out. Pure pandas, no Streamlit, no rendering.

`query(name, **params)` is `par_dashboard.shell.cached.query` on the page and `Database.query` elsewhere, so
the deck shows the very figures the other pages show.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable

import pandas as pd

from par_dashboard.domain import officials
from par_dashboard.domain.units import structure_for_year
from par_dashboard.i18n import fmt_date, fmt_num, fmt_pct, fmt_signed, lang_col, t
from par_dashboard.views import followup, locality
from par_dashboard.views.exports import file_stem
from par_dashboard.views.present.model import Chart, Deck, Series, Slide, Stat

Query = Callable[..., pd.DataFrame]

WINDOW = 5          # provinces shown above and below the subject on its ranking slide
TOP_N = 10          # provinces on each of the country deck's ranking slides
MAX_VISITS = 6      # team visits listed on the inspections slide
MAX_QUOTES = 3      # limitations quoted on the limitations slide
MAX_RECOMMENDATIONS = 5
QUOTE_CHARS = 170   # a quoted finding is cut at a word boundary near this length
STATUS_ORDER = ("resolved", "in_progress", "open")


class DeckScopeError(ValueError):
    """The chosen province does not exist in the year's structure (the page says which one to choose)."""


def _name(lang: str) -> str:
    return lang_col("short", lang)


def _ind_name(row, lang: str) -> str:
    return row[lang_col("name", lang)]


def _quote(text: str) -> str:
    text = " ".join(str(text).split())
    if len(text) <= QUOTE_CHARS:
        return text
    cut = text[:QUOTE_CHARS].rsplit(" ", 1)[0]
    return cut.rstrip(",;:") + " …"


def _sources(frame: pd.DataFrame, lang: str, title_col: str = "source_title", kind_col: str = "source_kind") -> list[str]:
    """Distinct source titles of the rows (demo rows named once by their kind)."""
    out: list[str] = []
    if frame is None or frame.empty:
        return out
    for kind, title in zip(frame[kind_col] if kind_col in frame else [None] * len(frame),
                           frame[title_col] if title_col in frame else [None] * len(frame), strict=True):
        label = t("synthetic_demo", lang) if kind == "synthetic_demo" else (title if isinstance(title, str) else
                                                                             (t(kind, lang) if isinstance(kind, str) else None))
        if label and label not in out:
            out.append(label)
    return out


def _is_demo(frame: pd.DataFrame, col: str = "source_kind") -> bool:
    return frame is not None and not frame.empty and col in frame and bool(frame[col].eq("synthetic_demo").any())


def build_deck(query: Query, *, lang: str, year: int, province_id: str = "", event: str = "", body: str = "",
               on: dt.date | None = None, real_only: bool = False) -> Deck:
    """The deck of one province (`province_id` of the year's structure) or of the whole country (`""`). `real_only`:
    `query` reads the data without its synthetic rows (the "real data only" switch), which the title slide says."""
    structure = structure_for_year(year)
    on = on or dt.date.today()
    if province_id:
        found = query("unit_by_id", unit_id=province_id)
        if found.empty or found.level.iloc[0] != "province" or found.structure.iloc[0] != structure:
            raise DeckScopeError(province_id)
        province = found.iloc[0]
        place = province["name"]
        short = province["short_name"]
        provinces = [province_id]
    else:
        province, place, short, provinces = None, t("whole_country", lang), t("whole_country", lang), []
    event = event.strip() or t("deck_default_event", lang, year=year)
    body = body.strip() or (t("deck_default_body_province", lang, province=short) if province_id
                            else t("deck_default_body_country", lang))
    title = t("deck_title", lang, year=year, place=place)
    selection = {"year": year, "provinces": provinces, "units": []}

    slides = [_title_slide(lang, year, place, structure, title, event, body, on)]
    ranking = query("par_score_by_province_year", year=year, family="PAR_INDEX", area="TOTAL")
    average = query("par_average_by_year", year=year, family="PAR_INDEX", area="TOTAL").iloc[0]
    if province_id:
        slides.append(_ranking_province(ranking, average, province_id, short, lang, year))
    else:
        slides.extend(_ranking_country(ranking, average, lang, year))
    slides.append(_map_slide(query, lang, year, structure, province_id, short))
    slides.append(_areas_slide(query, lang, year, province_id, short))
    slides.append(_targets_slide(query, lang, year, structure, province_id, short))
    visits = query("inspection_by_selection", **selection)
    slides.append(_inspections_slide(query, visits, selection, lang, year, short, bool(province_id)))
    slides.append(_limitations_slide(query, selection, lang, year, short))
    slides.append(_remediation_slide(query, selection, lang, year, short))
    slides.append(followup.deck_slide(query, province_id, short, lang, on))  # remediation follow-up as of the deck's date
    slides.append(_recommendations_slide(query, selection, slides, lang, year, short))
    for slide in slides[1:]:
        if not slide.notes:
            slide.notes = " ".join([slide.title, *slide.bullets])
    any_demo = any(s.demo for s in slides)
    slides[0].demo = any_demo
    if any_demo:
        slides[0].bullets.append(t("deck_demo_scope", lang))
    if real_only:
        slides[0].bullets.append(t("deck_real_only", lang))
    stem = file_stem("trình chiếu", {"year": year, "place": short})
    return Deck(lang=lang, year=year, province_id=province_id, place=place, title=title, event=event, body=body,
                on=on, slides=slides, file_stem=stem)


# ---- 1. title
def _title_slide(lang, year, place, structure, title, event, body, on) -> Slide:
    bullets = [t("deck_scope", lang, place=place, year=year),
               t("deck_structure_S34" if structure == "S34" else "deck_structure_S63", lang)]
    return Slide(key="title", title=title, subtitle=event,
                 stats=[Stat(t("deck_body", lang), body), Stat(t("deck_date", lang), fmt_date(on, lang))],
                 bullets=bullets, notes=f"{event}. {title}. {body}, {fmt_date(on, lang)}.")


# ---- 2. ranking and change
def _rank(row) -> str:
    r = row.get("display_rank", row.get("rank"))
    return "—" if pd.isna(r) else str(int(r))


def _score_range(lo: float, hi: float) -> tuple[float, float]:
    """The value axis of a ranking slide: a step fitted to the scores' spread, one step below the lowest (an axis to 100
    left half the slide empty when the window's scores were 88–91), the top a little above the best."""
    step = 0.5 if hi - lo < 2 else 1.0 if hi - lo < 4 else 2.0 if hi - lo < 10 else 5.0
    top = math.ceil(hi / step) * step
    top += step if top - hi < step / 4 else 0.0  # room for the longest bar's label
    return max(0.0, math.floor(lo / step) * step - step), min(100.0, top)


def _ranking_chart(rows: pd.DataFrame, lang: str, title: str, highlight: str | None = None) -> Chart:
    rows = rows.sort_values("score", ascending=False)
    lo, hi = float(rows["score"].min()), float(rows["score"].max())
    return Chart(kind="bar", title=title,
                 categories=[f"{_rank(r)}. {r['short_name']}" for _, r in rows.iterrows()],
                 series=[Series(t("score", lang), [float(v) for v in rows["score"]])],
                 value_title=t("score", lang), decimals=2,
                 value_range=_score_range(lo, hi),
                 highlight=None if highlight is None else next(
                     (f"{_rank(r)}. {r['short_name']}" for _, r in rows.iterrows() if r["unit_id"] == highlight), None),
                 unit_ids=rows["unit_id"].tolist(), demo=_is_demo(rows))


def _ranking_province(ranking, average, province_id, short, lang, year) -> Slide:
    title = t("deck_ranking_title", lang, year=year)
    scored = ranking[ranking["score"].notna()].sort_values("score", ascending=False).reset_index(drop=True)
    here = scored.index[scored["unit_id"] == province_id]
    if here.empty:
        return Slide(key="ranking", title=title, empty=t("deck_no_score", lang, place=short, year=year))
    i = int(here[0])
    window = scored.iloc[max(0, i - WINDOW): i + WINDOW + 1]
    row = scored.iloc[i]
    n = int(row["rank_of"]) if pd.notna(row.get("rank_of")) else len(scored)
    bullets = [t("deck_rank_line", lang, place=short, rank=_rank(row), n=n, score=fmt_num(row["score"], lang))]
    if pd.notna(row["score_change"]):
        moved = row["rank_change"]
        prev = t("deck_prev_rolled", lang, year=year - 1) if bool(row.get("prev_rolled", False)) else year - 1
        bullets.append(t("deck_change_line", lang, change=fmt_signed(row["score_change"], lang), prev=prev,
                         ranks=("—" if pd.isna(moved) else fmt_signed(moved, lang, 0))))
    mean = average.published_mean if pd.notna(average.published_mean) else average.computed_mean
    if pd.notna(mean):
        bullets.append(t("deck_mean_line", lang, mean=fmt_num(mean, lang),
                         gap=fmt_signed(float(row["score"]) - float(mean), lang)))
    chart = _ranking_chart(window, lang, t("deck_ranking_window", lang, year=year), highlight=province_id)
    return Slide(key="ranking", title=title, bullets=bullets, chart=chart, sources=_sources(window, lang),
                 demo=_is_demo(window),
                 notes=" ".join(bullets) + " " + t("deck_ranking_notes", lang, n=len(window)))


def _ranking_country(ranking, average, lang, year) -> list[Slide]:
    scored = ranking[ranking["score"].notna()].sort_values("score", ascending=False)
    title_top, title_bottom = t("deck_top_title", lang, n=TOP_N, year=year), t("deck_bottom_title", lang, n=TOP_N, year=year)
    if scored.empty:
        empty = t("deck_no_score", lang, place=t("whole_country", lang), year=year)
        return [Slide(key="ranking_top", title=title_top, empty=empty),
                Slide(key="ranking_bottom", title=title_bottom, empty=empty)]
    top, bottom = scored.head(TOP_N), scored.tail(TOP_N)
    mean = average.published_mean if pd.notna(average.published_mean) else average.computed_mean
    bullets_top = [t("deck_leader_line", lang, place=top.iloc[0]["short_name"], score=fmt_num(top.iloc[0]["score"], lang))]
    if pd.notna(mean):
        bullets_top.append(t("deck_national_mean", lang, mean=fmt_num(mean, lang), n=len(scored)))
    changes = scored[scored["score_change"].notna()]
    bullets_bottom = []
    if not changes.empty:
        rise = changes.sort_values("score_change", ascending=False).iloc[0]
        fall = changes.sort_values("score_change").iloc[0]
        bullets_bottom.append(t("deck_rise_line", lang, place=rise["short_name"], change=fmt_signed(rise["score_change"], lang)))
        if fall["score_change"] < 0:
            bullets_bottom.append(t("deck_fall_line", lang, place=fall["short_name"], change=fmt_signed(fall["score_change"], lang)))
        if "prev_rolled" in changes and changes["prev_rolled"].any():  # the first 34-province year: compared with the year before rolled up
            bullets_bottom.append(t("deck_rolled_note", lang, prev=year - 1))
    return [
        Slide(key="ranking_top", title=title_top, bullets=bullets_top, chart=_ranking_chart(top, lang, title_top),
              sources=_sources(top, lang), demo=_is_demo(top)),
        Slide(key="ranking_bottom", title=title_bottom, bullets=bullets_bottom,
              chart=_ranking_chart(bottom, lang, title_bottom), sources=_sources(bottom, lang), demo=_is_demo(bottom)),
    ]


# ---- 3. map
def _map_slide(query, lang, year, structure, province_id, short) -> Slide:
    catalogue = query("indicator_catalogue").set_index("indicator_code")
    info = catalogue.loc["PAR_INDEX"]
    name = _ind_name(info, lang)
    if province_id:
        level = "commune" if structure == "S34" else "district"
        frame = query("map_value_by_unit_year", structure=structure, level=level, province_ids=[province_id],
                      indicator="PAR_INDEX", year=year)
        layer, within = f"{structure}-{level}", (province_id,)
        title = t("deck_map_title_units", lang, units=t(f"deck_level_{level}", lang), place=short, year=year)
    else:
        level = "province"
        frame = query("map_value_by_unit_year", structure=structure, level="province", province_ids=[],
                      indicator="PAR_INDEX", year=year)
        layer, within = f"{structure}-province", ()
        title = t("deck_map_title_country", lang, year=year)
    frame = frame[frame["value"].notna()]
    if frame.empty:
        return Slide(key="map", title=title, empty=t("deck_no_map", lang, indicator=name, place=short, year=year))
    ranked = frame.sort_values("value", ascending=info.direction == "lower")
    best = ", ".join(f"{r.short_name} ({fmt_num(r.value, lang)})" for r in ranked.head(3).itertuples())
    worst = ", ".join(f"{r.short_name} ({fmt_num(r.value, lang)})" for r in ranked.tail(3).iloc[::-1].itertuples())
    bullets = [t("deck_map_best", lang, units=best), t("deck_map_worst", lang, units=worst)]
    chart = Chart(kind="map", title=name, value_title=name, map_frame=frame.reset_index(drop=True), map_layer=layer,
                  map_provinces=within, reverse_scale=info.direction == "lower", demo=_is_demo(frame),
                  categories=frame["short_name"].tolist(), series=[Series(name, frame["value"].astype(float).tolist())])
    return Slide(key="map", title=title, bullets=bullets, chart=chart, demo=_is_demo(frame),
                 sources=_sources(frame.assign(source_title=None), lang),
                 notes=t("deck_map_notes", lang, n=len(frame), level=t(f"deck_level_{level}", lang)) + " " + " ".join(bullets))


# ---- 4. the eight areas
def _areas_slide(query, lang, year, province_id, short, mean_label: str = "") -> Slide:
    """The eight areas of a unit (`province_id`: a province, or a district/commune with `mean_label` naming its peers'
    mean) or of the country."""
    title = t("deck_areas_title", lang, year=year)
    areas = query("par_areas")
    names = [f"{n}. {s}" for n, s in zip(areas["number"], areas[_name(lang)], strict=True)]
    if province_id:
        scores = query("unit_area_scores_year", unit_id=province_id, year=year)
        if scores["value"].isna().all():
            return Slide(key="areas", title=title, empty=t("deck_no_areas", lang, place=short, year=year))
        scores = scores.set_index("area_code").reindex(areas["area_code"])
        series = [Series(short, scores["value"].astype(float).tolist()),
                  Series(mean_label or t("loc_avg_national", lang), scores["peer_mean"].astype(float).tolist(), role="reference")]
        gaps = (scores["value"] - scores["peer_mean"]).tolist()
        below = [n for n, g in zip(names, gaps, strict=True) if pd.notna(g) and g < 0]
        weakest = names[int(pd.Series(scores["value"].tolist()).idxmin())]
        bullets = [t("deck_areas_all_below", lang, n=len(below)) if len(below) == len(names)
                   else t("deck_areas_below", lang, n=len(below), areas="; ".join(below) or "—"),
                   t("deck_areas_weakest", lang, area=weakest)]
        demo = bool(scores["any_demo"].fillna(False).any())
        sources = _sources(scores.reset_index(), lang)
    else:
        means, highs, lows, demo, frames = [], [], [], False, []
        for code in areas["area_code"]:
            by_province = query("par_score_by_province_year", year=year, family="PAR_INDEX", area=code)
            scored = by_province["score"].dropna()
            means.append(float(scored.mean()) if not scored.empty else None)
            highs.append(float(scored.max()) if not scored.empty else None)
            lows.append(float(scored.min()) if not scored.empty else None)
            demo = demo or _is_demo(by_province)
            frames.append(by_province)
        if all(m is None for m in means):
            return Slide(key="areas", title=title, empty=t("deck_no_areas", lang, place=short, year=year))
        series = [Series(t("deck_highest", lang), highs, role="reference"), Series(t("deck_mean", lang), means),
                  Series(t("deck_lowest", lang), lows, role="reference")]
        valid = [(m, n) for m, n in zip(means, names, strict=True) if m is not None]
        bullets = [t("deck_areas_country_strongest", lang, area=max(valid)[1], mean=fmt_num(max(valid)[0], lang)),
                   t("deck_areas_country_weakest", lang, area=min(valid)[1], mean=fmt_num(min(valid)[0], lang))]
        sources = _sources(pd.concat(frames), lang)
    values = [v for s in series for v in s.values if v is not None and pd.notna(v)]
    lo = min(values) if values else 0
    chart = Chart(kind="bar", title=title, categories=names, series=series, value_title=t("score", lang),
                  value_range=(max(0.0, (int(lo) // 10) * 10 - 10.0), 100.0), demo=demo)
    return Slide(key="areas", title=title, bullets=bullets, chart=chart, demo=demo, sources=sources)


# ---- 5. indicators against targets
def _targets_slide(query, lang, year, structure, province_id, short) -> Slide:
    title = t("deck_targets_title", lang, year=year)
    if province_id:
        card = query("unit_indicator_card", unit_id=province_id, year=year)
        rows = card.set_index("indicator_code").reindex([c for c in locality.KEY_OPS if c in set(card["indicator_code"])])
        if rows.empty:
            return Slide(key="targets", title=title, empty=t("deck_no_targets", lang, place=short, year=year))
        names = [_ind_name(r, lang) for _, r in rows.iterrows()]
        met = [bool(m) if pd.notna(tv) else None for m, tv in zip(rows["target_met"], rows["target_value"], strict=True)]
        header = [t("indicator", lang), t("loc_value", lang), t("loc_target", lang), t("loc_status", lang)]
        table = [header] + [[n, fmt_pct(v, lang), fmt_pct(tv, lang),
                             t("loc_no_target", lang) if m is None else t("loc_met" if m else "loc_not_met", lang)]
                            for n, v, tv, m in zip(names, rows["value"], rows["target_value"], met, strict=True)]
        series = [Series(short, rows["value"].astype(float).tolist()),
                  Series(t("loc_target", lang), rows["target_value"].astype(float).tolist(), role="reference")]
        missed = [n for n, m in zip(names, met, strict=True) if m is False]
        bullets = [t("deck_targets_met", lang, met=sum(m is True for m in met), n=sum(m is not None for m in met))]
        if missed:
            bullets.append(t("deck_targets_missed", lang, indicators="; ".join(missed)))
        demo = _is_demo(card)
        sources = _sources(card.assign(source_title=None), lang)
    else:
        catalogue = query("indicator_catalogue").set_index("indicator_code")
        names, shares, table_rows, demo = [], [], [], False
        for code in locality.KEY_OPS:
            if code not in catalogue.index:
                continue
            counts = query("indicator_target_attainment_by_year", indicator=code, level="province", structure=structure,
                           province_id="", year_from=year, year_to=year)
            if counts.empty:
                continue
            c = counts.iloc[0]
            judged = int(c.n_met) + int(c.n_not_met)
            if judged == 0:
                continue
            names.append(_ind_name(catalogue.loc[code], lang))
            shares.append(100.0 * int(c.n_met) / judged)
            table_rows.append([names[-1], f"{int(c.n_met)}/{judged}", fmt_pct(shares[-1], lang, 1)])
            demo = demo or bool(c.any_demo)
        if not names:
            return Slide(key="targets", title=title, empty=t("deck_no_targets", lang, place=short, year=year))
        table = [[t("indicator", lang), t("deck_provinces_met", lang), t("deck_share_met", lang)]] + table_rows
        series = [Series(t("deck_share_met", lang), shares)]
        lowest = min(zip(shares, names, strict=True))
        bullets = [t("deck_targets_country_lowest", lang, indicator=lowest[1], share=fmt_pct(lowest[0], lang, 1))]
        sources = [t("synthetic_demo", lang)] if demo else []
    chart = Chart(kind="bar", title=title, categories=names, series=series, value_title="%", value_range=(0.0, 100.0),
                  demo=demo)
    return Slide(key="targets", title=title, bullets=bullets, table=table, chart=chart, demo=demo, sources=sources,
                 notes=" ".join(bullets) + " " + "; ".join(" ".join(r) for r in table[1:]))


# ---- 6. inspections done
def _inspections_slide(query, visits, selection, lang, year, short, by_province: bool) -> Slide:
    title = t("deck_inspections_title", lang, year=year)
    if visits.empty:
        return Slide(key="inspections", title=title, empty=t("insp_no_inspections", lang, place=short, year=year))
    totals = query("inspection_totals_for_selection", **selection, area="TOTAL").iloc[0]
    stats = [Stat(t("insp_m_plans", lang), fmt_num(totals.n_plans, lang, 0)),
             Stat(t("insp_m_inspections", lang), fmt_num(totals.n_inspections, lang, 0)),
             Stat(t("insp_m_units", lang), fmt_num(totals.n_units, lang, 0)),
             Stat(t("insp_m_limitations", lang), fmt_num(totals.n_limitations, lang, 0))]
    if by_province:
        shown = visits.head(MAX_VISITS)
        table = [[t("loc_team", lang), t("loc_leader", lang), t("loc_dates", lang), t("loc_units_visited", lang)]]
        for _, v in shown.iterrows():
            leader = ", ".join(x for x in (officials.leader_name(v["leader_name"], lang), officials.leader_title(v["leader_title"], lang))
                               if isinstance(x, str)) or "—"
            table.append([str(officials.team_label(v["team_label"], lang)), _quote(leader), locality.visit_dates(v, lang), _quote(str(v["units_visited"]))])
        bullets = [t("deck_visits_more", lang, n=len(visits) - len(shown))] if len(visits) > len(shown) else []
    else:
        per = (visits.groupby("province_name").size().sort_values(ascending=False).head(MAX_VISITS))
        table = [[t("province", lang), t("insp_m_inspections", lang)]] + [[p, fmt_num(n, lang, 0)] for p, n in per.items()]
        bullets = [t("deck_visits_provinces", lang, n=visits["province_id"].nunique())]
    return Slide(key="inspections", title=title, stats=stats, table=table, bullets=bullets,
                 demo=_is_demo(visits), sources=_sources(visits, lang),
                 notes=" ".join(f"{s.label}: {s.value}." for s in stats) + " " + " ".join(bullets))


# ---- 7. main limitations by area
def _limitations_slide(query, selection, lang, year, short) -> Slide:
    title = t("deck_limitations_title", lang, year=year)
    counts = query("finding_by_area_kind", **selection, area="TOTAL", kind="limitation", status="")
    if counts.empty:
        return Slide(key="limitations", title=title, empty=t("deck_no_limitations", lang, place=short, year=year))
    by_area = counts.groupby(["number", _name(lang)], as_index=False).agg(n=("n", "sum"), demo=("is_demo", "any"))
    by_area = by_area.sort_values("n", ascending=False)
    names = [f"{n}. {s}" for n, s in zip(by_area["number"], by_area[_name(lang)], strict=True)]
    top_area = counts.groupby("area_code")["n"].sum().idxmax()
    findings = query("finding_page_by_selection", words=[], limit=None, offset=0, **selection, area=top_area, kind="limitation", status="")
    quotes = []
    for text in findings["text"]:
        q = _quote(text)
        if q not in quotes:
            quotes.append(q)
        if len(quotes) == MAX_QUOTES:
            break
    total = int(by_area["n"].sum())
    bullets = [t("deck_limitations_total", lang, n=fmt_num(total, lang, 0), area=names[0], k=fmt_num(by_area["n"].iloc[0], lang, 0))]
    demo = bool(by_area["demo"].any())
    chart = Chart(kind="bar", title=t("deck_limitations_chart", lang), categories=names,
                  series=[Series(t("insp_m_limitations", lang), [float(v) for v in by_area["n"]])],
                  value_title=t("deck_count", lang), decimals=0, demo=demo)
    return Slide(key="limitations", title=title, bullets=bullets + [f"«{q}»" for q in quotes], chart=chart, demo=demo,
                 sources=_sources(findings, lang))


# ---- 8. remediation progress
def _remediation_slide(query, selection, lang, year, short) -> Slide:
    title = t("deck_remediation_title", lang, year=year)
    status = query("finding_status_by_area", **selection)
    if status.empty:
        return Slide(key="remediation", title=title, empty=t("deck_no_limitations", lang, place=short, year=year))
    status = status.assign(status=status["status"].fillna("open"))
    table = status.pivot_table(index=["number", _name(lang)], columns="status", values="n", aggfunc="sum", fill_value=0)
    table = table.reindex(columns=list(STATUS_ORDER), fill_value=0).sort_index()
    names = [f"{n}. {s}" for n, s in table.index]
    series = [Series(t(f"insp_status_{s}", lang), [float(v) for v in table[s]], role=f"status_{s}") for s in STATUS_ORDER]
    total, resolved = int(table.to_numpy().sum()), int(table["resolved"].sum())
    stats = [Stat(t("insp_m_limitations", lang), fmt_num(total, lang, 0)),
             Stat(t("insp_status_resolved", lang), fmt_num(resolved, lang, 0), fmt_pct(100 * resolved / total, lang, 1)),
             Stat(t("insp_status_in_progress", lang), fmt_num(int(table["in_progress"].sum()), lang, 0)),
             Stat(t("insp_status_open", lang), fmt_num(int(table["open"].sum()), lang, 0))]
    demo = bool(status["any_demo"].any())
    chart = Chart(kind="stacked", title=t("deck_remediation_chart", lang), categories=names, series=series,
                  value_title=t("deck_count", lang), decimals=0, demo=demo)
    return Slide(key="remediation", title=title, stats=stats, chart=chart, demo=demo,
                 sources=[t("synthetic_demo", lang)] if demo else [t("inspection_report", lang)],
                 notes=t("deck_remediation_notes", lang, resolved=resolved, total=total,
                         share=fmt_pct(100 * resolved / total, lang, 1)))


# ---- 9. recommendations
def _recommendations_slide(query, selection, slides, lang, year, short) -> Slide:
    title = t("deck_recommendations_title", lang)
    found = query("finding_page_by_selection", words=[], limit=None, offset=0, **selection, area="TOTAL", kind="recommendation", status="")
    texts: list[str] = []
    seen_areas: set = set()
    for prefer_new_area in (True, False):  # first one per area, then the rest, in report order
        for area, text in zip(found["area_code"], found["text"], strict=True):
            q = _quote(text)
            if q in texts or (prefer_new_area and area in seen_areas):
                continue
            texts.append(q)
            seen_areas.add(area)
            if len(texts) == MAX_RECOMMENDATIONS:
                break
        if len(texts) == MAX_RECOMMENDATIONS:
            break
    derived = []
    for slide in slides:
        if slide.key == "targets" and slide.table and len(slide.table[0]) == 4:  # a province's targets
            missed = [row[0] for row in slide.table[1:] if row[3] == t("loc_not_met", lang)]
            if missed:
                derived.append(t("deck_rec_targets", lang, indicators="; ".join(missed)))
        if slide.key == "areas" and slide.bullets:
            derived.append(slide.bullets[-1])  # the weakest area, last on the areas slide
    bullets = texts + derived
    if not bullets:
        return Slide(key="recommendations", title=title, empty=t("deck_no_recommendations", lang, place=short, year=year))
    return Slide(key="recommendations", title=title, bullets=bullets, demo=_is_demo(found),
                 sources=_sources(found, lang), notes=" ".join(bullets))
