"""Deterministic synthetic demo data ("Dữ liệu mô phỏng").

Fills what no public source gives: every province (63 for 2018-2024, 34 for 2025), every district of the
old structure, the communes of the new one and the departments, with PAR INDEX totals and area scores,
SIPAS, the 766 service index, operational indicators with targets, inspections and findings.

Rules:
- the same seed gives the same rows, byte for byte (one `random.Random` per stream, keyed by name);
- every row gets the synthetic-demo source;
- published figures are constraints, never overwritten: `fit.fit_ranking` places demo values around them
  so that published scores, ranks, averages and group counts still hold.
"""

from __future__ import annotations

import datetime as dt
import random
import zlib
from dataclasses import dataclass, field
from statistics import NormalDist

import pandas as pd

from par_dashboard.fit import RankingConstraints, fit_ranking
from par_dashboard.published import Published, forward_changes

SEED = 2024
S63_YEARS = list(range(2018, 2025))
S34_YEARS = [2025]
AREAS = [f"A{i}" for i in range(1, 9)]

# National PAR INDEX means the demo aims at where none was published (published years are exact).
_PAR_TREND = {2018: 80.9, 2019: 82.1, 2020: 83.4, 2021: 84.3, 2022: 84.8, 2023: 87.0, 2024: 88.4, 2025: 88.9}
_SIPAS_TREND = {2018: 79.5, 2019: 80.6, 2020: 80.3, 2021: 80.1, 2022: 80.1, 2023: 82.7, 2024: 83.5, 2025: 84.0}
# Year-on-year noise, sized so that about as many provinces fall as were reported to
# ("57 up, 6 down" in 2023, "53 up, 9 down" in 2024); approximate, not a constraint.
_CHANGE_SD = {2023: 1.7, 2024: 1.3}
# Area scores sit around the total with these offsets (points of %), so e-government lags and direction leads.
_AREA_OFFSET = {"A1": 5.0, "A2": 3.0, "A3": 2.0, "A4": 4.0, "A5": 0.0, "A6": 1.0, "A7": -5.0, "A8": -4.0}

# Group bounds stated with the published tables (par_index_aggregates_verbatim.csv).
_GROUPS = {
    # year: [(first rank, last rank, lo, hi)]
    2022: [(1, 2, 90.0, 100.0), (3, 58, 80.0, 89.99), (59, 63, 70.0, 79.99)],
    2023: [(1, 63, 80.0, 100.0)],                       # "first year all 63 >80%"
    2024: [(1, 13, 90.0, 100.0), (14, 63, 80.0, 89.99)],  # "group A=13, B=50"
}
# "range 75.03-90.61" for SIPAS 2023: the lowest province scored 75.03 (which one is not in the excerpt).
_SLOT_VALUES = {("SIPAS", 2023): {63: 75.03}}
# Sources put these near the bottom without a rank (en.baochinhphu: Bình Thuận and Sóc Trăng at the bottom).
_DESIRED_HINTS = {("PAR_INDEX", 2023, "S63-P-60"): 81.6}


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


