"""The locality profile: lineage sentences and display tables, from query results. Pure pandas, no Streamlit."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from par_dashboard.domain import officials
from par_dashboard.i18n import fmt_date, fmt_num, fmt_pct, fmt_signed, lang_col, t
from par_dashboard.security.untrusted import markdown_text

# Operational indicators shown against the province's targets, in the order of the annual PAR reports.
KEY_OPS = ["OPS_ONTIME_PCT", "OPS_ONLINE_DVC_PCT", "OPS_ONLINE_RECEIVED_PCT", "OPS_ONLINE_PAYMENT_PCT",
           "OPS_DIGITISED_PCT", "OPS_EDOC_PCT", "OPS_DIGITAL_SIGNATURE_PCT", "OPS_TASKS_DONE_PCT"]
HEADLINE = ["PAR_INDEX", "SIPAS", "SI766", "OPS_ONTIME_PCT"]
TREND_INDICATORS = ["PAR_INDEX", "SIPAS", "SI766", "OPS_ONTIME_PCT", "OPS_ONLINE_DVC_PCT", "OPS_EDOC_PCT",
                    "OPS_DIGITAL_SIGNATURE_PCT", "OPS_TASKS_DONE_PCT"]


def _date(value, lang: str) -> str:
    if value is None or pd.isna(value):
        return "—"
    return fmt_date(pd.Timestamp(value).date() if not isinstance(value, dt.date) else value, lang)


def lineage_sentences(unit: pd.Series, lineage: pd.DataFrame, lang: str, *, district_successors: pd.DataFrame | None = None) -> list[str]:
    """What an old unit became and what a current unit was formed from, as sentences.

    `lineage` is queries/unit_lineage.sql for the unit; `district_successors` lists the current communes
    formed from an old district's communes (districts have no successor of their own). The sentences are Markdown
    (st.markdown): the names in them are escaped to show as written."""
    out: list[str] = []
    became = lineage[lineage["relation"] == "became"]
    absorbed = lineage[(lineage["relation"] == "absorbed")
                       & (lineage["level"].eq(unit["level"]) | (unit["level"] == "commune"))]
    if unit["structure"] == "S63":
        if unit["level"] == "province" and not became.empty:
            out.append(t("loc_became_province", lang, province=markdown_text(became.iloc[0]["short_name"])))
        elif unit["level"] == "district":
            provinces = became[became["level"] == "province"]
            if not provinces.empty:
                out.append(t("loc_became_province", lang, province=markdown_text(provinces.iloc[0]["short_name"])))
            if district_successors is not None and not district_successors.empty:
                out.append(t("loc_district_abolished", lang, units=", ".join(map(markdown_text, district_successors["short_name"]))))
        elif unit["level"] == "commune" and not became.empty:
            out.append(t("loc_became_commune", lang, units=", ".join(map(markdown_text, became["short_name"])),
                         province=markdown_text(became.iloc[0]["province_name"])))
    elif not absorbed.empty:
        names = [markdown_text(n if unit["level"] == "province" or pd.isna(p) else f"{n} ({p})")
                 for n, p in zip(absorbed["short_name"], absorbed["province_name"], strict=True)]
        out.append(t("loc_absorbed", lang, units=", ".join(names)))
    return out


def headline(card: pd.DataFrame, code: str) -> pd.Series | None:
    rows = card[card["indicator_code"] == code]
    return None if rows.empty else rows.iloc[0]


def headline_rows(card: pd.DataFrame) -> list[pd.Series]:
    """The headline cards' rows, in HEADLINE order, those the unit has (for cached.derived: kept per unit and year)."""
    return [r for r in (headline(card, c) for c in HEADLINE) if r is not None]


