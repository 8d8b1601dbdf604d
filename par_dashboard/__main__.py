"""Command line: `python -m par_dashboard build [--db PATH]` rebuilds the database from data/;
`python -m par_dashboard serve [streamlit options]` starts the dashboard."""

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
    sub.add_parser("serve", help="start the dashboard (options after `serve` go to `streamlit run`)", add_help=False)
    args, rest = parser.parse_known_args(argv)

    if args.command == "serve":
        return serve(rest)

    if args.command == "build":
        from par_dashboard.build import build

        result = build(args.db, progress=lambda f, msg: print(f"{f:4.0%} {msg}", file=sys.stderr))
        print(json.dumps({"database": str(args.db), **result}, ensure_ascii=False, indent=2))
    return 0


def serve(streamlit_args: list[str]) -> int:
    """`streamlit run dashboard.py`, with Streamlit told up front that the app declares its pages with
    st.navigation. Streamlit otherwise treats an app with a `pages/` folder as a folder-based app until
    its first run finishes, and the first visitor who opens a deep link (/ban-do?...) gets a spurious
    "Page not found" dialog (the page itself is then shown correctly)."""
    from streamlit.runtime.pages_manager import PagesManager
    from streamlit.web import cli

    from par_dashboard.paths import ROOT

    PagesManager.uses_pages_directory = False
    sys.argv = ["streamlit", "run", str(ROOT / "dashboard.py"), *streamlit_args]
    return cli.main()


if __name__ == "__main__":
    sys.exit(main())
