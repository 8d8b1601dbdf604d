"""Decks below the province: one district or commune (its rank in its province over the years, its inspections,
findings and follow-up) and one inspection (its "công bố dự thảo kết quả kiểm tra": team, plan, dates, units
visited, findings per PAR area, follow-up deadlines). Queries in, slides out, as build.py does for a province."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from par_dashboard.domain import officials
from par_dashboard.domain.units import display_name
from par_dashboard.i18n import fmt_date, fmt_num, fmt_pct, fmt_signed, t
from par_dashboard.views import followup
from par_dashboard.views.exports import file_stem
from par_dashboard.views.inspections import area_label, date_text, missing, plan_text, status_label
from par_dashboard.views.locality import visit_dates
from par_dashboard.views.present.build import (
    MAX_QUOTES,
    MAX_RECOMMENDATIONS,
    MAX_VISITS,
    STATUS_ORDER,
    WINDOW,
    DeckScopeError,
    Query,
    _areas_slide,
    _is_demo,
    _quote,
    _score_range,
    _sources,
    _title_slide,
)
from par_dashboard.views.present.model import Chart, Deck, Series, Slide, Stat

MAX_ROWS = 7  # findings or deadlines listed on one slide of an inspection deck (the notes keep them all)


def demo_row(cell: str, demo: bool, lang: str) -> str:
    """A table's first cell, marked when its row is synthetic: a table may mix real rows with demo ones."""
    return f"{cell} ({t('deck_demo_row', lang)})" if demo else cell


def _finish(slides: list[Slide], lang: str, *, every_slide_demo: bool = False, real_only: bool = False) -> None:
    """Speaker notes where a slide has none; the title slide warns when any slide holds demo figures, and a synthetic
    inspection marks every slide."""
    for slide in slides[1:]:
        if not slide.notes:
            slide.notes = " ".join([slide.title, *slide.bullets, slide.empty])
    if every_slide_demo:
        for slide in slides:
            slide.demo = True
    if any(s.demo for s in slides):
        slides[0].demo = True
        slides[0].bullets.append(t("deck_demo_scope", lang))
    if real_only:  # read without synthetic rows (the "real data only" switch): said on the title slide
        slides[0].bullets.append(t("deck_real_only", lang))


# ============================================================== one district or commune
def build_unit_deck(query: Query, *, lang: str, year: int, unit_id: str, event: str = "", body: str = "",
                    on: dt.date | None = None, real_only: bool = False) -> Deck:
    """The deck of one district (63-province structure) or commune (either structure) for `year`."""
    found = query("unit_by_id", unit_id=unit_id)
    if found.empty or found.level.iloc[0] not in ("district", "commune"):
        raise DeckScopeError(unit_id)
    unit = found.iloc[0]
    on = on or dt.date.today()
    short = unit["short_name"]
    place = f"{display_name(unit['name'], short, unit['unit_type'], lang)} ({unit['province_name']})"
    event = event.strip() or t("deck_default_event", lang, year=year)
    body = body.strip() or t("deck_default_body_unit", lang, unit=short)
    title = t("deck_title", lang, year=year, place=place)
    slides = [_title_slide(lang, year, place, unit["structure"], title, event, body, on)]
    slides.append(_unit_ranking(query, unit, lang, year))
    slides.append(_unit_trend(query, unit, lang))
    slides.append(_areas_slide(query, lang, year, unit_id, short, mean_label=t("loc_avg_province", lang)))
    visits = query("unit_inspection_visits", unit_id=unit_id)
    findings = query("unit_findings", unit_id=unit_id)
    slides.append(_unit_inspections(visits, lang, short))
    slides.append(_unit_limitations(findings, lang, short))
    slides.append(_unit_remediation(findings, lang, short))
    units = query("inspection_place_units", unit_id=unit_id)["unit_id"].tolist()
    slides.append(followup.deck_slide(query, "", short, lang, on, units=units))
    slides.append(_unit_recommendations(findings, lang, short))
    _finish(slides, lang, real_only=real_only)
    stem = file_stem("trình chiếu", {"year": year, "place": f"{unit['province_name']} {short}"})
    return Deck(lang=lang, year=year, province_id=unit["province_id"], place=place, title=title, event=event, body=body,
                on=on, slides=slides, file_stem=stem, scope="unit", subject_id=unit_id)