def rolled_headline_rows(rolled: dict[str, pd.DataFrame], previous: dict[str, pd.DataFrame], unit_id: str,
                         catalogue: pd.DataFrame) -> list[pd.Series]:
    """The headline cards of a current province for a year before it existed (01/07/2025): each HEADLINE indicator of
    the old provinces it was formed from, rolled up as the map rolls them up (`rolled[code]` and `previous[code]`:
    queries/map_value_rollup_s34_year.sql for the year and the year before), in the shape of `headline_rows` (value,
    change, rank among the 34 rolled-up provinces, source) with the members and their values. A province formed from
    one old province has that province's figure and source."""
    names = catalogue.set_index("indicator_code")
    out = []
    for code in HEADLINE:
        hit = rolled[code][rolled[code]["unit_id"] == unit_id] if code in rolled else None
        if hit is None or hit.empty or pd.isna(hit["value"].iloc[0]):
            continue
        r = hit.iloc[0]
        before = previous[code][previous[code]["unit_id"] == unit_id] if code in previous else None
        prev = None if before is None or before.empty else before["value"].iloc[0]
        out.append(pd.Series({
            "indicator_code": code, "name_vi": names.loc[code, "name_vi"], "name_en": names.loc[code, "name_en"],
            "value": r["value"], "change": float("nan") if prev is None or pd.isna(prev) else r["value"] - prev,
            "peer_rank": r["rank"], "n_peers": r["n_ranked"], "source_kind": r["source_kind"], "source_id": r["source_id"],
            "member_names": list(r["member_names"]), "member_values": list(r["member_values"])}))
    return out


def members_text(row: pd.Series, lang: str) -> str:
    """A rolled-up card's parts: 'Hà Giang 85,10 · Tuyên Quang 88,20'."""
    return " · ".join(f"{markdown_text(n)} {fmt_num(v, lang)}" for n, v in zip(row["member_names"], row["member_values"], strict=True))


def rank_text(row: pd.Series, lang: str) -> str:
    if row is None or pd.isna(row.get("peer_rank")):
        return ""
    return t("loc_rank_of", lang, rank=int(row["peer_rank"]), n=int(row["n_peers"]))


def ops_rows(card: pd.DataFrame) -> pd.DataFrame:
    """The card's key operational indicators in KEY_OPS order, row for row as `ops_table` shows them (its
    `source_id` is what a chosen row of that table points to)."""
    return card.set_index("indicator_code").reindex([c for c in KEY_OPS if c in set(card["indicator_code"])])


