"""`python -m tests.hardening`: every hardening check once, and the figures — payloads tried and inert,
fuzz cases run and crashes, faults injected and rows lost, role × page checks passed, server settings.

    .venv/bin/python -m tests.hardening [--db PATH] [--fuzz-seconds 60] [--kills 6] [--no-browser]

The same functions the tests assert on (tests/test_hardening_*.py, test_fuzz.py, test_auth.py), run here with
larger budgets; the database given is only copied, never changed. Writes artifacts/hardening.json and exits 1
when any check failed. Needs the dev requirements (hypothesis, Playwright) and Debian's Chromium for the browser
part.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from par_dashboard.paths import DEFAULT_DB, ROOT

OUT = ROOT / "artifacts" / "hardening.json"


def _payloads(db: Path) -> dict:
    from tests.hardening.payloads import run_payloads

    return run_payloads(db)


def _browser(db: Path) -> dict:
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


def _fuzz(seconds: float) -> dict:
    from tests.hardening.fuzz import run_fuzz

    return run_fuzz(seconds=seconds)


def _faults(kills: int, db: Path) -> dict:
    from tests.hardening.faults import run_faults

    return run_faults(kills=kills, db_path=db)


def _roles(db: Path) -> dict:
    from tests.hardening.roles import run_role_checks

    return run_role_checks(db)


def _failures(figures) -> list[str]:
    """Every "failures" list anywhere in a part's figures."""
    if isinstance(figures, dict):
        return [*figures.get("failures", []), *(f for k, v in figures.items() if k != "failures" for f in _failures(v))]
    return []


def _classes(figures: dict) -> list[tuple[str, int, int]]:
    """(class, tried, inert) of a payload part."""
    return [(k, v["tried"], v["inert"]) for k, v in figures.items() if isinstance(v, dict) and v.get("tried")]


def table(result: dict) -> str:
    lines = ["| check | figure |", "|---|---|"]
    parts = result["parts"]
    for name in ("payloads", "browser"):
        figures = parts.get(name, {})
        figures = figures.get("browser", {}) if name == "browser" else figures
        for cls, tried, inert in _classes(figures):
            lines.append(f"| payloads{' in Chromium' if name == 'browser' else ''}: {cls} | {inert} inert of {tried} tried |")
    if settings := parts.get("browser", {}).get("settings"):
        lines.append(f"| server settings | {settings.get('passed')} of {settings.get('checks')} checks passed |")
    if fuzz := parts.get("fuzz"):
        lines.append(f"| fuzz ({fuzz.get('seconds', '?')} s) | {fuzz['cases']:,} cases, {fuzz['crashes']} crashes, {fuzz['hangs']} hangs, "
                     f"{fuzz['db_changed_on_rejection']} database changes on rejection |")
    if faults := parts.get("faults"):
        lines.append(f"| faults | {faults['injected']} injected, {faults['rows_lost']} rows lost, {faults['inconsistent']} inconsistent |")
    if roles := parts.get("roles"):
        lines.append(f"| role × page | {roles['passed']} of {roles['checks']} checks passed |")
    for name, error in result.get("errors", {}).items():
        lines.append(f"| {name} | did not run: {error} |")
    lines.append(f"| **failures** | **{len(result['failures'])}** |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tests.hardening", description=__doc__.splitlines()[0])
    ap.add_argument("--db", type=Path, default=DEFAULT_DB, help="database to copy for the checks (default data/par.duckdb)")
    ap.add_argument("--fuzz-seconds", type=float, default=60, help="fuzzing time over all targets (default 60)")
    ap.add_argument("--kills", type=int, default=6, help="processes killed at random moments (default 6)")
    ap.add_argument("--no-browser", action="store_true", help="skip the Chromium and live-server checks")
    args = ap.parse_args(argv)
    if not args.db.exists():
        print(f"{args.db} does not exist: build it first (python -m par_dashboard build)", file=sys.stderr)
        return 2
    work = Path(tempfile.mkdtemp(prefix="par-hardening-"))
    db = work / "par.duckdb"
    shutil.copyfile(args.db, db)  # the running dashboard may hold the file; every part copies this copy again
    parts: dict[str, Callable[[], dict]] = {"payloads": lambda: _payloads(db)}
    if not args.no_browser:
        parts["browser"] = lambda: _browser(db)
    parts |= {"fuzz": lambda: _fuzz(args.fuzz_seconds), "faults": lambda: _faults(args.kills, db), "roles": lambda: _roles(db)}
    result: dict = {"parts": {}, "errors": {}, "seconds": {}}
    try:
        for name, run in parts.items():
            print(f"{name} …", file=sys.stderr, flush=True)
            started = time.monotonic()
            try:
                result["parts"][name] = run()
            except Exception as exc:  # noqa: BLE001 - a part that cannot run is reported, the others still run
                result["errors"][name] = f"{type(exc).__name__}: {exc}"
            result["seconds"][name] = round(time.monotonic() - started, 1)
            print(f"{name}: {result['seconds'][name]} s", file=sys.stderr, flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    result["failures"] = [f for part in result["parts"].values() for f in _failures(part)]
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(result, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
    print(table(result))
    for failure in result["failures"][:50]:
        print(f"- {failure}")
    print(f"written to {OUT.relative_to(ROOT)}", file=sys.stderr)
    return 1 if result["failures"] or result["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
