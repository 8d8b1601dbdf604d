"""`python -m tests.hardening`: every hardening check once, and the figures — one line per class, saying what was
tried and what broke.

    .venv/bin/python -m tests.hardening [--db PATH] [--quick] [--examples N] [--fuzz-seconds 60] [--kills 6]
                                        [--only scope,growth,...] [--seed 0] [--no-browser]

The same functions the tests assert on, with larger budgets: payloads, fuzzing, faults and the role × page matrix
(tests/test_hardening_*.py, test_fuzz.py, test_auth.py), and the invariants (tests/hardening/invariants.py): the
tests run each under hypothesis with shrinking on a small budget, this command surveys the same strategies with
`--examples` generated cases per class (each class's own default otherwise), counting every case tried and every
violation found. `--quick` takes small budgets throughout (a few minutes). The database given is only copied,
never changed. Writes artifacts/hardening.json and exits 1 when any check failed or could not run. Needs the dev
requirements (hypothesis, Playwright) and Debian's Chromium for the browser part.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from par_dashboard.paths import DEFAULT_DB, ROOT

OUT = ROOT / "artifacts" / "hardening.json"


# ------------------------------------------------------------------------------------------------ the parts

def _payloads(db: Path, budget: Budget) -> dict:
    from tests.hardening.payloads import run_payloads

    return run_payloads(db)


def _browser(db: Path, budget: Budget) -> dict:
    """The hostile database in Chromium, then the server's settings on a live server."""
    from playwright.sync_api import sync_playwright

    from tests.browser import CHROMIUM_FLAGS, chromium_path, streamlit_server
    from tests.hardening.payloads import run_browser_payloads
    from tests.hardening.settings import run_settings_checks

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS)
        try:
            shown = run_browser_payloads(db, server=streamlit_server, browser=browser)
        finally:
            browser.close()
    with streamlit_server(db, address=None) as base:  # the address .streamlit/config.toml gives
        settings = run_settings_checks(base)
    return {"browser": shown, "settings": settings}


def _fuzz(db: Path, budget: Budget) -> dict:
    from tests.hardening.fuzz import run_fuzz

    return run_fuzz(seconds=budget.fuzz_seconds, db_path=db, seed=budget.seed)


def _faults(db: Path, budget: Budget) -> dict:
    from tests.hardening.faults import run_faults

    if budget.quick:  # one import killed, the backup refused on a full disk, every kind of damaged file
        return run_faults(kills=budget.kills, db_path=db, seed=budget.seed, kinds=("import",), finish=(), full_disk=("backup",))
    return run_faults(kills=budget.kills, db_path=db, seed=budget.seed)


def _roles(db: Path, budget: Budget) -> dict:
    from tests.hardening.roles import run_role_checks

    return run_role_checks(db)


def _scope(db: Path, budget: Budget) -> dict:
    from tests.hardening.scope import run_scope

    return run_scope(db, examples=budget.examples("scope"), seed=budget.seed)


def _judgement(db: Path, budget: Budget) -> dict:
    from tests.hardening.judgement import run_judgement

    return run_judgement(db, examples=budget.examples("judgement"), seed=budget.seed)


def _growth(db: Path, budget: Budget) -> dict:
    from tests.hardening.growth import run_growth

    return run_growth(db, examples=budget.examples("growth"), seed=budget.seed, larger=not budget.quick)


def _idempotence(db: Path, budget: Budget) -> dict:
    from tests.hardening.idempotence import run_idempotence

    return run_idempotence(db, examples=budget.examples("idempotence"), seed=budget.seed)


def _downloads(db: Path, budget: Budget) -> dict:
    from tests.hardening.downloads import run_downloads

    return run_downloads(db)


def _logins(db: Path, budget: Budget) -> dict:
    from tests.hardening.logins import run_logins

    return run_logins(examples=budget.examples("logins"), seed=budget.seed)


def _unseen(db: Path, budget: Budget) -> dict:
    from tests.hardening.unseen import run_unseen

    return run_unseen(db, examples=budget.examples("unseen"), seed=budget.seed)


def _cli(db: Path, budget: Budget) -> dict:
    from tests.hardening.cli import run_cli

    return run_cli()


# Generated cases per invariant class: (full run, --quick). `--examples N` sets them all.
EXAMPLES = {"scope": (200, 8), "judgement": (20, 1), "growth": (60, 4), "idempotence": (40, 2), "logins": (300, 30),
            "unseen": (200, 10)}


