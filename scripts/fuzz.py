"""Fuzz the importers, the encoding converters and the text extractor for a chosen time (not a test).

    .venv/bin/python scripts/fuzz.py --seconds 600 [--targets reader_xlsx,service,...] [--seed N] [--db PATH]

Prints the figures as JSON, then a line per target; failing inputs are saved under artifacts/fuzz/ (reproduce one
with `tests.hardening.fuzz.reproduce(path)`). Exit 0 when nothing failed, 1 otherwise. The database
(default $PAR_DB, else data/par.duckdb) is copied first and never written.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.hardening.fuzz import TARGETS, run_fuzz  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=300, help="how long in all, shared by the targets (default 300)")
    parser.add_argument("--targets", default=",".join(TARGETS), help=f"comma-separated, from {', '.join(TARGETS)}")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--db", type=Path, default=None)
    args = parser.parse_args()
    with contextlib.redirect_stdout(sys.stderr):  # openpyxl prints about odd styles: stdout is the JSON alone
        figures = run_fuzz(seconds=args.seconds, targets=[t.strip() for t in args.targets.split(",") if t.strip()],
                           seed=args.seed, db_path=args.db)
    print(json.dumps(figures, ensure_ascii=False, indent=2))
    for name, t in figures["targets"].items():
        rate = t["cases"] / t["seconds"] * 60 if t["seconds"] else 0
        print(f"{name:<13} {t['cases']:>7} cases ({rate:,.0f}/min)  crashes {t['crashes']}  hangs {t['hangs']}  "
              f"db changed {t['db_changed_on_rejection']}  wrong {t['wrong']}", file=sys.stderr)
    failed = figures["crashes"] + figures["hangs"] + figures["db_changed_on_rejection"] + figures["wrong"]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
