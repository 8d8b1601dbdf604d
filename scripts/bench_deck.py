"""Measure presenter-deck export times (not a test): every format, once the image engine is warm.

    .venv/bin/python scripts/bench_deck.py [--repeat 3] [--db PATH]

For each deck (Lạng Sơn 2024 in the 63-province structure, Lạng Sơn 2025 in the 34-province one, the whole
country 2024): building the deck from the queries, then HTML, PDF, PowerPoint and one chart PNG, each
`--repeat` times; the median of each and their sum ("all formats"). The image engine (kaleido on Debian's
Chromium) is started and warmed once before timing, as the dashboard keeps it. Target: one province's deck in
every format under 10 s on 2 cores. Prints a table and writes artifacts/bench/deck.json.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DECKS = {"Lạng Sơn 2024": (2024, "S63-P-20"), "Lạng Sơn 2025": (2025, "S34-P-20"), "cả nước 2024": (2024, "")}
TARGET_S = 10.0


def timed(fn, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--db", type=Path, default=None, help="database (default: a copy of data/par.duckdb)")
    args = parser.parse_args()

    from par_dashboard.paths import DEFAULT_DB
    from par_dashboard.store.db import Database
    from par_dashboard.views.present import exports, static
    from par_dashboard.views.present.build import build_deck

    with tempfile.TemporaryDirectory() as tmp:
        path = args.db
        if path is None:  # a copy: the running dashboard may hold data/par.duckdb
            path = Path(tmp) / "par.duckdb"
            shutil.copyfile(DEFAULT_DB, path)
        db = Database(path)
        start = time.perf_counter()
        static.warm_up()
        first = build_deck(db.query, lang="vi", year=2024, province_id="S63-P-20")
        exports.chart_png(first, first.charts()[0][0])
        warm_s = time.perf_counter() - start

        rows = []
        for name, (year, province) in DECKS.items():
            build_s, deck = timed(lambda y=year, p=province: build_deck(db.query, lang="vi", year=y, province_id=p), args.repeat)
            chart = deck.charts()[0][0]
            row = {"deck": name, "slides": len(deck.slides), "build_s": build_s}
            for fmt, fn in (("html", lambda d=deck: exports.to_html(d)), ("pdf", lambda d=deck: exports.to_pdf(d)),
                            ("pptx", lambda d=deck: exports.to_pptx(d)), ("png", lambda d=deck, c=chart: exports.chart_png(d, c))):
                seconds, data = timed(fn, args.repeat)
                row[f"{fmt}_s"], row[f"{fmt}_bytes"] = seconds, len(data)
            row["all_formats_s"] = row["build_s"] + sum(row[f"{f}_s"] for f in exports.FORMATS)
            row["target_met"] = row["all_formats_s"] < TARGET_S
            rows.append(row)
        db.close()

    result = {"engine_start_and_first_chart_s": round(warm_s, 2), "repeat": args.repeat, "target_s": TARGET_S,
              "decks": [{k: round(v, 3) if isinstance(v, float) else v for k, v in r.items()} for r in rows]}
    out = ROOT / "artifacts" / "bench" / "deck.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"image engine start + first chart: {warm_s:.2f} s (once per process)")
    print(f"{'deck':<16}{'slides':>7}{'build':>8}{'html':>8}{'pdf':>8}{'pptx':>8}{'png':>8}{'all':>8}  < {TARGET_S:.0f} s")
    for r in rows:
        print(f"{r['deck']:<16}{r['slides']:>7}" + "".join(f"{r[k]:>7.2f}s" for k in
              ("build_s", "html_s", "pdf_s", "pptx_s", "png_s", "all_formats_s")) + f"  {'yes' if r['target_met'] else 'NO'}")
    print(f"written to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