@dataclass(frozen=True)
class Budget:
    quick: bool = False
    fuzz_seconds: float = 60
    kills: int = 6
    seed: int = 0
    every: int | None = None  # --examples

    def examples(self, part: str) -> int:
        return self.every if self.every is not None else EXAMPLES[part][1 if self.quick else 0]


# ------------------------------------------------------------------------------------------------ the table

def _n(x) -> str:
    return f"{x:,}" if isinstance(x, int) else str(x)


def _size(n: int) -> str:
    return f"{n // 1000}k" if n >= 1000 and n % 1000 == 0 else str(n)


def _broke(figures: dict, what: str) -> str:
    return f"{figures.get('violations', 0)} {what}"


def _payload_lines(figures: dict, where: str = "") -> list[str]:
    return [f"| payloads{where}: {cls} | {v['inert']:,} inert of {v['tried']:,} tried |"
            for cls, v in figures.items() if isinstance(v, dict) and v.get("tried")]


def _line_payloads(f: dict) -> list[str]:
    return _payload_lines(f) or ["| payloads | nothing tried |"]


def _line_browser(f: dict) -> list[str]:
    lines = _payload_lines(f.get("browser", {}), " in Chromium") or ["| payloads in Chromium | nothing tried |"]
    if settings := f.get("settings"):
        lines.append(f"| server settings: config, listening address, foreign origin, agent API, XSRF | "
                     f"{settings.get('passed')} of {settings.get('checks')} checks passed |")
    return lines


def _line_fuzz(f: dict) -> list[str]:
    per = ", ".join(f"{t} {_n(v['cases'])}" for t, v in f.get("targets", {}).items())
    return [f"| fuzz: readers, import service, encodings, extraction ({f.get('seconds', '?')} s) | {_n(f['cases'])} mutated "
            f"cases ({per}): {f['crashes']} crashes, {f['hangs']} hangs, {f['db_changed_on_rejection']} database changes on "
            f"rejection, {f.get('wrong', 0)} round trips broken |"]


def _line_faults(f: dict) -> list[str]:
    kinds = ", ".join(f"{k} {v}" for k, v in f.get("by_kind", {}).items()) if isinstance(f.get("by_kind"), dict) else ""
    return [f"| faults: processes killed, full disk, damaged files | {f['injected']} injected ({kinds}): {f['rows_lost']} rows "
            f"lost, {f['inconsistent']} inconsistent |"]


def _line_roles(f: dict) -> list[str]:
    return [f"| role × page: navigation, controls, scope filter, pages run on their own | {f['passed']} of {f['checks']} "
            f"checks passed |"]


def _line_scope(f: dict) -> list[str]:
    loads, attacks = f.get("workbooks", {}), f.get("attacks", {})
    outcomes = ", ".join(f"{k} {v}" for k, v in sorted(loads.get("outcomes", {}).items(), key=lambda kv: -kv[1]))
    return [f"| scope: no write by a scoped officer changes a row outside the province | {_n(attacks.get('tried', 0))} named "
            f"attacks (ids of another province's rows reused, rows hung under its inspection, plan or finding, its batch "
            f"rolled back, a draft accepted under its inspection): {attacks.get('violations', 0)} not refused whole; "
            f"{_n(loads.get('tried', 0))} generated workbooks mixing both provinces ({f.get('pinned', 0)} pinned; {outcomes}): "
            f"{loads.get('violations', 0)} changed a row of another province or a rejected load's content hash |"]


def _line_judgement(f: dict) -> list[str]:
    return [f"| sound database never replaced; damage still found | {_n(f['tried'])} sequences of import / rollback / "
            f"checkpoint / backup ({_n(f.get('steps', 0))} steps, the file closed and judged after each): "
            f"{_broke(f, 'sound files set aside or replaced, backups judged damaged or damage missed')}; an index block "
            f"overwritten after each: {f.get('damaged', 0)} found ({f.get('undamageable', 0)} sequences left none) |"]


