"""Score the report-text extractor against the labelled gold records (not a test; prints a table or JSON).

    .venv/bin/python scripts/score_extract.py [--set examples|unseen] [--json] [--db PATH] [--examples DIR]
    .venv/bin/python scripts/score_extract.py --show-dev-errors   # per dev text: what is missed, what is invented

Two sets of texts with gold records, in the shape of the draft inspection record (see par_dashboard.extract):
- `examples` (the default): the texts of the domain examples folder, gold in tests/gold/extract/<stem>.json.
  The extractor's rules were written from these, so their score is not evidence of how it does on new text.
- `unseen`: real reports collected afterwards, tests/gold/extract_unseen/texts/<stem>.txt with gold
  tests/gold/extract_unseen/<stem>.json, split into a dev part and a test part by split.json (fixed before any
  tuning: test texts are only scored, never read while writing rules). Each part is scored on its own, and the
  last collection round's test texts (split.json's `new_test`) also alone, pooled.

A record is compared field by field, because one number would hide what the extractor gets wrong: `province`,
`year` and the plan `number` are right or wrong; the visited units, team leaders, dates, indicator values and
findings are sets, scored by precision and recall. The unseen set's gold also records the conventions the example
gold lacks (tests/gold/extract_unseen/README.md): counts of visited units, the PAR areas checked, changes of a value
in points and rank changes in places; these are four more set fields (a record without them states none).
Files are pooled by summing counts (micro-average), so a file with many findings weighs more than one with few.

Counting convention: when both sides of a set are empty the file scores 1 (nothing to find, nothing invented);
otherwise precision = matched / predicted and recall = matched / gold, 0 when the denominator is 0.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import sys
import unicodedata
from collections.abc import Callable, Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOLD_DIR = ROOT / "tests" / "gold" / "extract"
EXAMPLES_DIR = Path("/work/shared/domain/examples")
UNSEEN_DIR = ROOT / "tests" / "gold" / "extract_unseen"
UNSEEN_TEXTS = UNSEEN_DIR / "texts"
SPLIT_FILE = UNSEEN_DIR / "split.json"
PARTS = ("dev", "test")
# The last round's test texts, also scored on their own (pooled only): the part no earlier rule could have seen.
NEW_TEST = "new_test"

SET_FIELDS = ("units", "leaders", "dates", "indicator_values", "findings")
# Conventions recorded by the unseen set's gold (and not by the example gold, which therefore states none).
EXTRA_SET_FIELDS = ("unit_counts", "areas", "value_changes", "rank_changes")
ALL_SET_FIELDS = SET_FIELDS + EXTRA_SET_FIELDS
ACCURACY_FIELDS = ("province", "year", "plan")
FINDING_THRESHOLD = 0.5
_HONORIFICS = (("dong", "chi"), ("ong",), ("ba",))


# --------------------------------------------------------------------------------------------------------------
# Normalising text


def fold(text: str) -> str:
    """Lower case without diacritics ("Đăk Song" and "đắk song" in NFD -> "dak song"), so that spelling
    variants and Unicode forms of the same words compare equal."""
    decomposed = unicodedata.normalize("NFD", unicodedata.normalize("NFC", text).lower().replace("đ", "d"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def words(text: str) -> list[str]:
    return re.findall(r"[^\W_]+", fold(text or ""))


def leader_key(name: str | None) -> str | None:
    """A person's name without a leading honorific ("Ông Lê Trung Trường Vũ" -> "le trung truong vu")."""
    tokens = words(name or "")
    stripped = True
    while tokens and stripped:
        stripped = False
        for honorific in _HONORIFICS:
            if tuple(tokens[:len(honorific)]) == honorific and len(tokens) > len(honorific):
                tokens, stripped = tokens[len(honorific):], True
                break
    return " ".join(tokens) or None


def jaccard(a: str, b: str) -> float:
    x, y = set(words(a)), set(words(b))
    return len(x & y) / len(x | y) if x | y else 0.0


# --------------------------------------------------------------------------------------------------------------
# What each field compares


def _teams(record: dict) -> list[dict]:
    return record.get("teams") or []


