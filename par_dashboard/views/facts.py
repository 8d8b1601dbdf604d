"""Every published fact beside what the database says: `python -m par_dashboard facts [--db PATH] [--lang en]`.

The facts are read from the published files (`published.load_published`: scores, ranks, averages, stated changes,
and what the notes say, `data/published/facts_from_notes.csv`); what the database says is read through the same
queries the pages use (`queries/par_score_by_province_year.sql`, `par_average_by_year.sql`,
`par_score_by_subunit_year.sql`, `par_average_by_region_year.sql`, and the rankings page's own headline for the
largest rise and fall), so a fact that holds here holds on the page leadership reads.

Each fact ends as one of:
- equal: the database says what the source says (to the published precision: numbers rounded to hundredths);
- differs: it does not — a failure (the command exits 1);
- sources disagree: it does not, because another source says otherwise and the data follows that one: the
  fact is marked so in `facts_from_notes.csv` (with why), or the database holds a published value of another
  source for that very figure (e.g. a panel's rank). Not a failure: both sources are kept and shown;
- not checkable: the database cannot say (ministries, an index or a year it does not hold).
The panels (PAPI 2011–2016, PCI 2012–2016) are checked row by row and printed one line per year.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

import pandas as pd

from par_dashboard.building.published import NOTE_RANK, Published, PublishedFact, PublishedScore, load_published
from par_dashboard.domain import catalogue
from par_dashboard.i18n import fmt_num, fmt_signed, pick, t
from par_dashboard.views import rankings

EQUAL, DIFFERS, DISAGREE, NOT_CHECKABLE = "equal", "differs", "disagree", "not_checkable"
STATUSES = (EQUAL, DIFFERS, DISAGREE, NOT_CHECKABLE)
_AREAS = list(catalogue.AREAS)


@dataclass
class Check:
    status: str
    what: str
    published: str
    database: str
    source: str
    note: str = ""

    def line(self, lang: str) -> str:
        parts = [t(f"facts_status_{self.status}", lang), self.what, f"{t('facts_published', lang)}: {self.published}",
                 f"{t('facts_database', lang)}: {self.database}", self.source]
        return " | ".join(parts) + (f" | {self.note}" if self.note else "")


class _NotCheckable(Exception):
    """The database cannot say (with why, in both languages)."""

    def __init__(self, key: str, **kw) -> None:
        super().__init__(key)
        self.key, self.kw = key, kw


def check_all(query, lang: str = "vi", published: Published | None = None) -> list[Check]:
    """Every fact of `published` (default: the files in data/published) against the database behind `query`
    (Database.query or anything with its signature)."""
    pub = published or load_published()
    return _Checker(query, lang, pub).run()


def summary(checks: list[Check], lang: str = "vi") -> str:
    n = Counter(c.status for c in checks)
    return t("facts_summary", lang, total=len(checks), equal=n[EQUAL], differs=n[DIFFERS], disagree=n[DISAGREE],
             not_checkable=n[NOT_CHECKABLE])


class _Checker:
    def __init__(self, query, lang: str, pub: Published) -> None:
        self.query, self.lang, self.pub = query, lang, pub
        self._cache: dict[tuple, pd.DataFrame] = {}
        self._names: dict[str, str] = {}

    # ---------------------------------------------------------------- reading the database
    def q(self, name: str, **params) -> pd.DataFrame:
        key = (name, tuple(sorted(params.items())))
        if key not in self._cache:
            try:
                self._cache[key] = self.query(name, **params)
            except Exception as exc:  # a database built before the query's tables existed
                raise _NotCheckable("facts_nc_query", error=str(exc).splitlines()[0][:120]) from exc
        return self._cache[key]

    def provinces(self, family: str, year: int, area: str = "TOTAL") -> pd.DataFrame:
        return self.q("par_score_by_province_year", year=year, family=family, area=area)

    def complete(self, family: str, year: int, area: str = "TOTAL") -> pd.DataFrame:
        df = self.provinces(family, year, area)
        if df.empty or df.score.isna().all():
            raise _NotCheckable("facts_nc_no_year", year=year)
        n_scored, n_units = int(df.n_scored.iloc[0]), int(df.n_units.iloc[0])
        if n_scored < n_units:
            raise _NotCheckable("facts_nc_partial", n=n_scored, total=n_units, year=year)
        return df

    def mean(self, family: str, year: int, area: str = "TOTAL") -> float:
        self.complete(family, year, area)
        return float(self.q("par_average_by_year", year=year, family=family, area=area).iloc[0].computed_mean)

    def sub_units(self, uid: str, year: int, family: str = "PAR_INDEX") -> tuple[pd.DataFrame, pd.Series | None]:
        unit = self.unit(uid)
        level = unit["level"]
        df = self.q("par_score_by_subunit_year", year=year, family=family, area="TOTAL", level=level,
                    province_id=unit["province_id"])
        row = df[df.unit_id == uid]
        return df, (row.iloc[0] if len(row) else None)

    def unit(self, uid: str) -> pd.Series:
        df = self.q("unit_by_id", unit_id=uid)
        if df.empty:
            raise _NotCheckable("facts_nc_unit", unit=uid)
        return df.iloc[0]

    def name(self, uid: str) -> str:
        if uid not in self._names:
            try:
                self._names[uid] = str(self.unit(uid).short_name)
            except _NotCheckable:
                self._names[uid] = uid
        return self._names[uid]

    # ---------------------------------------------------------------- the facts
    def run(self) -> list[Check]:
        out: list[Check] = []
        panels: dict[tuple[str, str, int], list[PublishedScore]] = {}
        for s in sorted(self.pub.scores, key=lambda s: (s.family_code, s.year, s.unit_id)):
            if s.panel:
                panels.setdefault((s.panel, s.family_code, s.year), []).append(s)
                continue
            if (s.note or "").startswith(NOTE_RANK):
                continue  # a rank a note states: checked once, as that note's fact
            out.extend(self._score_checks(s))
        for f in sorted(self.pub.facts, key=lambda f: (f.family, f.year, f.level, f.kind, f.subject or "", f.source.key)):
            out.append(self._fact_check(f))
        for (panel, family, year), rows in sorted(panels.items()):
            out.append(self._panel_check(panel, family, year, rows))
        return out

    def _score_checks(self, s: PublishedScore) -> list[Check]:
        derived = (s.note or "").startswith("suy ra")
        what_unit = f"{self.name(s.unit_id)} — {s.family_code.replace('_', ' ')} {s.year}"
        source = s.source.urls[0]
        checks = []
        try:
            row = self._row(s.unit_id, s.year, s.family_code)
        except _NotCheckable as nc:
            row, reason = None, t(nc.key, self.lang, **nc.kw)
        for kind, published in (("score", s.score), ("rank", s.rank), ("tier", s.tier)):
            if published is None:
                continue
            what = t(f"facts_kind_{kind}", self.lang, what=what_unit) + (f" ({t('facts_derived', self.lang)})" if derived else "")
            shown = fmt_num(published, self.lang) if kind == "score" else str(published)
            if row is None:
                checks.append(Check(NOT_CHECKABLE, what, shown, "—", source, reason))
                continue
            if kind == "score":
                got = row.get("score")
                equal = got is not None and not pd.isna(got) and round(float(got), 2) == round(published, 2)
                got_text = fmt_num(got, self.lang)
            elif kind == "rank":
                got = row.get("display_rank", row.get("rank"))
                if got is None or pd.isna(got):
                    got = row.get("published_rank")
                equal = got is not None and not pd.isna(got) and int(got) == int(published)
                got_text = "—" if got is None or pd.isna(got) else str(int(got))
            else:
                got = row.get("tier")
                equal = isinstance(got, str) and got == published
                got_text = got if isinstance(got, str) else "—"
            status, note = EQUAL if equal else DIFFERS, ""
            if not equal and isinstance(row.get("source_kind"), str) and row.get("source_kind") != "synthetic_demo" \
                    and row.get("source_url") not in s.source.urls:
                status, note = DISAGREE, t("facts_other_source", self.lang, url=row.get("source_url"))
            checks.append(Check(status, what, shown, got_text, source, note))
        return checks

    def _row(self, uid: str, year: int, family: str) -> pd.Series:
        if uid.split("-")[1] == "P":
            df = self.provinces(family, year)
            row = df[df.unit_id == uid]
            if row.empty:
                raise _NotCheckable("facts_nc_no_value")
            return row.iloc[0]
        _, row = self.sub_units(uid, year, family)
        if row is None:
            raise _NotCheckable("facts_nc_no_value")
        return row

    def _fact_check(self, f: PublishedFact) -> Check:
        what = self._describe(f)
        published = self._published_text(f)
        source = f.source.urls[0]
        try:
            got, equal = self._evaluate(f)
        except _NotCheckable as nc:
            return Check(NOT_CHECKABLE, what, published, "—", source, t(nc.key, self.lang, **nc.kw))
        if equal:
            return Check(EQUAL, what, published, got, source)
        if f.disagrees:
            return Check(DISAGREE, what, published, got, source, pick(f.disagrees_vi, f.disagrees_en, self.lang) or "")
        return Check(DIFFERS, what, published, got, source)

    def _describe(self, f: PublishedFact) -> str:
        subject = f.subject or ""
        if f.kind in ("last", "at_least", "below", "above_mean_by", "change", "rank_change", "rank", "max_rise", "min_rise",
                      "max_fall", "min_fall") and subject:
            subject = self.name(subject)
        elif f.kind in ("bottom_set", "top_set") and subject:
            subject = ", ".join(self.name(u) for u in subject.split(";"))
        elif f.kind in ("count_below", "rank_groups") and subject.startswith("S"):
            subject = self.name(subject)
        family = f.family.replace("_", " ")
        level = "" if f.level == "province" else f" ({t(f'facts_level_{f.level}', self.lang)})"
        return t(f"facts_kind_{f.kind}", self.lang, family=family, year=f.year, subject=subject,
                 arg=_number(f.arg, self.lang), what=f"{subject} — {family} {f.year}").replace(" ,", ",") + level

    def _published_text(self, f: PublishedFact) -> str:
        if f.kind in ("note", "rank_groups"):
            return f.text if f.kind == "note" else (f.detail or "")
        if f.kind == "last" and f.subject:
            return self.name(f.subject)
        if f.kind == "max_area_change":
            return f.subject or ""
        if f.value is None:
            return f"“{f.text}”"
        if f.kind in ("change", "avg_change", "area_change", "max_rise", "min_rise", "max_fall", "min_fall", "above_mean_by"):
            return fmt_signed(f.value, self.lang)
        if f.kind in ("rank_change",):
            return fmt_signed(f.value, self.lang, 0)
        if f.kind in ("count_up", "count_down", "group_count", "above_mean_count", "areas_rose", "rank", "bottom_set",
                      "top_set", "count_below"):
            return str(int(f.value))
        return fmt_num(f.value, self.lang)

    # ---------------------------------------------------------------- evaluating one fact
    def _evaluate(self, f: PublishedFact) -> tuple[str, bool]:
        L = self.lang
        if f.kind == "note":
            raise _NotCheckable("facts_nc_note", detail=f.detail or "")
        if f.level == "ministry":
            raise _NotCheckable("facts_nc_ministry")
        if f.family not in rankings.FAMILIES:
            raise _NotCheckable("facts_nc_family", family=f.family)
        if f.level != "province":
            return self._evaluate_sub_unit(f)
        fam, year = f.family, f.year
        if f.kind == "national_avg":
            got = self.mean(fam, year)
            return fmt_num(got, L), _eq(got, f.value)
        if f.kind == "region_avg":
            df = self.q("par_average_by_region_year", year=year, family=fam, area="TOTAL")
            row = df[df.region == f.subject]
            if row.empty or int(row.iloc[0].n_scored) < int(row.iloc[0].n_units):
                raise _NotCheckable("facts_nc_no_year", year=year)
            got = float(row.iloc[0].computed_mean)
            return fmt_num(got, L), _eq(got, f.value)
        if f.kind == "avg_change":
            got = self.mean(fam, year) - self.mean(fam, year - 1)
            return fmt_signed(got, L), _eq(got, f.value)
        if f.kind == "area_change":
            got = self.mean(fam, year, f.subject) - self.mean(fam, year - 1, f.subject)
            return fmt_signed(got, L), _eq(got, f.value)
        if f.kind in ("areas_rose", "max_area_change"):
            changes = {a: self.mean(fam, year, a) - self.mean(fam, year - 1, a) for a in _AREAS}
            if f.kind == "areas_rose":
                got = sum(1 for v in changes.values() if round(v, 2) > 0)
                return str(got), got == int(f.value)
            top = max(changes, key=lambda a: changes[a])
            return f"{top} ({fmt_signed(changes[top], L)})", top == f.subject
        if f.kind in ("count_up", "count_down", "max_rise", "min_rise", "max_fall", "min_fall"):
            df = self.complete(fam, year)
            self.complete(fam, year - 1)
            ch = df[df.score_change.notna()]
            if f.kind == "count_up":
                got = int((ch.score_change.round(2) > 0).sum())
                return str(got), got == int(f.value)
            if f.kind == "count_down":
                got = int((ch.score_change.round(2) < 0).sum())
                return str(got), got == int(f.value)
            head = rankings.headline(df)  # the rankings page's own cards
            if f.kind == "max_rise":
                row = (head.rise_name, head.rise)
            elif f.kind == "max_fall":
                row = (head.fall_name, head.fall)
            else:
                side = ch[ch.score_change.round(2) > 0] if f.kind == "min_rise" else ch[ch.score_change.round(2) < 0]
                if side.empty:
                    return "—", False
                r = side.loc[side.score_change.idxmin() if f.kind == "min_rise" else side.score_change.idxmax()]
                row = (r.short_name, float(r.score_change))
            name, value = row
            got = "—" if value is None else f"{name} {fmt_signed(value, L)}"
            equal = value is not None and _eq(value, f.value) and (not f.subject or name == self.name(f.subject))
            return got, equal
        if f.kind == "rank":  # a published rank stands also in a year where few provinces have a score
            row = self.provinces(fam, year)
            row = row[row.unit_id == f.subject]
            got = None if row.empty or pd.isna(row.iloc[0].display_rank) else int(row.iloc[0].display_rank)
            return ("—" if got is None else str(got)), got == int(f.value)
        df = self.complete(fam, year)
        if f.kind in ("change", "rank_change", "above_mean_by", "at_least", "below", "last"):
            row = df[df.unit_id == f.subject]
            if row.empty:
                raise _NotCheckable("facts_nc_no_value")
            row = row.iloc[0]
            if f.kind == "change":
                self.complete(fam, year - 1)
                return fmt_signed(row.score_change, L), _eq(row.score_change, f.value)
            if f.kind == "rank_change":
                self.complete(fam, year - 1)
                return fmt_signed(row.rank_change, L, 0), not pd.isna(row.rank_change) and int(row.rank_change) == int(f.value)
            if f.kind == "above_mean_by":
                got = float(row.score) - self.mean(fam, year)
                return fmt_signed(got, L), _eq(got, f.value)
            if f.kind == "at_least":
                return fmt_num(row.score, L), round(float(row.score), 2) >= f.value
            if f.kind == "below":
                return fmt_num(row.score, L), round(float(row.score), 2) < f.value
            last = df.sort_values("score").iloc[0]
            return f"{last.short_name} {fmt_num(last.score, L)}", last.unit_id == f.subject
        if f.kind in ("bottom_set", "top_set"):
            ids = set(f.subject.split(";"))
            if f.kind == "bottom_set":
                got = df.sort_values("score").head(int(f.value))
            else:
                got = df[(df.display_rank >= int(f.arg)) & (df.display_rank <= int(f.value))]
            return ", ".join(got.short_name), set(got.unit_id) == ids
        if f.kind == "above_mean_count":
            m = self.mean(fam, year)
            got = int((df.score.round(2) > round(m, 2)).sum())
            return str(got), got == int(f.value)
        if f.kind == "all_above":
            got = float(df.score.min())
            return f"min {fmt_num(got, L)}", got > f.value
        if f.kind == "min_score":
            got = float(df.score.min())
            return fmt_num(got, L), _eq(got, f.value)
        if f.kind == "max_score":
            got = float(df.score.max())
            return fmt_num(got, L), _eq(got, f.value)
        if f.kind == "group_count":
            got = int((df.score_group == f.subject).sum())
            return str(got), got == int(f.value)
        raise _NotCheckable("facts_nc_kind", kind=f.kind)

    def _evaluate_sub_unit(self, f: PublishedFact) -> tuple[str, bool]:
        if f.kind == "rank_groups":
            df = self.q("par_score_by_subunit_year", year=f.year, family=f.family, area="TOTAL", level=f.level,
                        province_id=f.subject)
            if df.empty:
                raise _NotCheckable("facts_nc_no_year", year=f.year)
            groups = dict(part.split("=", 1) for part in (f.detail or "").split("|"))
            wrong = df[df.unit_type.map(groups) != df.rank_group]
            got = "; ".join(f"{g}: {n}" for g, n in sorted(Counter(df.rank_group.fillna("—")).items()))
            return got, wrong.empty
        if f.kind == "count_below":
            df = self.q("par_score_by_subunit_year", year=f.year, family=f.family, area="TOTAL", level=f.level,
                        province_id=f.subject)
            if df.empty:
                raise _NotCheckable("facts_nc_no_year", year=f.year)
            got = int((df.score.round(2) < f.arg).sum())
            return str(got), got == int(f.value)
        df, row = self.sub_units(f.subject, f.year, f.family)
        if row is None:
            raise _NotCheckable("facts_nc_no_value")
        if f.kind == "rank":
            return str(int(row["rank"])), int(row["rank"]) == int(f.value)
        if f.kind == "last":
            return f"{int(row['rank'])}/{int(row['n_ranked'])}", int(row["rank"]) == int(row["n_ranked"])
        raise _NotCheckable("facts_nc_kind", kind=f.kind)

    def _panel_check(self, panel: str, family: str, year: int, rows: list[PublishedScore]) -> Check:
        df = self.provinces(family, year).set_index("unit_id")
        wrong = [self.name(s.unit_id) for s in rows
                 if s.unit_id not in df.index or pd.isna(df.loc[s.unit_id, "score"])
                 or round(float(df.loc[s.unit_id, "score"]), 4) != round(s.score, 4)]
        what = t("facts_kind_panel", self.lang, family=family, year=year, n=len(rows))
        got = t("facts_panel_equal", self.lang, n=len(rows) - len(wrong), total=len(rows))
        return Check(EQUAL if not wrong else DIFFERS, what, str(len(rows)), got, rows[0].source.urls[0],
                     ", ".join(wrong[:10]))


def _number(value, lang: str) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else fmt_num(value, lang)


def _eq(got, published) -> bool:
    """Equal to the published precision: hundredths."""
    if got is None or (isinstance(got, float) and math.isnan(got)) or pd.isna(got):
        return False
    return round(float(got) + 0.0, 2) == round(float(published), 2)