def _line_growth(f: dict) -> list[str]:
    cases = "; ".join(f"{c['title']} {_size(c['sizes'][0])}→{_size(c['sizes'][-1])}: {c['growth']:.1f}×"
                      for c in f.get("cases", {}).values() if c.get("sizes"))
    mixes = f.get("mixes", {})
    return [f"| linear time: CPU time per unit, largest size over smallest (bound {f.get('bound', '?')}×) | {cases}; "
            f"{_n(mixes.get('tried', 0))} mixes of extraction-rule fragments ×1→×8: worst {mixes.get('worst', 0):.1f}× "
            f"(bound {mixes.get('bound', '?')}×): {_broke(f, 'over their bound')} |"]


def _line_idempotence(f: dict) -> list[str]:
    seeds, spelt, files = f.get("seeds", {}), f.get("spellings", {}), f.get("workbooks", {})
    return [f"| saving the same thing twice changes nothing | {seeds.get('tried', 0)} recorded reports, "
            f"{_n(spelt.get('tried', 0))} spellings of them (team label, NFC/NFD, spaces, punctuation, finding order) "
            f"saved twice, {files.get('tried', 0)} workbooks loaded twice: {_broke(f, 'saved a second record or changed anything')} |"]


def _line_downloads(f: dict) -> list[str]:
    return [f"| downloads per role: no download without `export`, none live | {f.get('subjects', 0)} subjects × every page "
            f"they may open ({f.get('pages', 0)} page runs, {_n(f.get('elements', 0))} tables, charts and buttons inspected, "
            f"{f.get('read_back', 0)} spreadsheets read back, Streamlit's raw export turned on first): "
            f"{_broke(f, 'subjects offered a download they may not have or a live formula')} |"]


def _line_logins(f: dict) -> list[str]:
    seq, modes = f.get("sequences", {}), f.get("modes", {})
    return [f"| login throttling (per name, per address, across restarts); users file modes | {_n(seq.get('tried', 0))} "
            f"sequences ({_n(seq.get('tries', 0))} tries of 3 names × 2 addresses, pauses, restarts): "
            f"{seq.get('violations', 0)} decided otherwise after a restart or let a name or address past its limit; the "
            f"users file at {modes.get('tried', 0)} modes others may read, write or run: {modes.get('violations', 0)} read |"]


def _line_unseen(f: dict) -> list[str]:
    keys, limits = f.get("keys", {}), f.get("limits", {})
    return [f"| unseen characters in keys; text and number limits | {_n(keys.get('tried', 0))} inspection ids with 1–3 of "
            f"{_n(f.get('unseen_characters', 0))} unseen characters anywhere, NFC or NFD: {keys.get('violations', 0)} stored "
            f"beside a look-alike or changed the database on rejection; {limits.get('tried', 0)} files over the limits "
            f"(texts one over, a 1 MB name in xlsx and CSV, {f.get('out_of_range', '?')} numbers out of range): {limits.get('violations', 0)} not "
            f"refused on their rows |"]


def _line_cli(f: dict) -> list[str]:
    return [f"| command line without a database | {f['tried']} cases of {f.get('commands', '?')} commands (a mistyped "
            f"--db, a missing folder): {_broke(f, 'with a traceback, a stub file left or no sentence saying what to run')} |"]


# Every class the table lists, in order: (part, its name for --only, what prints its lines). A part that did not run
# still has its line ("not run"), so that a class cannot silently disappear from the figures.
PARTS: dict[str, tuple[Callable[[Path, Budget], dict], Callable[[dict], list[str]]]] = {
    "payloads": (_payloads, _line_payloads),
    "browser": (_browser, _line_browser),
    "fuzz": (_fuzz, _line_fuzz),
    "faults": (_faults, _line_faults),
    "roles": (_roles, _line_roles),
    "scope": (_scope, _line_scope),
    "judgement": (_judgement, _line_judgement),
    "growth": (_growth, _line_growth),
    "idempotence": (_idempotence, _line_idempotence),
    "downloads": (_downloads, _line_downloads),
    "logins": (_logins, _line_logins),
    "unseen": (_unseen, _line_unseen),
    "cli": (_cli, _line_cli),
}


def _failures(figures) -> list[str]:
    """Every "failures" list anywhere in a part's figures."""
    if isinstance(figures, dict):
        return [*figures.get("failures", []), *(f for k, v in figures.items() if k != "failures" for f in _failures(v))]
    return []