def visited_units(record: dict) -> set[str]:
    return {u["unit_id"] for t in _teams(record) for u in t.get("units") or [] if u.get("unit_id")}


def leaders(record: dict) -> set[str]:
    return {k for t in _teams(record) if (k := leader_key(t.get("leader_name")))}


def dates(record: dict) -> set[str]:
    found = {t.get(key) for t in _teams(record) for key in ("started_on", "ended_on")}
    found.add((record.get("plan") or {}).get("issued_on"))
    return {d for d in found if d}


def unit_counts(record: dict) -> set[tuple[int, str | None]]:
    """(count, kind) of the units a text gives only as numbers ("04 Sở" -> (4, "department"))."""
    found = set()
    for t in _teams(record):
        for c in t.get("unit_counts") or []:
            try:
                found.add((int(c["count"]), c.get("kind")))
            except (KeyError, TypeError, ValueError):
                continue
    return found


def areas(record: dict) -> set[str]:
    """The PAR areas the teams checked (A1-A8)."""
    return {a for t in _teams(record) for a in t.get("areas") or [] if a}


def _indicator_attr(record: dict, attr: str, convert: Callable) -> set[tuple[str, object]]:
    found = set()
    for item in record.get("indicators") or []:
        if item.get(attr) is None:
            continue
        try:
            found.add((item["indicator_code"], convert(item[attr])))
        except (KeyError, TypeError, ValueError):
            continue
    return found


def value_changes(record: dict) -> set[tuple[str, object]]:
    """(indicator_code, change in points rounded to 2 decimals): "tăng 3,78%" of a score -> 3.78."""
    return _indicator_attr(record, "change", lambda v: round(float(v), 2))


def rank_changes(record: dict) -> set[tuple[str, object]]:
    """(indicator_code, places gained): "giảm 7 bậc" -> -7."""
    return _indicator_attr(record, "rank_change", int)


def indicator_units(record: dict) -> dict[tuple[str, float], set[str | None]]:
    """(indicator_code, value rounded to 2 decimals) -> the unit ids recorded with that value."""
    found: dict[tuple[str, float], set[str | None]] = {}
    for item in record.get("indicators") or []:
        try:
            key = (item["indicator_code"], round(float(item["value"]), 2))
        except (KeyError, TypeError, ValueError):
            continue
        found.setdefault(key, set()).add(item.get("unit_id"))
    return found


def match_findings(gold: list[dict], predicted: list[dict]) -> list[tuple[dict, dict]]:
    """Pairs (gold, predicted) of the same kind whose texts share at least half their words (token Jaccard),
    one-to-one, the most similar pairs first."""
    candidates = []
    for i, g in enumerate(gold):
        for j, p in enumerate(predicted):
            if g.get("kind") == p.get("kind"):
                similarity = jaccard(g.get("text", ""), p.get("text", ""))
                if similarity >= FINDING_THRESHOLD:
                    candidates.append((similarity, i, j))
    pairs, used_gold, used_pred = [], set(), set()
    for _, i, j in sorted(candidates, key=lambda c: (-c[0], c[1], c[2])):
        if i not in used_gold and j not in used_pred:
            used_gold.add(i)
            used_pred.add(j)
            pairs.append((gold[i], predicted[j]))
    return pairs


# --------------------------------------------------------------------------------------------------------------
# Scores


def prf(tp: int, n_pred: int, n_gold: int) -> dict:
    """Counts with precision, recall and F1 (see the module docstring for empty sets)."""
    if n_pred == 0 and n_gold == 0:
        precision = recall = 1.0
    else:
        precision = tp / n_pred if n_pred else 0.0
        recall = tp / n_gold if n_gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"tp": tp, "pred": n_pred, "gold": n_gold, "precision": precision, "recall": recall, "f1": f1}


def _set_score(gold: set, predicted: set) -> dict:
    return prf(len(gold & predicted), len(predicted), len(gold))


def _accuracy(correct: int, total: int) -> dict:
    return {"correct": correct, "total": total, "accuracy": correct / total if total else None}


