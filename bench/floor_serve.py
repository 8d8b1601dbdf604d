"""The floor app (bench/floor_app.py) as N processes behind HAProxy, exactly as `python -m par_dashboard serve
--workers N` puts the dashboard (par_dashboard/cli/serving.py: supervise): the 20-session load compares like with like.

    python -m bench.floor_serve --workers N [--app floor_full_app.py] [--server.port P] [--server.address A] [...]

`--app floor_full_app.py`: the floor with the rankings page's content instead (bench/floor_full_app.py; PAR_DB names
the database it makes its figures from).
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

from par_dashboard.cli.serving import DEFAULT_ADDRESS, DEFAULT_PORT, pop_option, supervise

ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str]) -> int:
    workers, args = pop_option(argv, "--workers")
    app, args = pop_option(args, "--app")
    if (app or "floor_app.py") not in ("floor_app.py", "floor_full_app.py"):
        raise SystemExit(f"--app: floor_app.py or floor_full_app.py, not {app}")
    address, args = pop_option(args, "--server.address")
    port, args = pop_option(args, "--server.port")
    runtime = Path(tempfile.mkdtemp(prefix="par-floor-"))
    try:
        return supervise(lambda p: [sys.executable, "-m", "streamlit", "run", str(ROOT / "bench" / (app or "floor_app.py")), *args,
                                    "--server.port", str(p), "--server.address", "127.0.0.1", "--server.headless", "true"],
                         int(workers or 1), address=address or DEFAULT_ADDRESS, port=int(port or DEFAULT_PORT),
                         env=dict(os.environ), runtime=runtime, cwd=ROOT, log=lambda m: print(m, file=sys.stderr, flush=True))
    finally:
        shutil.rmtree(runtime, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