def _peers(query: Query, unit, year: int) -> pd.DataFrame:
    """The units ranked with the unit in `year`: its province's units of its level, in its rank group."""
    ranked = query("par_score_by_subunit_year", province_id=unit["province_id"], level=unit["level"], family="PAR_INDEX",
                   area="TOTAL", year=year)
    mine = ranked[ranked["unit_id"] == unit["unit_id"]]
    if mine.empty:
        return ranked.iloc[0:0]
    group = mine["rank_group"].iloc[0]
    same = ranked["rank_group"].isna() if pd.isna(group) else ranked["rank_group"].eq(group)
    return ranked[same & ranked["ranking_province_id"].eq(mine["ranking_province_id"].iloc[0])]


def _unit_ranking(query: Query, unit, lang: str, year: int) -> Slide:
    short, level = unit["short_name"], unit["level"]
    title = t("deck_unit_ranking_title", lang, year=year, province=unit["province_name"])
    peers = _peers(query, unit, year).sort_values(["rank", "short_name"]).reset_index(drop=True)
    if peers.empty:
        return Slide(key="ranking", title=title, empty=t("deck_no_score", lang, place=short, year=year))
    i = int(peers.index[peers["unit_id"] == unit["unit_id"]][0])
    row, window = peers.iloc[i], peers.iloc[max(0, i - WINDOW): i + WINDOW + 1]
    units = t(f"deck_level_{level}", lang)
    bullets = [t("deck_unit_rank_line", lang, place=short, rank=int(row["rank"]), n=int(row["n_ranked"]), units=units,
                 province=unit["province_name"], score=fmt_num(row["score"], lang))]
    if pd.notna(row["score_change"]):
        moved = row["rank_change"]
        bullets.append(t("deck_change_line", lang, change=fmt_signed(row["score_change"], lang), prev=year - 1,
                         ranks="—" if pd.isna(moved) else fmt_signed(moved, lang, 0)))
    mean = float(peers["score"].mean())
    bullets.append(t("deck_unit_mean_line", lang, mean=fmt_num(mean, lang), units=units,
                     gap=fmt_signed(float(row["score"]) - mean, lang)))
    labels = [f"{int(r['rank'])}. {r['short_name']}" for _, r in window.iterrows()]
    chart = Chart(kind="bar", title=t("deck_ranking_window", lang, year=year), categories=labels,
                  series=[Series(t("score", lang), [float(v) for v in window["score"]])], value_title=t("score", lang),
                  value_range=_score_range(float(window["score"].min()), float(window["score"].max())),
                  highlight=labels[i - max(0, i - WINDOW)], unit_ids=window["unit_id"].tolist(), demo=_is_demo(window))
    return Slide(key="ranking", title=title, bullets=bullets, chart=chart, demo=_is_demo(window),
                 sources=_sources(window.assign(source_title=None), lang))


def _unit_trend(query: Query, unit, lang: str) -> Slide:
    """The unit's score and rank in its province for every year it has a score, with its peers' mean."""
    short = unit["short_name"]
    title = t("deck_trend_title", lang, place=short)
    trend = query("indicator_trend_by_unit_lineage", unit_id=unit["unit_id"], indicator="PAR_INDEX")
    years = sorted(int(y) for y in trend.loc[trend["role"] == "self", "year"].unique())
    rows = []
    for year in years:
        peers = _peers(query, unit, year)
        mine = peers[peers["unit_id"] == unit["unit_id"]]
        if not mine.empty:
            rows.append((year, mine.iloc[0], float(peers["score"].mean()), _is_demo(peers)))
    if not rows:
        return Slide(key="trend", title=title, empty=t("deck_no_trend", lang, place=short))
    scores = [float(r["score"]) for _, r, _, _ in rows]
    means = [m for _, _, m, _ in rows]
    demo = any(d for *_, d in rows)
    units = t(f"deck_level_{unit['level']}", lang)
    chart = Chart(kind="line", title=title, categories=[str(y) for y, *_ in rows],
                  series=[Series(short, scores), Series(t("deck_unit_mean", lang, units=units), means, role="reference")],
                  value_title=t("score", lang), value_range=_score_range(min(scores + means), max(scores + means)),
                  demo=demo)
    bullets = [t("deck_trend_line", lang, year=y, score=fmt_num(r["score"], lang), rank=int(r["rank"]), n=int(r["n_ranked"]))
               for y, r, _, _ in rows[-6:]]
    return Slide(key="trend", title=title, bullets=bullets, chart=chart, demo=demo,
                 sources=[t("synthetic_demo", lang)] if demo else [t("official_publication", lang)])


