"""Command line: `python -m par_dashboard build [--db PATH]` rebuilds the database from data/."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from par_dashboard.paths import DEFAULT_DB


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m par_dashboard", description="PAR inspection dashboard tools")
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="(re)build the DuckDB database from the files in data/")
    b.add_argument("--db", type=Path, default=DEFAULT_DB, help=f"database file (default {DEFAULT_DB})")
    args = parser.parse_args(argv)

    if args.command == "build":
        from par_dashboard.build import build

        result = build(args.db, progress=lambda f, msg: print(f"{f:4.0%} {msg}", file=sys.stderr))
        print(json.dumps({"database": str(args.db), **result}, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