def table(result: dict) -> str:
    """One line per class (several for the payloads), each saying what was tried and what broke; a part that did
    not run or raised says so on its line."""
    lines = ["| check | tried, and what broke |", "|---|---|"]
    parts, errors, skipped = result.get("parts", {}), result.get("errors", {}), result.get("skipped", {})
    for name, (_, lines_of) in PARTS.items():
        if name in parts:
            try:
                lines += lines_of(parts[name])
            except (KeyError, TypeError, ValueError) as exc:  # figures of another shape: said, not hidden
                lines.append(f"| {name} | figures unreadable ({type(exc).__name__}: {exc}) |")
        elif name in errors:
            lines.append(f"| {name} | did not run: {errors[name]} |")
        else:
            lines.append(f"| {name} | not run ({skipped.get(name, 'not asked for')}) |")
    lines.append(f"| **failures** | **{len(result.get('failures', []))}** |")
    return "\n".join(lines)


# ------------------------------------------------------------------------------------------------ the command

def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tests.hardening", description=__doc__.splitlines()[0])
    ap.add_argument("--db", type=Path, default=DEFAULT_DB, help="database to copy for the checks (default data/par.duckdb)")
    ap.add_argument("--quick", action="store_true", help="small budgets throughout: a few minutes")
    ap.add_argument("--examples", type=int, default=None,
                    help="generated cases for every invariant class (default per class: " +
                         ", ".join(f"{k} {v[0]} ({v[1]} with --quick)" for k, v in EXAMPLES.items()) + ")")
    ap.add_argument("--fuzz-seconds", type=float, default=None, help="fuzzing time over all targets (default 60, 10 with --quick)")
    ap.add_argument("--kills", type=int, default=None, help="processes killed at random moments (default 6, 1 with --quick)")
    ap.add_argument("--only", default=None, help=f"run only these parts, comma-separated: {', '.join(PARTS)}")
    ap.add_argument("--seed", type=int, default=0, help="seed of the generated cases and of the fault moments (default 0)")
    ap.add_argument("--no-browser", action="store_true", help="skip the Chromium and live-server checks")
    args = ap.parse_args(argv)
    if not args.db.exists():
        print(f"{args.db} does not exist: build it first (python -m par_dashboard build)", file=sys.stderr)
        return 2
    only = set(PARTS) if args.only is None else {p.strip() for p in args.only.split(",") if p.strip()}
    if unknown := only - set(PARTS):
        print(f"unknown parts {sorted(unknown)}: choose from {', '.join(PARTS)}", file=sys.stderr)
        return 2
    budget = Budget(quick=args.quick, seed=args.seed, every=args.examples,
                    fuzz_seconds=args.fuzz_seconds if args.fuzz_seconds is not None else (10 if args.quick else 60),
                    kills=args.kills if args.kills is not None else (1 if args.quick else 6))
    skipped = {name: "--only" for name in PARTS if name not in only}
    if args.no_browser and "browser" in only:
        only.discard("browser")
        skipped["browser"] = "--no-browser"
    work = Path(tempfile.mkdtemp(prefix="par-hardening-"))
    db = work / "par.duckdb"
    shutil.copyfile(args.db, db)  # the running dashboard may hold the file; every part copies this copy again
    result: dict = {"parts": {}, "errors": {}, "skipped": skipped, "seconds": {},
                    "budget": {"quick": budget.quick, "fuzz_seconds": budget.fuzz_seconds, "kills": budget.kills,
                               "seed": budget.seed, "examples": {k: budget.examples(k) for k in EXAMPLES}}}
    try:
        for name, (run, _) in PARTS.items():
            if name not in only:
                continue
            print(f"{name} …", file=sys.stderr, flush=True)
            started = time.monotonic()
            try:
                result["parts"][name] = run(db, budget)
            except Exception as exc:  # noqa: BLE001 - a part that cannot run is reported, the others still run
                result["errors"][name] = f"{type(exc).__name__}: {exc}"
            result["seconds"][name] = round(time.monotonic() - started, 1)
            print(f"{name}: {result['seconds'][name]} s", file=sys.stderr, flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    result["failures"] = [f"{name}: {f}" for name, part in result["parts"].items() for f in _failures(part)]
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(result, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
    print(table(result))
    for failure in result["failures"][:50]:
        print(f"- {failure}")
    print(f"written to {OUT.relative_to(ROOT)}", file=sys.stderr)
    return 1 if result["failures"] or result["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