def _year(record: dict) -> int | None:
    """The year, also when an extractor wraps it with its evidence ({"value": 2024, "evidence": [...]})."""
    year = record.get("year")
    if isinstance(year, dict):
        year = year.get("value")
    try:
        return int(year) if year is not None else None
    except (TypeError, ValueError):
        return None


def _plan_number(record: dict) -> str | None:
    number = (record.get("plan") or {}).get("number")
    return re.sub(r"\s+", "", unicodedata.normalize("NFC", number)).upper() if number else None


def score(gold: dict, predicted: dict) -> dict:
    """One file: accuracy fields as {correct, total, accuracy}, set fields as {tp, pred, gold, precision, recall,
    f1}; indicator_values adds `same_unit` and findings `same_area` (how many matched items agree on that)."""
    predicted = predicted or {}
    gold_province = (gold.get("province") or {}).get("unit_id")
    result = {
        "province": _accuracy(int(gold_province == (predicted.get("province") or {}).get("unit_id")), 1),
        "year": _accuracy(int(_year(gold) == _year(predicted)), 1),
        "plan": _accuracy(int(_plan_number(gold) == _plan_number(predicted)), 1) if _plan_number(gold)
        else _accuracy(0, 0),
        "units": _set_score(visited_units(gold), visited_units(predicted)),
        "leaders": _set_score(leaders(gold), leaders(predicted)),
        "dates": _set_score(dates(gold), dates(predicted)),
    }
    gold_values, pred_values = indicator_units(gold), indicator_units(predicted)
    matched = gold_values.keys() & pred_values.keys()
    result["indicator_values"] = _set_score(set(gold_values), set(pred_values))
    result["indicator_values"]["same_unit"] = sum(bool(gold_values[k] & pred_values[k]) for k in matched)

    gold_findings, pred_findings = gold.get("findings") or [], predicted.get("findings") or []
    pairs = match_findings(gold_findings, pred_findings)
    result["findings"] = prf(len(pairs), len(pred_findings), len(gold_findings))
    result["findings"]["same_area"] = sum(g.get("area_code") == p.get("area_code") for g, p in pairs)
    for field, of in (("unit_counts", unit_counts), ("areas", areas), ("value_changes", value_changes),
                      ("rank_changes", rank_changes)):
        result[field] = _set_score(of(gold), of(predicted))
    return result


def micro(scores: Iterable[dict]) -> dict:
    """Pool per-file scores by summing their counts."""
    scores = list(scores)
    pooled: dict = {}
    for field in ACCURACY_FIELDS:
        pooled[field] = _accuracy(sum(s[field]["correct"] for s in scores), sum(s[field]["total"] for s in scores))
    for field in ALL_SET_FIELDS:
        pooled[field] = prf(*(sum(s[field][k] for s in scores) for k in ("tp", "pred", "gold")))
    for field, extra in (("indicator_values", "same_unit"), ("findings", "same_area")):
        pooled[field][extra] = agree = sum(s[field][extra] for s in scores)
        pooled[field][f"{extra}_share"] = agree / pooled[field]["tp"] if pooled[field]["tp"] else None
    return pooled


def load_gold(gold_dir: Path = GOLD_DIR) -> dict[str, dict]:
    """The gold records of a folder by stem (split.json, the unseen set's split, is not a record)."""
    return {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in sorted(gold_dir.glob("*.json"))
            if p.name != SPLIT_FILE.name}


def load_split(split_file: Path = SPLIT_FILE, *, new_test: bool = False) -> dict[str, list[str]]:
    """{"dev": [stems], "test": [stems]} of the unseen set (with `new_test`, also {"new_test": [stems]}: the last
    collection round's test texts, a subset of "test")."""
    split = json.loads(split_file.read_text(encoding="utf-8"))
    parts = {part: list(split[part]) for part in PARTS}
    if new_test and split.get(NEW_TEST):
        parts[NEW_TEST] = list(split[NEW_TEST])
    return parts


