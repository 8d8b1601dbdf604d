"""Deterministic synthetic demo data ("Dữ liệu mô phỏng").

Fills what no public source gives: every province (63 for 2018-2024, 34 for 2025), every district of the
old structure, the communes of the new one and the departments, with PAR INDEX totals and area scores,
SIPAS, the 766 service index, operational indicators with targets, inspections and findings.

Rules:
- the same seed gives the same rows, byte for byte (one `random.Random` per stream, keyed by name);
- every row gets the synthetic-demo source; demo people are a role and a number ("Trưởng đoàn mô phỏng 3"),
  never a realistic name;
- published figures are constraints, never overwritten, and so is every published fact about a year's table
  (`Published.facts`): the national and regional averages, how many provinces rose and fell, the largest and
  smallest rise and fall, the last place, the group counts, a range, the five highest and lowest, a threshold a
  province stayed above, the change of each component index. For each year, in order, `fit.plan_changes` turns
  the facts about changes into pinned values and bounds given last year's fitted scores, and `fit.fit_ranking`
  places the demo values around the published ones so that every fact holds over real and demo values together
  (its docstring gives the method). A fact that contradicts another source is followed only as far as the other
  allows (An Giang last in 2023 per two outlets; Bình Thuận and Sóc Trăng, "at the bottom" per a third, just
  above it).
"""

from __future__ import annotations

import datetime as dt
import random
import zlib
from dataclasses import dataclass, field
from statistics import NormalDist

import pandas as pd

from par_dashboard.building.fit import (
    ChangeConstraints,
    GroupMean,
    InfeasibleRanking,
    RankingConstraints,
    cents,
    fit_ranking,
)
from par_dashboard.building.published import Published, PublishedFact
from par_dashboard.domain import catalogue
from par_dashboard.domain.units import regions, structure_for_year

# Public: what the benchmark's national-scale generator (bench/scale.py) reads to keep to the demo's rules (the seed,
# the areas, the national trends, the areas' offsets, the inspection teams' titles and leader names, the texts of
# findings): SEED, AREAS, PAR_TREND, SIPAS_TREND, AREA_OFFSET, LEADER_TITLES, LEADER_NAME, RESULT_TEXTS,
# LIMITATION_TEXTS, RECOMMENDATION_TEXTS, NOT_YET_REMEDIED. The rest of this module is its own.
SEED = 2024
S63_YEARS = list(range(2018, 2025))
S34_YEARS = [2025]
AREAS = list(catalogue.AREAS)

# National PAR INDEX means the demo aims at where none was published (published years are exact).
PAR_TREND = {2018: 80.9, 2019: 82.1, 2020: 83.4, 2021: 84.3, 2022: 84.8, 2023: 87.0, 2024: 88.4, 2025: 88.9}
SIPAS_TREND = {2018: 79.5, 2019: 80.6, 2020: 80.3, 2021: 80.1, 2022: 80.1, 2023: 82.7, 2024: 83.5, 2025: 84.0}
# Year-on-year noise of the wishes (the published counts of rises and falls are then imposed by the fit).
_CHANGE_SD = {2023: 1.7, 2024: 1.3}
# Area scores sit around the total with these offsets (points of %), so e-government lags and direction leads.
AREA_OFFSET = {"A1": 5.0, "A2": 3.0, "A3": 2.0, "A4": 4.0, "A5": 0.0, "A6": 1.0, "A7": -5.0, "A8": -4.0}
# The PAR INDEX's own groups (% cut-offs), for published group counts.
_GROUP_BOUNDS = {"A": (90.0, 100.0), "B": (80.0, 89.99), "C": (70.0, 79.99)}
_AREA_RANGE = (40.0, 100.0)


def _rng(*key) -> random.Random:
    return random.Random(zlib.crc32(repr((SEED, *key)).encode()))


@dataclass
class DemoData:
    scores: list[dict] = field(default_factory=list)
    indicator_values: list[dict] = field(default_factory=list)
    targets: list[dict] = field(default_factory=list)
    plans: list[dict] = field(default_factory=list)
    inspections: list[dict] = field(default_factory=list)
    inspection_units: list[dict] = field(default_factory=list)
    findings: list[dict] = field(default_factory=list)

    def frames(self) -> dict[str, pd.DataFrame]:
        return {name: pd.DataFrame(rows) for name, rows in self.__dict__.items()}