def _unit_inspections(visits: pd.DataFrame, lang: str, short: str) -> Slide:
    title = t("deck_unit_inspections_title", lang, place=short)
    if visits.empty:
        return Slide(key="inspections", title=title, empty=t("loc_no_inspections", lang, unit=short))
    stats = [Stat(t("insp_m_inspections", lang), fmt_num(len(visits), lang, 0)),
             Stat(t("insp_m_limitations", lang), fmt_num(int(visits["limitations"].sum()), lang, 0)),
             Stat(t("insp_status_resolved", lang), fmt_num(int(visits["resolved"].sum()), lang, 0)),
             Stat(t("deck_recommendations", lang), fmt_num(int(visits["recommendations"].sum()), lang, 0))]
    shown = visits.head(MAX_VISITS)
    table = [[t("year", lang), t("loc_team", lang), t("loc_dates", lang), t("loc_units_visited", lang)]]
    for _, v in shown.iterrows():
        table.append([demo_row(str(int(v["year"])), v["source_kind"] == "synthetic_demo", lang), _quote(str(officials.team_label(v["team_label"], lang))),
                      visit_dates(v, lang), _quote(str(v["units_visited"]))])
    bullets = [t("deck_visits_more", lang, n=len(visits) - len(shown))] if len(visits) > len(shown) else []
    return Slide(key="inspections", title=title, stats=stats, table=table, bullets=bullets, demo=_is_demo(visits),
                 sources=_sources(visits, lang))


def _area_names(frame: pd.DataFrame, lang: str) -> list[str]:
    return [area_label(c, v, e, lang) for c, v, e in zip(frame["area_code"], frame["short_vi"], frame["short_en"], strict=True)]


def _limitations_slide(findings: pd.DataFrame, lang: str, short: str, key: str, title: str, build) -> Slide:
    """The unit's slide `key` made by `build(found, lang, title)` from its limitations found, named by area; or, with
    none, the slide saying so (the limitations and the remediation slides start alike)."""
    found = findings[findings["kind"] == "limitation"]
    if found.empty:
        return Slide(key=key, title=title, empty=t("deck_unit_no_findings", lang, place=short))
    return build(found.assign(area=_area_names(found, lang)), lang, title)


def _unit_limitations(findings: pd.DataFrame, lang: str, short: str) -> Slide:
    return _limitations_slide(findings, lang, short, "limitations", t("deck_unit_limitations_title", lang, place=short),
                              _limitations_by_area)


def _unit_remediation(findings: pd.DataFrame, lang: str, short: str) -> Slide:
    return _limitations_slide(findings, lang, short, "remediation", t("deck_unit_remediation_title", lang, place=short),
                              _remediation_by_area)


def _limitations_by_area(found: pd.DataFrame, lang: str, title: str) -> Slide:
    found = found.assign(demo=found["source_kind"].eq("synthetic_demo"))
    by_area = found.groupby("area", as_index=False).agg(n=("area", "size"), demo=("demo", "any")).sort_values(["n", "area"], ascending=[False, True])
    latest = found[found["year"] == found["year"].max()]
    quotes = []
    for text, demo in zip(latest["text"], latest["demo"], strict=True):
        q = f"«{_quote(text)}»" + (f" ({t('deck_demo_row', lang)})" if demo else "")
        if q not in quotes:
            quotes.append(q)
        if len(quotes) == MAX_QUOTES:
            break
    bullets = [t("deck_unit_limitations_total", lang, n=fmt_num(len(found), lang, 0), k=found["inspection_id"].nunique(),
                 year=int(found["year"].max())), *quotes]
    demo = bool(by_area["demo"].any())
    chart = Chart(kind="bar", title=t("deck_limitations_chart", lang), categories=by_area["area"].tolist(),
                  series=[Series(t("insp_m_limitations", lang), [float(v) for v in by_area["n"]])],
                  value_title=t("deck_count", lang), decimals=0, demo=demo)
    return Slide(key="limitations", title=title, bullets=bullets, chart=chart, demo=demo, sources=_sources(found, lang))