def score_all(extract_fn: Callable[[str], dict], *, gold_dir: Path = GOLD_DIR,
              examples_dir: Path = EXAMPLES_DIR, stems: Iterable[str] | None = None) -> dict:
    """Run `extract_fn(text)` on every text that has a gold record (or on `stems` only):
    {"files": {stem: score}, "micro": pooled}."""
    gold = load_gold(gold_dir)
    files = {}
    for stem in sorted(gold) if stems is None else stems:
        text = (examples_dir / f"{stem}.txt").read_text(encoding="utf-8")
        files[stem] = score(gold[stem], extract_fn(text))
    return {"files": files, "micro": micro(files.values())}


def score_unseen(extract_fn: Callable[[str], dict], *, gold_dir: Path = UNSEEN_DIR, texts_dir: Path = UNSEEN_TEXTS,
                 split_file: Path = SPLIT_FILE, new_test: bool = False) -> dict:
    """The unseen set, each part of its split scored on its own: {"dev": score_all…, "test": score_all…}; with
    `new_test`, also "new_test" (the last round's test texts alone, pooled from the test part's per-file scores, so
    no text is extracted twice)."""
    split = load_split(split_file, new_test=new_test)
    result = {part: score_all(extract_fn, gold_dir=gold_dir, examples_dir=texts_dir, stems=split[part])
              for part in PARTS}
    if NEW_TEST in split:
        files = {stem: result["test"]["files"][stem] for stem in split[NEW_TEST]}
        result[NEW_TEST] = {"files": files, "micro": micro(files.values())}
    return result


def mean_f1(pooled: dict, fields: Iterable[str] = SET_FIELDS) -> float:
    """Unweighted mean of the pooled F1 of `fields` (each field counts once, however many items it has)."""
    fields = list(fields)
    return sum(pooled[f]["f1"] for f in fields) / len(fields)


def mean_f1_interval(files: dict[str, dict], fields: Iterable[str] = SET_FIELDS, *, rounds: int = 2000,
                     seed: int = 19) -> tuple[float, float]:
    """The 95 % bootstrap interval of the pooled mean F1 over texts like these: the texts drawn again with
    replacement `rounds` times (seeded: the same scores give the same interval), each draw pooled as `micro` pools.
    A part of 26 texts whose weakest fields rest on 3 or 4 gold items says how far its figure may be from the
    extractor's on reports of its kind."""
    scores, fields = list(files.values()), list(fields)
    if not scores:
        raise ValueError("no scored texts")
    rng = random.Random(seed)
    means = sorted(mean_f1(micro(rng.choices(scores, k=len(scores))), fields) for _ in range(rounds))
    return means[int(0.025 * (rounds - 1))], means[int(0.975 * (rounds - 1))]


# --------------------------------------------------------------------------------------------------------------
# Command line


def _pct(x: float | None) -> str:
    return "   –  " if x is None else f"{100 * x:5.1f}%"


def report(result: dict, *, title: str = "", extras: bool = False, per_file: bool = True) -> str:
    """The pooled table and (with `per_file`) one line per file; `extras` adds the unseen set's convention fields."""
    pooled = result["micro"]
    fields = ALL_SET_FIELDS if extras else SET_FIELDS
    lines = [f"{title}Micro-average over {len(result['files'])} files",
             f"{'field':<18}{'P':>8}{'R':>8}{'F1':>8}   counts"]
    for field in ACCURACY_FIELDS:
        s = pooled[field]
        lines.append(f"{field:<18}{'accuracy':>16}{_pct(s['accuracy']):>8}   {s['correct']}/{s['total']}")
    for field in fields:
        s = pooled[field]
        extra = ""
        if field == "indicator_values":
            extra = f", same unit {_pct(s['same_unit_share']).strip()}"
        elif field == "findings":
            extra = f", same area {_pct(s['same_area_share']).strip()}"
        lines.append(f"{field:<18}{_pct(s['precision']):>8}{_pct(s['recall']):>8}{_pct(s['f1']):>8}   "
                     f"tp {s['tp']}, pred {s['pred']}, gold {s['gold']}{extra}")
    if extras:
        lines.append(f"{'mean F1':<18}{'':>16}{_pct(mean_f1(pooled, SET_FIELDS)):>8}   over the 5 fields of the "
                     f"example gold; {_pct(mean_f1(pooled, ALL_SET_FIELDS)).strip()} over all 9 set fields")
    if not per_file:
        return "\n".join(lines)
    lines += ["", "Per file (accuracy fields: 1 right, 0 wrong, - not scored; set fields: F1)",
              f"{'file':<46}{'prov':>5}{'year':>5}{'plan':>5}" + "".join(f"{f[:10]:>11}" for f in fields)]
    for stem, s in result["files"].items():
        marks = "".join(f"{s[f]['correct'] if s[f]['total'] else '-':>5}" for f in ACCURACY_FIELDS)
        lines.append(f"{stem:<46}{marks}" + "".join(f"{_pct(s[f]['f1']):>11}" for f in fields))
    return "\n".join(lines)