def generate(units: pd.DataFrame, crosswalk: pd.DataFrame, published: Published, source_id: int) -> DemoData:
    demo = DemoData()
    gen = _Generator(units, crosswalk, published, source_id, demo)
    gen.province_scores()
    gen.sub_unit_scores()
    gen.operational_indicators()
    gen.inspections()
    return demo


def _change_constraints(facts: list[PublishedFact]) -> ChangeConstraints:
    """A year's published facts about changes from last year (counts, extremes, stated changes)."""
    cc = ChangeConstraints()
    for f in facts:
        if f.disagrees:
            continue
        if f.kind == "count_up":
            cc.up = int(f.value)
        elif f.kind == "count_down":
            cc.down = int(f.value)
        elif f.kind in ("max_rise", "min_rise", "max_fall", "min_fall"):
            setattr(cc, f.kind, (f.value, f.subject))
        elif f.kind == "change" and f.subject:
            cc.changes[f.subject] = f.value
    return cc


def _set_mean(values: dict[str, int], target: int) -> None:
    """Shift integer hundredths so that they sum to `target` times their count (so their mean is exactly
    `target` hundredths), within the range area scores keep: the leftover hundredths go one each, by unit id."""
    lo, hi = cents(_AREA_RANGE[0]), cents(_AREA_RANGE[1])
    total = target * len(values)
    for _ in range(50):
        gap = total - sum(values.values())
        if not gap:
            return
        movable = sorted(u for u, v in values.items() if (lo < v if gap < 0 else v < hi))
        if not movable:
            break
        step, extra = divmod(abs(gap), len(movable))
        sign = 1 if gap > 0 else -1
        for i, u in enumerate(movable):
            values[u] = min(hi, max(lo, values[u] + sign * (step + (1 if i < extra else 0))))
    raise InfeasibleRanking(f"area scores cannot average {target / 100}")