def _remediation_by_area(found: pd.DataFrame, lang: str, title: str) -> Slide:
    found = found.assign(status=found["status"].fillna("open"))
    table = found.pivot_table(index="area", columns="status", values="text", aggfunc="size", fill_value=0)
    table = table.reindex(columns=list(STATUS_ORDER), fill_value=0).sort_index()
    total, resolved = int(table.to_numpy().sum()), int(table["resolved"].sum())
    stats = [Stat(t("insp_m_limitations", lang), fmt_num(total, lang, 0)),
             Stat(t("insp_status_resolved", lang), fmt_num(resolved, lang, 0), fmt_pct(100 * resolved / total, lang, 1)),
             Stat(t("insp_status_in_progress", lang), fmt_num(int(table["in_progress"].sum()), lang, 0)),
             Stat(t("insp_status_open", lang), fmt_num(int(table["open"].sum()), lang, 0))]
    demo = _is_demo(found)
    chart = Chart(kind="stacked", title=t("deck_remediation_chart", lang), categories=table.index.tolist(),
                  series=[Series(t(f"insp_status_{s}", lang), [float(v) for v in table[s]], role=f"status_{s}")
                          for s in STATUS_ORDER],
                  value_title=t("deck_count", lang), decimals=0, demo=demo)
    return Slide(key="remediation", title=title, stats=stats, chart=chart, demo=demo, sources=_sources(found, lang),
                 notes=t("deck_remediation_notes", lang, resolved=resolved, total=total,
                         share=fmt_pct(100 * resolved / total, lang, 1)))


def _unit_recommendations(findings: pd.DataFrame, lang: str, short: str) -> Slide:
    title = t("deck_recommendations_title", lang)
    found = findings[findings["kind"] == "recommendation"]
    if found.empty:
        return Slide(key="recommendations", title=title, empty=t("deck_unit_no_recommendations", lang, place=short))
    bullets: list[str] = []
    for text, kind in zip(found["text"], found["source_kind"], strict=True):  # newest inspection first
        q = _quote(text) + (f" ({t('deck_demo_row', lang)})" if kind == "synthetic_demo" else "")
        if q not in bullets:
            bullets.append(q)
        if len(bullets) == MAX_RECOMMENDATIONS:
            break
    return Slide(key="recommendations", title=title, bullets=bullets, demo=_is_demo(found), sources=_sources(found, lang),
                 notes=" ".join(bullets))


# ============================================================== one inspection: its draft-results announcement
def build_inspection_deck(query: Query, *, lang: str, inspection_id: str, event: str = "", body: str = "",
                          on: dt.date | None = None, real_only: bool = False) -> Deck:
    """The "công bố dự thảo kết quả kiểm tra" of one inspection; a synthetic inspection says so on every slide."""
    found = query("inspection_by_id", inspection_id=inspection_id)
    if found.empty:
        raise DeckScopeError(inspection_id)
    visit = found.iloc[0]
    on = on or (visit["announced_on"].date() if not missing(visit["announced_on"]) else dt.date.today())
    year, province = int(visit["year"]), visit["province_name"]
    demo = visit["source_kind"] == "synthetic_demo"
    team = str(officials.team_label(visit["team_label"], lang))
    place = f"{team} — {display_name(visit['province_full_name'], province, None, lang)}"
    title = t("deck_insp_title", lang, year=year, team=team, province=province)
    event = event.strip() or t("deck_insp_event", lang, year=year)
    body = body.strip() or team
    units = query("inspection_units_visited", inspection_id=inspection_id)
    findings = query("finding_by_inspection", inspection_id=inspection_id)
    slides = [_title_slide(lang, year, place, visit["structure"], title, event, body, on)]
    slides.append(_insp_team(visit, lang))
    slides.append(_insp_units(units, visit, lang))
    slides.append(_insp_overview(findings, lang, team))
    slides.append(_insp_list(findings, "limitation", lang, team))
    slides.append(_insp_list(findings, "recommendation", lang, team))
    items = query("followup_items", as_of=on, provinces=[visit["province_id"]], units=[], area="TOTAL")
    slides.append(_insp_deadlines(items[items["inspection_id"] == inspection_id], lang, team, on))
    source = _insp_source(visit, lang)
    for slide in slides[1:]:
        slide.sources = slide.sources or [source]
    _finish(slides, lang, every_slide_demo=demo, real_only=real_only)
    stem = file_stem("trình chiếu", {"year": year, "place": province, "team": str(visit["team_label"])})  # as stored
    return Deck(lang=lang, year=year, province_id=visit["province_id"], place=place, title=title, event=event, body=body,
                on=on, slides=slides, file_stem=stem, scope="inspection", subject_id=inspection_id)