def report_unseen(result: dict) -> str:
    """Both parts of the unseen set (and the last round's test texts alone, when scored), then their F1 side by
    side. The test parts are shown pooled only: a line per test file would tell which test text a rule fails on,
    and the test texts are not to be read while writing rules."""
    shown = [p for p in (*PARTS, NEW_TEST) if p in result]
    side = [f"{'F1 by field':<18}" + "".join(f"{p.replace('_', '-'):>10}" for p in shown)]
    for field in ACCURACY_FIELDS:
        side.append(f"{field:<18}" + "".join(f"{_pct(result[p]['micro'][field]['accuracy']):>10}" for p in shown)
                    + "   (accuracy)")
    for field in ALL_SET_FIELDS:
        side.append(f"{field:<18}" + "".join(f"{_pct(result[p]['micro'][field]['f1']):>10}" for p in shown))
    for label, fields in (("mean F1 (5)", SET_FIELDS), ("mean F1 (9)", ALL_SET_FIELDS)):
        side.append(f"{label:<18}" + "".join(f"{_pct(mean_f1(result[p]['micro'], fields)):>10}" for p in shown))
    intervals = {p: mean_f1_interval(result[p]["files"]) for p in shown}
    side.append("95 % interval of mean F1 (5), the texts drawn again 2 000 times: "
                + " · ".join(f"{p.replace('_', '-')} {_pct(lo).strip()}–{_pct(hi).strip()}" for p, (lo, hi) in intervals.items()))
    parts = [report(result[p], title=f"Unseen set, {p.replace('_', '-')} part: ", extras=True, per_file=p == "dev")
             for p in shown]
    return "\n\n".join(parts + ["\n".join(side)])


def _field_items(record: dict) -> dict[str, set]:
    """Each set field of a record as the set the scorer compares (findings as (kind, text) pairs)."""
    values = indicator_units(record)
    return {"units": visited_units(record), "leaders": leaders(record), "dates": dates(record),
            "indicator_values": set(values), "unit_counts": unit_counts(record), "areas": areas(record),
            "value_changes": value_changes(record), "rank_changes": rank_changes(record)}


def errors(gold: dict, predicted: dict) -> dict[str, dict[str, list]]:
    """What one prediction gets wrong, field by field: {"field": {"missed": [...], "invented": [...]}} (only the
    fields with an error; findings compared as the scorer matches them, unmatched ones listed as (kind, text))."""
    predicted = predicted or {}
    out: dict[str, dict[str, list]] = {}
    for field in ("province", "year", "plan"):
        g = {"province": lambda r: (r.get("province") or {}).get("unit_id"), "year": _year,
             "plan": _plan_number}[field]
        want, got = g(gold), g(predicted)
        if (field != "plan" or want) and want != got:
            out[field] = {"missed": [want], "invented": [got]}
    gold_sets, pred_sets = _field_items(gold), _field_items(predicted)
    for field in ALL_SET_FIELDS:
        if field == "findings":
            g_items, p_items = gold.get("findings") or [], predicted.get("findings") or []
            pairs = match_findings(g_items, p_items)
            paired_g, paired_p = {id(g) for g, _ in pairs}, {id(p) for _, p in pairs}
            missed = [(f.get("kind"), f.get("text")) for f in g_items if id(f) not in paired_g]
            invented = [(f.get("kind"), f.get("text")) for f in p_items if id(f) not in paired_p]
        else:
            missed = sorted(gold_sets[field] - pred_sets[field], key=repr)
            invented = sorted(pred_sets[field] - gold_sets[field], key=repr)
        if missed or invented:
            out[field] = {"missed": missed, "invented": invented}
    return out