class _Generator:
    def __init__(self, units, crosswalk, published, source_id, demo):
        self.u = units
        self.cw = crosswalk
        self.published = published
        self.pub = published.score_map()
        self.agg = {(a.family_code, a.year, a.aggregate): a.value for a in published.aggregates}
        self.src = source_id
        self.demo = demo
        self.provinces = {s: sorted(units[(units.structure == s) & (units.level == "province")].unit_id)
                          for s in ("S63", "S34")}
        self.children = units.groupby("parent_id").unit_id.apply(sorted).to_dict()
        self.level = dict(zip(units.unit_id, units.level, strict=False))
        self.short = dict(zip(units.unit_id, units.short_name, strict=False))
        self.unit_type = dict(zip(units.unit_id, units.unit_type, strict=False))
        self.region = regions()
        # A latent quality per unit keeps a unit's scores related from year to year.
        self.quality: dict[str, float] = {}
        for uid in units.unit_id:
            self.quality[uid] = _rng("quality", uid).gauss(0, 1)
        # Provinces with published ranks start from where those ranks put them.
        ranks: dict[str, list[int]] = {}
        for (uid, _year, family), p in self.pub.items():
            if family == "PAR_INDEX" and p.rank and uid.startswith("S63-P"):
                ranks.setdefault(uid, []).append(p.rank)
        for uid, rs in ranks.items():
            self.quality[uid] = NormalDist().inv_cdf(1 - (sum(rs) / len(rs) - 0.5) / 63)
        # Sources put these near the bottom in 2023 (one of them at the bottom): they start low.
        for fact in published.facts:
            if fact.kind == "bottom_set" and fact.family == "PAR_INDEX":
                for uid in fact.subject.split(";"):
                    self.quality[uid] = min(self.quality[uid], -1.6)
        # New provinces inherit the quality of the old ones merged into them.
        old_by_new = self.cw[self.cw.old_unit_id.str.startswith("S63-P")].groupby("new_unit_id").old_unit_id.apply(list)
        for new, olds in old_by_new.items():
            self.quality[new] = sum(self.quality[o] for o in olds) / len(olds)
        self.province_total: dict[tuple[str, int], float] = {}

    # ---------------------------------------------------------------- scores
    def province_scores(self) -> None:
        for family, trend, spread in (("PAR_INDEX", PAR_TREND, 2.6), ("SIPAS", SIPAS_TREND, 2.8)):
            for year in S63_YEARS + S34_YEARS:
                structure = structure_for_year(year)
                units = self.provinces[structure]
                mean = self.agg.get((family, year, "national_avg_provinces" if family == "PAR_INDEX" else "national_avg"))
                rng = _rng(family, year)
                # Year on year a unit moves a little from where it was; the first year follows its quality.
                desired = {}
                for u in units:
                    prev = self.province_total.get((u, year - 1, family))
                    if prev is None:
                        desired[u] = trend[year] + spread * self.quality[u] + rng.gauss(0, 0.9)
                    else:
                        desired[u] = prev + trend[year] - trend[year - 1] + rng.gauss(0, _CHANGE_SD.get(year, 1.0))
                c = RankingConstraints(units, desired, mean=mean)
                for uid in units:
                    p = self.pub.get((uid, year, family))
                    if p and p.score is not None:
                        c.scores[uid] = p.score
                    if p and p.rank is not None:
                        c.ranks[uid] = p.rank
                facts = self.published.facts_of(family, year)
                self._table_facts(c, family, year, facts)
                self._next_year_changes(c, family, year)
                prev = {u: self.province_total[(u, year - 1, family)] for u in units if (u, year - 1, family) in self.province_total}
                self._rank_changes(c, prev, facts)
                cc = _change_constraints(facts)
                try:
                    fitted = fit_ranking(c, floor=60.0, prev=prev or None, changes=cc)
                except InfeasibleRanking as exc:
                    raise InfeasibleRanking(f"{family} {year}: {exc}") from exc
                for uid, score in fitted.items():
                    self.province_total[(uid, year, family)] = score
                    self._score(uid, year, family, "TOTAL", score)
                if family == "PAR_INDEX":
                    self._area_scores(units, year, fitted)

        for year in (2023, 2024, 2025):  # the 766 index started on 1/8/2022
            structure = structure_for_year(year)
            rng = _rng("SI766", year)
            for uid in self.provinces[structure]:
                v = 72 + 3 * year - 3 * 2023 + 4 * self.quality[uid] + rng.gauss(0, 2)
                self._score(uid, year, "SI766", "TOTAL", round(min(98, max(50, v)), 2))

    def _table_facts(self, c: RankingConstraints, family: str, year: int, facts: list[PublishedFact]) -> None:
        """Facts about the whole table as slot bounds, ranks, blocks of ranks, unit bounds and group means."""
        n = len(c.units)

        def bound(r: int, lo: float, hi: float) -> None:
            old = c.slot_bounds.get(r, (-1e9, 1e9))
            c.slot_bounds[r] = (max(lo, old[0]), min(hi, old[1]))

        def unit_bound(u: str, lo: float, hi: float) -> None:
            old = c.unit_bounds.get(u, (-1e9, 1e9))
            c.unit_bounds[u] = (max(lo, old[0]), min(hi, old[1]))

        groups = {f.subject: int(f.value) for f in facts if f.kind == "group_count"}
        first = 1
        for g in ("A", "B", "C"):
            if g in groups:
                for r in range(first, first + groups[g]):
                    bound(r, *_GROUP_BOUNDS[g])
                first += groups[g]
        regional = {f.subject for f in facts if f.kind == "region_avg" and not f.disagrees}
        by_region: dict[str, list[str]] = {}
        for u in c.units:
            if u in self.region:
                by_region.setdefault(self.region[u], []).append(u)
        for f in facts:
            if f.kind == "all_above":
                for r in range(1, n + 1):
                    bound(r, f.value + 0.01, 100.0)
            elif f.kind == "above_mean_count" and c.mean is not None:
                bound(int(f.value), c.mean + 0.01, 100.0)
                bound(int(f.value) + 1, 0.0, c.mean)
            elif f.kind == "min_score":
                c.slot_values[n] = f.value
            elif f.kind == "max_score":
                c.slot_values[1] = f.value
            elif f.kind == "last" and f.subject in c.units:
                c.ranks.setdefault(f.subject, n)
            elif f.kind == "at_least" and f.subject in c.units:
                unit_bound(f.subject, f.value, 100.0)
            elif f.kind == "below" and f.subject in c.units:
                unit_bound(f.subject, 0.0, f.value - 0.01)
            elif (f.kind == "region_avg" and f.subject in by_region and (not f.disagrees or f.subject not in regional)
                  and all(g.name != f.subject for g in c.group_means)):
                # a regional average that disagrees with a sounder one of the same year is not held at all;
                # one that cannot hold with the others is held as closely as they allow
                c.group_means.append(GroupMean(by_region[f.subject], f.value, strict=not f.disagrees, name=f.subject))
        for f in facts:
            if f.kind == "bottom_set":
                members = [u for u in f.subject.split(";") if u in c.units and u not in c.ranks]
                taken = set(c.ranks.values())
                end = n
                while any(r in taken for r in range(end - len(members) + 1, end + 1)):
                    end -= 1  # a set that disagrees with a published last place sits right above it
                c.rank_blocks.append((members, end - len(members) + 1))

    def _next_year_changes(self, c: RankingConstraints, family: str, year: int) -> None:
        """A unit with a published score next year, in a year whose rises and falls are bounded, must be this
        year where that score is a rise (or a fall) within those bounds."""
        cc = _change_constraints(self.published.facts_of(family, year + 1))
        if cc.max_rise is None and cc.max_fall is None and cc.min_rise is None:
            return
        for u in c.units:
            p = self.pub.get((u, year + 1, family))
            if p is None or p.score is None or u in c.scores:
                continue
            if u in cc.changes:
                c.scores[u] = round(p.score - cc.changes[u], 2)
                continue
            rise_hi = cc.max_rise[0] - 0.01 if cc.max_rise else 8.0
            rise_lo = cc.min_rise[0] + 0.01 if cc.min_rise else 0.01
            old = c.unit_bounds.get(u, (-1e9, 1e9))
            c.unit_bounds[u] = (max(old[0], p.score - rise_hi), min(old[1], p.score - rise_lo))

    def _rank_changes(self, c: RankingConstraints, prev: dict[str, float], facts: list[PublishedFact]) -> None:
        """"Down 7 places" with no rank published: this year's rank follows from last year's fitted one."""
        for f in facts:
            if f.kind == "rank_change" and f.subject in prev and f.subject not in c.ranks:
                before = 1 + sum(1 for v in prev.values() if v > prev[f.subject])
                r = before - int(f.value)
                if 1 <= r <= len(c.units) and r not in c.ranks.values():
                    c.ranks[f.subject] = r

    def _area_scores(self, units, year, totals) -> None:
        """Area scores around the total; each area's national mean lands on a whole hundredth, and where a
        source states how the component indexes changed ("+3.79 (largest)", "6 of 8 rose") it changes so."""
        rng = _rng("areas", year)
        values = {a: {} for a in AREAS}
        for uid in units:
            for a in AREAS:
                v = totals[uid] + AREA_OFFSET[a] + rng.gauss(0, 2.5)
                values[a][uid] = cents(min(_AREA_RANGE[1], max(_AREA_RANGE[0], v)))
        facts = self.published.facts_of("PAR_INDEX", year)
        stated = {f.subject: f.value for f in facts if f.kind == "area_change"}
        rose = next((int(f.value) for f in facts if f.kind == "areas_rose"), None)
        top = next((f.subject for f in facts if f.kind == "max_area_change"), None)
        prev_means = getattr(self, "_area_means", {}).get(year - 1, {})
        unstated_rise = rose is not None and rose - sum(1 for v in stated.values() if v > 0) == len(AREAS) - len(stated)
        means = {}
        for a in AREAS:
            natural = sum(values[a].values()) / len(units)
            target = int(round(natural))
            if a in prev_means and a in stated:
                target = prev_means[a] + cents(stated[a])
            elif a in prev_means and (unstated_rise or top):
                ceiling = prev_means[a] + cents(stated[top]) - 1 if top in stated else target
                floor = prev_means[a] + 1 if unstated_rise else target
                target = min(ceiling, max(floor, target))
            _set_mean(values[a], target)
            means[a] = target
            for uid in units:
                self._score(uid, year, "PAR_INDEX", a, values[a][uid] / 100)
        self._area_means = {**getattr(self, "_area_means", {}), year: means}

    def _score(self, uid, year, family, area, score) -> None:
        if area == "TOTAL" and (p := self.pub.get((uid, year, family))) and p.score is not None:
            return  # the published row carries it
        self.demo.scores.append({"unit_id": uid, "year": year, "family_code": family, "area_code": area,
                                 "score": score, "source_id": self.src})

    def sub_unit_scores(self) -> None:
        """Each province's own PAR index of its districts (to 2024) or communes (2025) and departments, ranked
        within the province (and within the part of a level it ranks apart: Hải Phòng's wards, 2025)."""
        for year in S63_YEARS + S34_YEARS:
            structure = structure_for_year(year)
            for pid in self.provinces[structure]:
                kids = self.children.get(pid, [])
                sub_level = "commune" if structure == "S34" else "district"
                for level in (sub_level, "department"):
                    members = [k for k in kids if self.level[k] == level]
                    if not members:
                        continue
                    groups = self.published.rank_groups.get((pid, year, level))
                    parts: dict[str | None, list[str]] = {}
                    for m in members:
                        parts.setdefault(groups.get(self.unit_type[m]) if groups else None, []).append(m)
                    for group, part in sorted(parts.items(), key=lambda kv: kv[0] or ""):
                        self._sub_unit_part(pid, year, level, group, part)

    def _sub_unit_part(self, pid, year, level, group, members) -> None:
        rng = _rng("sub", level, pid, year) if group is None else _rng("sub", level, pid, year, group)
        base = self.province_total[(pid, year, "PAR_INDEX")] - 2.5
        desired = {m: base + 3.0 * self.quality[m] + rng.gauss(0, 1.5) for m in members}
        c = RankingConstraints(members, desired)
        for m in members:
            p = self.pub.get((m, year, "PAR_INDEX"))
            if p and p.score is not None:
                c.scores[m] = p.score
            if p and p.rank is not None:
                c.ranks[m] = p.rank
        n = len(members)
        for f in self.published.facts_of("PAR_INDEX", year, level):
            if f.kind == "last" and f.subject in c.units:
                c.ranks.setdefault(f.subject, n)
            elif f.kind == "count_below" and f.subject == pid:
                for r in range(n - int(f.value) + 1, n + 1):
                    c.slot_bounds[r] = (0.0, f.arg - 0.01)
                c.slot_bounds[n - int(f.value)] = (f.arg, 100.0)
                for m in members:  # this province's index spreads its units much wider than the demo's wish
                    desired[m] = base + 9.0 * self.quality[m] + rng.gauss(0, 3.0)
        try:
            fitted = fit_ranking(c, floor=50.0, ceiling=99.5)
        except InfeasibleRanking as exc:
            raise InfeasibleRanking(f"{pid} {year} {level}: {exc}") from exc
        for uid, score in fitted.items():
            self._score(uid, year, "PAR_INDEX", "TOTAL", score)

    # ---------------------------------------------------------------- indicators
    def operational_indicators(self) -> None:
        spec = {  # code: (2018 level, yearly gain, spread, target 2018, target gain)
            "OPS_ONTIME_PCT": (95.0, 0.6, 1.5, 95.0, 0.5),
            "OPS_ONLINE_DVC_PCT": (30.0, 9.0, 8.0, 30.0, 9.0),
            "OPS_ONLINE_RECEIVED_PCT": (15.0, 9.0, 7.0, 15.0, 8.0),
            "OPS_ONLINE_PAYMENT_PCT": (5.0, 8.0, 6.0, 10.0, 7.0),
            "OPS_DIGITISED_PCT": (20.0, 11.0, 8.0, 30.0, 10.0),
            "OPS_EDOC_PCT": (80.0, 3.0, 4.0, 85.0, 2.0),
            "OPS_DIGITAL_SIGNATURE_PCT": (70.0, 4.0, 5.0, 80.0, 3.0),
            "OPS_TASKS_DONE_PCT": (88.0, 1.2, 3.5, 100.0, 0.0),
        }
        for year in S63_YEARS + S34_YEARS:
            structure = structure_for_year(year)
            t = year - 2018
            for pid in self.provinces[structure]:
                for code, (_start, _gain, _spread, tgt0, tgain) in spec.items():
                    target = min(100.0, tgt0 + tgain * t)
                    self.demo.targets.append({"indicator_code": code, "province_id": pid, "year": year,
                                              "target_value": round(target, 1), "source_id": self.src})
                sub_level = "commune" if structure == "S34" else "district"
                members = [pid] + [k for k in self.children.get(pid, []) if self.level[k] in (sub_level, "department")]
                for uid in members:
                    rng = _rng("ops", uid, year)
                    q = self.quality[uid]
                    for code, (start, gain, spread, _, _) in spec.items():
                        v = start + gain * t + spread * (0.6 * q + 0.8 * rng.gauss(0, 1))
                        self._value(uid, code, year, round(min(100.0, max(0.0, v)), 1))
                    received = int(max(200, rng.lognormvariate(8.0 if self.level[uid] == "province" else 6.5, 0.5)))
                    ontime = self._last_value(uid, "OPS_ONTIME_PCT")
                    overdue = int(round(received * (100 - ontime) / 100))
                    apologised = int(round(overdue * min(1.0, max(0.0, 0.55 + 0.1 * t + 0.1 * rng.gauss(0, 1)))))
                    self._value(uid, "OPS_DOSSIERS_RECEIVED", year, received)
                    self._value(uid, "OPS_OVERDUE_DOSSIERS", year, overdue)
                    self._value(uid, "OPS_APOLOGY_LETTERS", year, apologised)
                    self._value(uid, "OPS_RETURNED_NO_REASON", year, int(max(0, rng.gauss(2 - 0.2 * t, 2))))
                    tasks = rng.randint(20, 45)
                    self._value(uid, "OPS_TASKS_TOTAL", year, tasks)
                    done_pct = self._last_value(uid, "OPS_TASKS_DONE_PCT")
                    self._value(uid, "OPS_TASKS_DONE", year, int(round(tasks * done_pct / 100)))

    def _value(self, uid, code, year, value) -> None:
        self.demo.indicator_values.append({"unit_id": uid, "indicator_code": code, "year": year, "period": "Y",
                                           "value": float(value), "source_id": self.src})

    def _last_value(self, uid, code):
        for row in reversed(self.demo.indicator_values):
            if row["unit_id"] == uid and row["indicator_code"] == code:
                return row["value"]
        raise KeyError(code)

    # ---------------------------------------------------------------- inspections
    def inspections(self) -> None:
        open_limits: dict[str, list[dict]] = {}  # unit -> its limitations not yet resolved
        for year in list(range(2019, 2025)) + S34_YEARS:
            structure = structure_for_year(year)
            for pid in self.provinces[structure]:
                rng = _rng("inspections", pid, year)
                code = pid.split("-")[-1]
                plan_id = f"DEMO-{code}-{year}-KH"
                issued = dt.date(year, rng.randint(3, 5), rng.randint(1, 28))
                number = f"{rng.randint(12, 180)}/KH-{rng.choice(['UBND', 'BCĐCCHC'])}"
                self.demo.plans.append({"plan_id": plan_id, "number": number, "issued_on": issued,
                                        "issuer": rng.choice(["UBND tỉnh", "Ban Chỉ đạo CCHC tỉnh"]) + f" {self.short[pid]}",
                                        "province_id": pid, "year": year,
                                        "title": f"Kế hoạch kiểm tra công tác cải cách hành chính năm {year}",
                                        "source_id": self.src})
                sub_level = "commune" if structure == "S34" else "district"
                kids = self.children.get(pid, [])
                subs = [k for k in kids if self.level[k] == sub_level]
                depts = [k for k in kids if self.level[k] == "department"]
                n_teams = rng.randint(2, 4)
                start = dt.date(year, rng.randint(6, 9), rng.randint(1, 20))
                visits = []  # findings are written in date order, so a follow-up always follows an earlier visit
                for team in range(1, n_teams + 1):
                    iid = f"{plan_id}-D{team}"
                    first = start + dt.timedelta(days=rng.randint(0, 40))
                    days = rng.randint(1, 4)
                    title, name = _leader(rng, team)
                    self.demo.inspections.append({
                        "inspection_id": iid, "plan_id": plan_id, "province_id": pid, "year": year,
                        "team_label": f"Đoàn kiểm tra số {team}", "leader_name": name, "leader_title": title,
                        "started_on": first, "ended_on": first + dt.timedelta(days=days - 1),
                        "field_days": days, "announced_on": first + dt.timedelta(days=days - 1 + rng.randint(0, 10)),
                        "source_id": self.src})
                    visited = rng.sample(subs, min(len(subs), rng.randint(1, 3))) if subs else []
                    visited += rng.sample(depts, min(len(depts), rng.randint(0, 2)))
                    for k, uid in enumerate(visited):
                        day = first + dt.timedelta(days=min(k, days - 1))
                        self.demo.inspection_units.append({
                            "inspection_id": iid, "unit_id": uid, "visited_on": day,
                            "what_checked": "Bộ phận một cửa và hồ sơ CCHC"})
                        visits.append((day, iid, uid))
                for day, iid, uid in sorted(visits):
                    self._findings(rng, iid, uid, day, open_limits)

    def _findings(self, rng, iid, uid, day, open_limits) -> None:
        n = 0

        def add(kind, area, topic, text, **extra):
            nonlocal n
            n += 1
            self.demo.findings.append({"finding_id": f"{iid}-{uid}-{n}", "inspection_id": iid, "unit_id": uid,
                                       "area_code": area, "kind": kind, "topic": topic, "text": text,
                                       "status": None, "status_on": None, "resolved_on": None,
                                       "follows_up_id": None, "source_id": self.src, **extra})
            return f"{iid}-{uid}-{n}"

        for area, topic, text in rng.sample(RESULT_TEXTS, rng.randint(2, 4)):
            add("result", area, topic, text)
        # Earlier limitations at this unit: most are remedied by now, some recur.
        carried = []
        for old in open_limits.pop(uid, []):
            if rng.random() < 0.7:
                old["status"], old["resolved_on"], old["status_on"] = "resolved", day - dt.timedelta(days=rng.randint(20, 200)), day
                old["resolved_on"] = min(day, max(old["resolved_on"], old["_found_on"] + dt.timedelta(days=15)))
            else:
                old["status"], old["status_on"] = "in_progress", day
                carried.append(old)
        for old in carried:
            add("limitation", old["area_code"], old["topic"],
                old["text"].removesuffix(NOT_YET_REMEDIED) + NOT_YET_REMEDIED,
                status="open", status_on=day, follows_up_id=old["finding_id"])
            self.demo.findings[-1]["_found_on"] = day
            open_limits.setdefault(uid, []).append(self.demo.findings[-1])
        for area, topic, text in rng.sample(LIMITATION_TEXTS, rng.randint(1, 3)):
            add("limitation", area, topic, text, status="open", status_on=day)
            self.demo.findings[-1]["_found_on"] = day
            open_limits.setdefault(uid, []).append(self.demo.findings[-1])
        for area, topic, text in rng.sample(RECOMMENDATION_TEXTS, rng.randint(1, 3)):
            add("recommendation", area, topic, text)