def _insp_source(visit, lang: str) -> str:
    return t("synthetic_demo", lang) if visit["source_kind"] == "synthetic_demo" else str(visit["source_title"])


def _insp_team(visit, lang: str) -> Slide:
    """The header of the announcement: team, leader, plan, field dates, announcement day."""
    leader = ", ".join(x for x in (officials.leader_name(visit["leader_name"], lang), officials.leader_title(visit["leader_title"], lang))
                       if isinstance(x, str)) or t("insp_not_named", lang)
    plan = plan_text(visit, lang)
    if plan != "—" and not missing(visit["plan_issuer"]):
        plan = f"{plan} ({visit['plan_issuer']})"
    rows = [[t("deck_insp_field", lang), t("deck_insp_value", lang)],
            [t("loc_team", lang), str(officials.team_label(visit["team_label"], lang))],
            [t("loc_leader", lang), _quote(leader)],
            [t("deck_insp_plan", lang), plan if plan != "—" else t("insp_summary_no_plan", lang)],
            [t("loc_dates", lang), visit_dates(visit, lang)],
            [t("insp_col_announced", lang), date_text(visit["announced_on"], lang) if not missing(visit["announced_on"])
             else t("insp_not_stated", lang)],
            [t("source", lang), _quote(_insp_source(visit, lang))]]
    return Slide(key="team", title=t("deck_insp_team_title", lang), table=rows,
                 notes=" ".join(f"{k}: {v}." for k, v in rows[1:]))


def _insp_units(units: pd.DataFrame, visit, lang: str) -> Slide:
    title = t("deck_insp_units_title", lang)
    if units.empty:
        return Slide(key="units", title=title, empty=t("deck_insp_no_units", lang))
    demo = visit["source_kind"] == "synthetic_demo"
    rows = [[t("insp_col_unit", lang), t("deck_insp_visited_on", lang), t("deck_insp_checked", lang)]]
    rows += [[demo_row(str(u["name"]), demo, lang), date_text(u["visited_on"], lang) if not missing(u["visited_on"]) else "—",
              str(u["what_checked"]) if isinstance(u["what_checked"], str) else "—"] for _, u in units.head(MAX_ROWS + 3).iterrows()]
    bullets = [t("deck_visits_more", lang, n=len(units) - len(rows) + 1)] if len(units) > len(rows) - 1 else []
    return Slide(key="units", title=title, table=rows, bullets=bullets,
                 stats=[Stat(t("insp_m_units", lang), fmt_num(len(units), lang, 0))])


def _insp_overview(findings: pd.DataFrame, lang: str, team: str) -> Slide:
    """Results, limitations and recommendations counted per PAR area."""
    title = t("deck_insp_findings_title", lang)
    if findings.empty:
        return Slide(key="findings", title=title, empty=t("deck_insp_no_findings", lang, team=team))
    frame = findings.assign(area=_area_names(findings, lang), order=findings["area_number"].fillna(99))
    counts = frame.pivot_table(index=["order", "area"], columns="kind", values="finding_id", aggfunc="size", fill_value=0)
    counts = counts.reindex(columns=["result", "limitation", "recommendation"], fill_value=0).sort_index()
    names = [a for _, a in counts.index]
    series = [Series(t(f"deck_insp_kind_{k}", lang), [float(v) for v in counts[k]],
                     role="main" if k == "limitation" else "reference" if k == "result" else "status_in_progress")
              for k in ("result", "limitation", "recommendation")]
    totals = {k: int(counts[k].sum()) for k in counts.columns}
    stats = [Stat(t(f"deck_insp_kind_{k}", lang), fmt_num(totals[k], lang, 0)) for k in ("result", "limitation", "recommendation")]
    demo = _is_demo(findings)
    chart = Chart(kind="bar", title=title, categories=names, series=series, value_title=t("deck_count", lang), decimals=0,
                  demo=demo)
    return Slide(key="findings", title=title, stats=stats, chart=chart, demo=demo)