def dev_errors(extract_fn: Callable[[str], dict], *, gold_dir: Path = UNSEEN_DIR, texts_dir: Path = UNSEEN_TEXTS,
               split_file: Path = SPLIT_FILE) -> dict[str, dict]:
    """{stem: errors} of every DEV text of the unseen set with an error. Never the test part: its texts are not to
    be read while writing rules, and a list of its errors would show them."""
    gold = load_gold(gold_dir)
    out = {}
    for stem in load_split(split_file)["dev"]:
        found = errors(gold[stem], extract_fn((texts_dir / f"{stem}.txt").read_text(encoding="utf-8")))
        if found:
            out[stem] = found
    return out


def report_errors(found: dict[str, dict]) -> str:
    lines = [f"Errors on the dev part ({len(found)} texts with at least one): - missed (in the gold only), "
             "+ invented (in the prediction only)"]
    for stem, fields in found.items():
        lines.append(f"\n== {stem}")
        for field, sides in fields.items():
            for sign, key in (("-", "missed"), ("+", "invented")):
                for item in sides[key]:
                    lines.append(f"  {field:<16} {sign} {item}")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print the scores as JSON")
    parser.add_argument("--db", type=Path, default=None, help="database for unit names (default: PAR_DB or data/)")
    parser.add_argument("--examples", type=Path, default=EXAMPLES_DIR, help="texts of the examples set")
    parser.add_argument("--set", choices=("examples", "unseen"), default="examples", dest="which",
                        help="examples: the domain examples (default); unseen: tests/gold/extract_unseen, dev and test")
    parser.add_argument("--dev-only", action="store_true",
                        help="with --set unseen: score the dev part only (the test part is neither read nor scored)")
    parser.add_argument("--show-dev-errors", action="store_true",
                        help="list, per DEV text of the unseen set, what is missed and what is invented (test texts never)")
    args = parser.parse_args()

    sys.path.insert(0, str(ROOT))
    try:
        from par_dashboard.extract import extract_text
    except ModuleNotFoundError as exc:
        if not (exc.name or "").startswith("par_dashboard.extract"):
            raise
        print("The extractor par_dashboard.extract does not exist yet (no extract_text to score).", file=sys.stderr)
        return 2
    from par_dashboard.importing.names import UnitResolver
    from par_dashboard.paths import DEFAULT_DB
    from par_dashboard.store.db import Database, DatabaseBusy

    path = args.db or Path(os.environ.get("PAR_DB", DEFAULT_DB))
    try:
        db = Database(path, read_only=True)
    except DatabaseBusy:
        print(f"The database {path} is in use (the dashboard?): stop it or pass --db with a copy.", file=sys.stderr)
        return 2
    try:
        resolver = UnitResolver.from_db(db)

        def extract(text: str) -> dict:
            return extract_text(text, resolver=resolver, db=db)

        if args.show_dev_errors:
            found = dev_errors(extract)
            print(json.dumps(found, ensure_ascii=False, indent=2, default=list) if args.json else report_errors(found))
            return 0
        if args.which == "unseen" and args.dev_only:
            result = score_all(extract, gold_dir=UNSEEN_DIR, examples_dir=UNSEEN_TEXTS, stems=load_split()["dev"])
            text = report(result, title="Unseen set, dev part: ", extras=True, per_file=False)
        elif args.which == "unseen":
            result = score_unseen(extract, new_test=True)
            for part in result:
                result[part]["mean_f1"] = {"5": mean_f1(result[part]["micro"]),
                                           "9": mean_f1(result[part]["micro"], ALL_SET_FIELDS)}
            text = report_unseen(result)
            for part in ("test", NEW_TEST):  # pooled only, as in the table (see report_unseen)
                result.get(part, {}).pop("files", None)
        else:
            result = score_all(extract, examples_dir=args.examples)
            text = report(result)
    finally:
        db.close()
    print(json.dumps(result, ensure_ascii=False, indent=2) if args.json else text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