NOT_YET_REMEDIED = " (chưa khắc phục dứt điểm từ lần kiểm tra trước)"


def finish_findings(findings: list[dict], as_of: dt.date) -> list[dict]:
    """Drop helper keys; limitations found over a year before `as_of` and never re-inspected are mostly resolved."""
    out = []
    for f in findings:
        f = dict(f)
        found = f.pop("_found_on", None)
        if f["kind"] == "limitation" and f["status"] == "open" and found and (as_of - found).days > 365:
            r = _rng("close", f["finding_id"]).random()
            if r < 0.6:
                f["status"], f["resolved_on"], f["status_on"] = "resolved", found + dt.timedelta(days=90 + int(r * 200)), found + dt.timedelta(days=90 + int(r * 200))
            elif r < 0.85:
                f["status"], f["status_on"] = "in_progress", found + dt.timedelta(days=60)
        out.append(f)
    return out


LEADER_TITLES = ["Phó Chủ tịch UBND tỉnh", "Giám đốc Sở Nội vụ", "Phó Giám đốc Sở Nội vụ", "Giám đốc Sở Tư pháp",
                 "Phó Giám đốc Sở Tư pháp", "Chánh Văn phòng UBND tỉnh", "Phó Chánh Văn phòng UBND tỉnh",
                 "Giám đốc Sở Khoa học và Công nghệ"]
