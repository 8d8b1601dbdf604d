"""Shaping ranking query results for display: headline figures and the table. Pure pandas, no Streamlit."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from par_dashboard.domain import catalogue
from par_dashboard.i18n import fmt_num, fmt_signed, lang_col, t

FAMILIES = list(catalogue.RANKED_FAMILIES)


@dataclass(frozen=True)
class Headline:
    leader: str | None
    leader_score: float | None
    rise_name: str | None
    rise: float | None
    fall_name: str | None
    fall: float | None


def headline(df: pd.DataFrame) -> Headline:
    scored = df[df["score"].notna()]
    if scored.empty:
        return Headline(None, None, None, None, None, None)
    top = scored.sort_values("score", ascending=False).iloc[0]
    changes = scored[scored["score_change"].notna()]
    rise = changes.sort_values("score_change", ascending=False).iloc[0] if not changes.empty else None
    fall = changes.sort_values("score_change").iloc[0] if not changes.empty else None
    return Headline(
        top["short_name"], float(top["score"]),
        None if rise is None else rise["short_name"], None if rise is None else float(rise["score_change"]),
        None if fall is None or fall["score_change"] >= 0 else fall["short_name"],
        None if fall is None or fall["score_change"] >= 0 else float(fall["score_change"]),
    )


def ranking_table(df: pd.DataFrame, lang: str, *, name_col: str = "short_name", name_label: str = "province",
                  grouped_by: str | None = None, grouped_label: str = "current_province") -> pd.DataFrame:
    """The table shown beside the chart: formatted text, in the reader's language."""
    rank_col = "display_rank" if "display_rank" in df else "rank"
    out = pd.DataFrame({
        t("rank", lang): [("—" if pd.isna(r) else str(int(r))) for r in df[rank_col]],
        t(name_label, lang): df[name_col].tolist(),
    })
    if grouped_by:
        out[t(grouped_label, lang)] = df[grouped_by].tolist()
    out[t("score", lang)] = [fmt_num(v, lang) for v in df["score"]]
    out[t("score_change", lang)] = [fmt_signed(v, lang) for v in df["score_change"]]
    out[t("rank_change", lang)] = [fmt_signed(v, lang, 0) for v in df["rank_change"]]
    out[t("group", lang)] = [g if isinstance(g, str) else "—" for g in df["score_group"]]
    out[t("source", lang)] = [_source_label(k, rk, lang) for k, rk in zip(df["source_kind"], df.get("rank_source_kind", [None] * len(df)), strict=True)]
    return out


def province_table(df: pd.DataFrame, lang: str, grouped: bool) -> pd.DataFrame:
    """The provinces' table of the rankings page (for cached.derived, which keeps it per data version)."""
    out = ranking_table(df, lang, name_label="unit" if grouped else "province",
                        grouped_by="current_province" if grouped else None)
    if "prev_rolled" in df and df["prev_rolled"].any():  # the first year of 34 provinces: whom the comparison pools
        out.insert(4, t("prev_members", lang), [", ".join(m) if rolled else "" for m, rolled
                                                 in zip(df["prev_members"], df["prev_rolled"], strict=True)])
    return out


def subunit_table(df: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The table of a province's districts, communes or departments; grouped when they rank in several provinces."""
    several = df.ranking_province.nunique() > 1
    return ranking_table(df, lang, name_label="unit", grouped_by="ranking_province" if several else None,
                         grouped_label="ranking_province")


def _source_label(kind, rank_kind, lang: str) -> str:
    label = t(kind, lang) if isinstance(kind, str) else "—"
    if isinstance(rank_kind, str) and rank_kind != kind:
        label += f" ({t('rank_published_note', lang)}: {t(rank_kind, lang)})"
    return label


def family_label(code: str, families: pd.DataFrame, lang: str) -> str:
    names = dict(zip(families["family_code"], families[lang_col("name", lang)], strict=True))
    return names.get(code, code)


def opening_year(years: pd.DataFrame, allowed: list[int]) -> int | None:
    """The year the rankings open on for an index: the latest allowed year in which at least half as many provinces
    are scored as in its best-covered year (PAPI 2023 has 2 published provinces: the page opens on 2016, whose
    ranking is whole; 2023 stays offered). `years`: years_with_scores_for_family.sql."""
    rows = years[years.year.isin(allowed)]
    if rows.empty:
        return None
    covered = rows[rows.n_units * 2 >= rows.n_units.max()]
    return int(covered.year.max())


def national_average(average: pd.Series, provinces: pd.DataFrame) -> tuple[float | None, bool, bool]:
    """The national average the page shows for a row of queries/par_average_by_year.sql: (its value, whether it is
    the published one, whether to show it at all: a mean of a few published provinces is no national average)."""
    published = bool(pd.notna(average["published_mean"]))
    value = average["published_mean"] if published else average["computed_mean"]
    show = published or int(provinces["n_scored"].iloc[0]) == int(provinces["n_units"].iloc[0])
    return (None if pd.isna(value) else float(value)), published, show


def chart_options(average: pd.Series, provinces: pd.DataFrame, grouped: bool) -> dict:
    """The national ranking chart's options (the page and the warming after a start must ask for the same figure)."""
    value, _, show = national_average(average, provinces)
    return {"group_col": "current_province" if grouped else None, "average": value if show else None}