def ops_table(card: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Key operational indicators: value (and its period when not the whole year), target, met or not, change."""
    rows = ops_rows(card)
    name_col = lang_col("name", lang)
    status = []
    for met, target in zip(rows["target_met"], rows["target_value"], strict=True):
        if pd.isna(target):
            status.append(t("loc_no_target", lang))
        else:
            status.append(t("loc_met", lang) if bool(met) else t("loc_not_met", lang))
    values = [fmt_pct(v, lang) + ("" if p == "Y" else f" ({t('loc_period_todate', lang)})")
              for v, p in zip(rows["value"], rows["period"], strict=True)]
    return pd.DataFrame({
        t("indicator", lang): rows[name_col].tolist(),
        t("loc_value", lang): values,
        t("loc_target", lang): [fmt_pct(v, lang) for v in rows["target_value"]],
        t("loc_status", lang): status,
        t("loc_change", lang): [fmt_signed(v, lang) for v in rows["change"]],
        t("source", lang): [t(k, lang) for k in rows["source_kind"]],
    })


def visit_dates(row, lang: str) -> str:
    """'17/06/2024', '27/08/2019 – 31/08/2019', or, when a report gives no field dates, its field days and announcement."""
    start, end = row["started_on"], row["ended_on"]
    if start is not None and not pd.isna(start):
        if end is None or pd.isna(end) or pd.Timestamp(end) == pd.Timestamp(start):
            return _date(start, lang)
        return f"{_date(start, lang)} – {_date(end, lang)}"
    days = row["field_days"]
    return t("loc_field_days_only", lang, days="?" if pd.isna(days) else int(days), date=_date(row["announced_on"], lang))


def visits_table(visits: pd.DataFrame, lang: str) -> pd.DataFrame:
    return pd.DataFrame({
        t("year", lang): visits["year"].astype(str).tolist(),
        t("loc_dates", lang): [visit_dates(r, lang) for _, r in visits.iterrows()],
        t("loc_team", lang): [officials.team_label(v, lang) for v in visits["team_label"]],
        t("loc_leader", lang): [", ".join(x for x in (officials.leader_name(n, lang), officials.leader_title(tt, lang))
                                          if isinstance(x, str)) or "—"
                                for n, tt in zip(visits["leader_name"], visits["leader_title"], strict=True)],
        t("loc_plan", lang): [(f"{n} ({_date(d, lang)})" if isinstance(n, str) else "—")
                              for n, d in zip(visits["plan_number"], visits["plan_issued_on"], strict=True)],
        t("loc_units_visited", lang): visits["units_visited"].tolist(),
        t("loc_limitations", lang): visits["limitations"].astype(int).tolist(),
        t("loc_resolved", lang): visits["resolved"].astype(int).tolist(),
        t("source", lang): [t(k, lang) for k in visits["source_kind"]],
    })


def findings_table(findings: pd.DataFrame, lang: str) -> pd.DataFrame:
    area = findings[lang_col("short", lang)]
    return pd.DataFrame({
        t("year", lang): findings["year"].astype(str).tolist(),
        t("loc_unit", lang): findings["unit_name"].fillna("—").tolist(),
        t("area", lang): [f"{c[1]}. {a}" if isinstance(c, str) else "—" for c, a in zip(findings["area_code"], area, strict=True)],
        t("loc_status", lang): [t(f"loc_kind_{k}", lang) if k != "limitation" or not isinstance(s, str)
                                else f"{t('loc_kind_limitation', lang)} — {t(f'loc_status_{s}', lang)}"
                                for k, s in zip(findings["kind"], findings["status"], strict=True)],
        t("loc_since", lang): [_date(r if isinstance(r, (dt.date, pd.Timestamp)) and not pd.isna(r) else s, lang)
                               for r, s in zip(findings["resolved_on"], findings["status_on"], strict=True)],
        t("loc_text", lang): findings["text"].tolist(),
        t("source", lang): [t(k, lang) for k in findings["source_kind"]],
    })


def remedied_sentence(findings: pd.DataFrame, lang: str) -> str | None:
    limitations = findings[findings["kind"] == "limitation"]
    if limitations.empty:
        return None
    resolved = int((limitations["status"] == "resolved").sum())
    return t("loc_remedied", lang, resolved=resolved, total=len(limitations),
             share=fmt_pct(100 * resolved / len(limitations), lang, 1))


def score_text(row: pd.Series | None, lang: str) -> str:
    return "—" if row is None else fmt_num(row["value"], lang)


STATUS_COLOURS = {"loc_met": "green", "loc_not_met": "red", "loc_no_target": "gray"}  # Streamlit's theme colours


def status_labels(table: pd.DataFrame, lang: str) -> tuple[pd.DataFrame, list[str], list[str]]:
    """The met / not met column as coloured labels (no emoji: kiosk browsers at conferences often lack an emoji font):
    the table with that column's texts as one-label lists, its labels and their colours, for Streamlit's
    MultiselectColumn, which colours labels in a read-only table. A pandas Styler coloured the cells before, and
    Streamlit's marshalling of a Styler cell by cell took a tenth of the worker's GIL time under the 20-session load
    (issue 17)."""
    column = t("loc_status", lang)
    shown = table.assign(**{column: [[v] for v in table[column]]})
    return shown, [t(k, lang) for k in STATUS_COLOURS], list(STATUS_COLOURS.values())


def area_table(areas: pd.DataFrame, lang: str, *, unit_name: str, mean_label: str) -> pd.DataFrame:
    return pd.DataFrame({
        t("area", lang): [f"{n}. {a}" for n, a in zip(areas["number"], areas[lang_col("short", lang)], strict=True)],
        unit_name: [fmt_num(v, lang) for v in areas["value"]],
        mean_label: [fmt_num(v, lang) for v in areas["peer_mean"]],
        t("source", lang): [t(k, lang) if isinstance(k, str) else "—" for k in areas["source_kind"]],
    })