# A demo person is a role and a number, never a name that could be someone's: "Trưởng đoàn mô phỏng 3" leads
# "Đoàn kiểm tra số 3" (with a real title beside it, so the table still reads like an inspection plan).
LEADER_NAME = "Trưởng đoàn mô phỏng {team}"


def _leader(rng: random.Random, team: int) -> tuple[str, str]:
    title = rng.choice(LEADER_TITLES)
    for _ in range(3):  # the draws that once picked a name, kept so that the rest of the stream is unchanged
        rng.random()
    return title, LEADER_NAME.format(team=team)


RESULT_TEXTS = [
    ("A1", "plan_issued", "Ban hành kế hoạch CCHC năm kịp thời, bám sát kế hoạch của UBND tỉnh."),
    ("A1", "propaganda", "Công tác tuyên truyền CCHC được triển khai với nhiều hình thức."),
    ("A2", "legal_review", "Thực hiện rà soát, hệ thống hóa văn bản quy phạm pháp luật đúng quy định."),
    ("A3", "tthc_public", "Công khai, niêm yết đầy đủ TTHC tại Bộ phận một cửa."),
    ("A3", "ontime", "Tỷ lệ hồ sơ TTHC giải quyết đúng và trước hạn đạt cao."),
    ("A4", "apparatus", "Sắp xếp tổ chức bộ máy theo đúng quy định."),
    ("A5", "discipline", "Kỷ luật, kỷ cương hành chính được chấn chỉnh."),
    ("A6", "autonomy", "Thực hiện cơ chế tự chủ tài chính tại các đơn vị sự nghiệp công lập."),
    ("A7", "edoc", "Văn bản điện tử được trao đổi trên môi trường mạng và ký số đầy đủ."),
    ("A7", "online_services", "Tỷ lệ dịch vụ công trực tuyến phát sinh hồ sơ trực tuyến tăng so với năm trước."),
]
LIMITATION_TEXTS = [
    ("A1", "propaganda_weak", "Công tác tuyên truyền CCHC còn chưa phong phú."),
    ("A1", "plan_late", "Một số nhiệm vụ trong kế hoạch CCHC hoàn thành chậm so với tiến độ."),
    ("A2", "legal_review_late", "Việc rà soát văn bản quy phạm pháp luật còn chậm."),
    ("A3", "overdue", "Còn có hồ sơ giải quyết quá hạn."),
    ("A3", "no_apology", "Còn thiếu sót trong thực hiện xin lỗi người dân đối với hồ sơ quá hạn."),
    ("A3", "returned_no_reason", "Trả lại hồ sơ cho người dân không có lý do."),
    ("A3", "update_slow", "Việc cập nhật hồ sơ TTHC trên Hệ thống thông tin giải quyết TTHC còn chậm."),
    ("A4", "staffing", "Việc bố trí công chức tại Bộ phận một cửa chưa đáp ứng yêu cầu."),
    ("A5", "discipline_weak", "Việc chấp hành kỷ luật, kỷ cương hành chính có nơi chưa nghiêm."),
    ("A6", "finance_public", "Công khai tài chính, ngân sách chưa đầy đủ."),
    ("A7", "signature_low", "Ứng dụng chữ ký số trong trao đổi văn bản còn thấp."),
    ("A7", "payment_low", "Tỷ lệ thanh toán trực tuyến chưa đạt chỉ tiêu giao."),
    ("A7", "website_stale", "Thông tin trên trang thông tin điện tử chưa được cập nhật thường xuyên."),
]
RECOMMENDATION_TEXTS = [
    ("A1", "fix_limits", "Kịp thời khắc phục các tồn tại, hạn chế được phát hiện qua kiểm tra."),
    ("A1", "leader_duty", "Phát huy trách nhiệm người đứng đầu trong thực hiện nhiệm vụ CCHC."),
    ("A3", "reduce_overdue", "Hạn chế tối đa việc chậm hạn trong giải quyết hồ sơ TTHC."),
    ("A5", "discipline", "Tăng cường kỷ luật, kỷ cương hành chính."),
    ("A7", "it_equipment", "Đầu tư thiết bị công nghệ thông tin tại Bộ phận một cửa."),
    ("A7", "online_payment", "Đẩy mạnh thanh toán trực tuyến trên Cổng Dịch vụ công quốc gia."),
]