def _insp_list(findings: pd.DataFrame, kind: str, lang: str, team: str) -> Slide:
    """The limitations (with their remedy status) or recommendations, per PAR area, as the announcement lists them."""
    title = t("deck_insp_limitations_title" if kind == "limitation" else "deck_insp_recommendations_title", lang)
    part = findings[findings["kind"] == kind]
    if part.empty:
        return Slide(key=f"{kind}s", title=title, empty=t(f"deck_insp_no_{kind}s", lang, team=team))
    header = [t("insp_col_area", lang), t(f"deck_insp_kind_{kind}", lang), t("insp_col_unit", lang)]
    if kind == "limitation":
        header.append(t("insp_col_status", lang))
    rows = [header]
    for _, f in part.head(MAX_ROWS).iterrows():
        area = area_label(f["area_code"], f["short_vi"], f["short_en"], lang)
        row = [demo_row(area, f["source_kind"] == "synthetic_demo", lang), _quote(f["text"]),
               str(f["unit_name"]) if isinstance(f["unit_name"], str) else t("insp_unit_general", lang)]
        if kind == "limitation":
            row.append(status_label(f["status"], lang))
        rows.append(row)
    bullets = [t("deck_insp_more", lang, n=len(part) - MAX_ROWS)] if len(part) > MAX_ROWS else []
    notes = " ".join(f"{area_label(f.area_code, f.short_vi, f.short_en, lang)}: {f.text}" for f in part.itertuples())
    return Slide(key=f"{kind}s", title=title, table=rows, bullets=bullets, demo=_is_demo(part), notes=notes)


def _insp_deadlines(items: pd.DataFrame, lang: str, team: str, on: dt.date) -> Slide:
    """The follow-up of the inspection's findings as of the deck's day: deadlines, who answers for them, status."""
    title = t("deck_insp_deadlines_title", lang, date=fmt_date(on, lang))
    if items.empty:
        return Slide(key="deadlines", title=title, empty=t("deck_insp_no_deadlines", lang, team=team, date=fmt_date(on, lang)))
    items = items.sort_values(["deadline", "area_number", "finding_id"], na_position="last")
    stats = [Stat(t("deck_insp_items", lang), fmt_num(len(items), lang, 0)),
             Stat(t("deck_insp_with_deadline", lang), fmt_num(int(items["deadline"].notna().sum()), lang, 0)),
             Stat(t("fu_m_open", lang), fmt_num(int(items["is_open"].astype(bool).sum()), lang, 0)),
             Stat(t("fu_m_overdue", lang), fmt_num(int(items["overdue"].fillna(False).astype(bool).sum()), lang, 0))]
    rows = [[t("deck_insp_deadline", lang), t("insp_col_area", lang), t("deck_insp_item", lang), t("insp_col_status", lang)]]
    for _, r in items.head(MAX_ROWS - 2).iterrows():
        deadline = date_text(r["deadline"], lang) if not missing(r["deadline"]) else t("insp_not_stated", lang)
        late = not pd.isna(r["overdue"]) and bool(r["overdue"])
        status = t("fu_m_overdue", lang) if late else followup.status_label(r["status_as_of"], lang)
        rows.append([demo_row(deadline, bool(r["is_demo"]), lang), area_label(r["area_code"], r["short_vi"], r["short_en"], lang),
                     _quote(r["text"]), status])
    bullets = [t("deck_insp_more", lang, n=len(items) - (MAX_ROWS - 2))] if len(items) > MAX_ROWS - 2 else []
    notes = " ".join(f"{date_text(r.deadline, lang) if not missing(r.deadline) else t('insp_not_stated', lang)}: {r.text}."
                     for r in items.itertuples())
    return Slide(key="deadlines", title=title, stats=stats, table=rows, bullets=bullets, notes=notes,
                 demo=bool(items["is_demo"].astype(bool).any()))