class _Generator:
    def __init__(self, units, crosswalk, published, source_id, demo):
        self.u = units
        self.cw = crosswalk
        self.pub = published.score_map()
        self.agg = {(a.family_code, a.year, a.aggregate): a.value for a in published.aggregates}
        self.src = source_id
        self.demo = demo
        self.provinces = {s: sorted(units[(units.structure == s) & (units.level == "province")].unit_id)
                          for s in ("S63", "S34")}
        self.children = units.groupby("parent_id").unit_id.apply(sorted).to_dict()
        self.level = dict(zip(units.unit_id, units.level, strict=False))
        self.short = dict(zip(units.unit_id, units.short_name, strict=False))
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
        # New provinces inherit the quality of the old ones merged into them.
        old_by_new = self.cw[self.cw.old_unit_id.str.startswith("S63-P")].groupby("new_unit_id").old_unit_id.apply(list)
        for new, olds in old_by_new.items():
            self.quality[new] = sum(self.quality[o] for o in olds) / len(olds)
        self.province_total: dict[tuple[str, int], float] = {}

    # ---------------------------------------------------------------- scores
    def province_scores(self) -> None:
        forward = {(u, y, f): d for u, y, f, d in forward_changes()}
        for family, trend, spread in (("PAR_INDEX", _PAR_TREND, 2.6), ("SIPAS", _SIPAS_TREND, 2.8)):
            for year in S63_YEARS + S34_YEARS:
                structure = "S34" if year >= 2025 else "S63"
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
                for (fam, y, uid), v in _DESIRED_HINTS.items():
                    if fam == family and y == year:
                        desired[uid] = v
                c = RankingConstraints(units, desired, mean=mean)
                for uid in units:
                    p = self.pub.get((uid, year, family))
                    if p and p.score is not None:
                        c.scores[uid] = p.score
                    if p and p.rank is not None:
                        c.ranks[uid] = p.rank
                    if (uid, year, family) in forward and uid not in c.scores:
                        # a published change on a demo base: this year = last year's demo + the change
                        c.scores[uid] = round(self.province_total[(uid, year - 1, family)] + forward[(uid, year, family)], 2)
                for first, last, lo, hi in (_GROUPS.get(year, []) if family == "PAR_INDEX" else []):
                    for r in range(first, last + 1):
                        c.slot_bounds[r] = (lo, hi)
                c.slot_values = _SLOT_VALUES.get((family, year), {})
                fitted = fit_ranking(c, floor=60.0)
                for uid, score in fitted.items():
                    self.province_total[(uid, year, family)] = score
                    self._score(uid, year, family, "TOTAL", score)
                if family == "PAR_INDEX":
                    self._area_scores(units, year, fitted)

        for year in (2023, 2024, 2025):  # the 766 index started on 1/8/2022
            structure = "S34" if year >= 2025 else "S63"
            rng = _rng("SI766", year)
            for uid in self.provinces[structure]:
                v = 72 + 3 * year - 3 * 2023 + 4 * self.quality[uid] + rng.gauss(0, 2)
                self._score(uid, year, "SI766", "TOTAL", round(min(98, max(50, v)), 2))

    def _area_scores(self, units, year, totals) -> None:
        rng = _rng("areas", year)
        for uid in units:
            for a in AREAS:
                v = totals[uid] + _AREA_OFFSET[a] + rng.gauss(0, 2.5)
                self._score(uid, year, "PAR_INDEX", a, round(min(100.0, max(40.0, v)), 2))

    def _score(self, uid, year, family, area, score) -> None:
        if area == "TOTAL" and (p := self.pub.get((uid, year, family))) and p.score is not None:
            return  # the published row carries it
        self.demo.scores.append({"unit_id": uid, "year": year, "family_code": family, "area_code": area,
                                 "score": score, "source_id": self.src})

    def sub_unit_scores(self) -> None:
        """Each province's own PAR index of its districts (to 2024) or communes (2025) and departments."""
        for year in S63_YEARS + S34_YEARS:
            structure = "S34" if year >= 2025 else "S63"
            for pid in self.provinces[structure]:
                kids = self.children.get(pid, [])
                sub_level = "commune" if structure == "S34" else "district"
                for level in (sub_level, "department"):
                    members = [k for k in kids if self.level[k] == level]
                    if not members:
                        continue
                    rng = _rng("sub", level, pid, year)
                    base = self.province_total[(pid, year, "PAR_INDEX")] - 2.5
                    desired = {m: base + 3.0 * self.quality[m] + rng.gauss(0, 1.5) for m in members}
                    c = RankingConstraints(members, desired)
                    for m in members:
                        p = self.pub.get((m, year, "PAR_INDEX"))
                        if p and p.score is not None:
                            c.scores[m] = p.score
                        if p and p.rank is not None:
                            c.ranks[m] = p.rank
                    for uid, score in fit_ranking(c, floor=50.0, ceiling=99.5).items():
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
            structure = "S34" if year >= 2025 else "S63"
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
            structure = "S34" if year >= 2025 else "S63"
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
                    title, name = _leader(rng)
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

        for area, topic, text in rng.sample(_RESULTS, rng.randint(2, 4)):
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
                old["text"].removesuffix(_NOT_YET_REMEDIED) + _NOT_YET_REMEDIED,
                status="open", status_on=day, follows_up_id=old["finding_id"])
            self.demo.findings[-1]["_found_on"] = day
            open_limits.setdefault(uid, []).append(self.demo.findings[-1])
        for area, topic, text in rng.sample(_LIMITATIONS, rng.randint(1, 3)):
            add("limitation", area, topic, text, status="open", status_on=day)
            self.demo.findings[-1]["_found_on"] = day
            open_limits.setdefault(uid, []).append(self.demo.findings[-1])
        for area, topic, text in rng.sample(_RECOMMENDATIONS, rng.randint(1, 3)):
            add("recommendation", area, topic, text)


_NOT_YET_REMEDIED = " (chưa khắc phục dứt điểm từ lần kiểm tra trước)"


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


_FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý"]
_MIDDLE = ["Văn", "Thị", "Hữu", "Đức", "Minh", "Thanh", "Quốc", "Xuân", "Ngọc", "Hồng"]
_GIVEN = ["An", "Bình", "Cường", "Dũng", "Giang", "Hà", "Hải", "Hiền", "Hùng", "Hương", "Khánh", "Lan", "Long",
          "Mai", "Nam", "Nga", "Phong", "Phương", "Quang", "Sơn", "Tâm", "Thảo", "Toàn", "Trung", "Tuấn", "Vinh"]
_TITLES = ["Phó Chủ tịch UBND tỉnh", "Giám đốc Sở Nội vụ", "Phó Giám đốc Sở Nội vụ", "Giám đốc Sở Tư pháp",
           "Phó Giám đốc Sở Tư pháp", "Chánh Văn phòng UBND tỉnh", "Phó Chánh Văn phòng UBND tỉnh",
           "Giám đốc Sở Khoa học và Công nghệ"]


def _leader(rng: random.Random) -> tuple[str, str]:
    return rng.choice(_TITLES), f"{rng.choice(_FAMILY)} {rng.choice(_MIDDLE)} {rng.choice(_GIVEN)}"


_RESULTS = [
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
_LIMITATIONS = [
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
_RECOMMENDATIONS = [
    ("A1", "fix_limits", "Kịp thời khắc phục các tồn tại, hạn chế được phát hiện qua kiểm tra."),
    ("A1", "leader_duty", "Phát huy trách nhiệm người đứng đầu trong thực hiện nhiệm vụ CCHC."),
    ("A3", "reduce_overdue", "Hạn chế tối đa việc chậm hạn trong giải quyết hồ sơ TTHC."),
    ("A5", "discipline", "Tăng cường kỷ luật, kỷ cương hành chính."),
    ("A7", "it_equipment", "Đầu tư thiết bị công nghệ thông tin tại Bộ phận một cửa."),
    ("A7", "online_payment", "Đẩy mạnh thanh toán trực tuyến trên Cổng Dịch vụ công quốc gia."),
]
