"""The `serve` command's body: `streamlit run dashboard.py` with the options the dashboard insists on, and the
modules the first page run needs imported while the server starts. Called by `python -m par_dashboard serve`
(par_dashboard/cli/main.py), which imports this module only when it serves."""

from __future__ import annotations

import os
import sys
import threading


def serve(streamlit_args: list[str]) -> int:
    """`streamlit run dashboard.py`, with Streamlit told up front that the app declares its pages with
    st.navigation. Streamlit otherwise treats an app with a `pages/` folder as a folder-based app until
    its first run finishes, and the first visitor who opens a deep link (/ban-do?...) gets a spurious
    "Page not found" dialog (the page itself is then shown correctly)."""
    from streamlit.runtime.pages_manager import PagesManager
    from streamlit.web import cli

    from par_dashboard.paths import ROOT

    PagesManager.uses_pages_directory = False
    for flag, variable in (("--anonymous", "PAR_ANONYMOUS"), ("--read-only", "PAR_READ_ONLY")):
        if flag in streamlit_args:  # ours, not Streamlit's: the app reads them from the environment
            streamlit_args = [a for a in streamlit_args if a != flag]
            os.environ[variable] = "1"
    threading.Thread(target=_warm_imports, name="par-warm-imports", daemon=True).start()
    sys.argv = ["streamlit", "run", *RAW_EXPORTS_OFF, str(ROOT / "dashboard.py"), *_without_raw_exports(streamlit_args)]
    return cli.main()


# Streamlit's table toolbar would hand every visitor each table as a raw CSV, formulas live, whatever the role
# (par_dashboard/shell/login.py raw_exports_off): hidden on every server this command starts, an operator's flag included.
RAW_EXPORTS_OFF = ("--client.disableDataExport", "true")


def _without_raw_exports(args: list[str]) -> list[str]:
    """`args` without an operator's `--client.disableDataExport VALUE` (or `=VALUE`), which is said on stderr."""
    flag = RAW_EXPORTS_OFF[0]
    out, dropped, i = [], False, 0
    while i < len(args):
        if args[i] == flag:
            dropped, i = True, i + 2
            continue
        if args[i].startswith(flag + "="):
            dropped = True
        else:
            out.append(args[i])
        i += 1
    if dropped:
        print("client.disableDataExport luôn bật: bảng chỉ tải về qua nút của ứng dụng, theo vai trò. / "
              "client.disableDataExport stays true: tables are downloaded only through the app's own buttons, by role.",
              file=sys.stderr)
    return out


# What the first page run would otherwise import itself (~2.4 s of a 3.5 s first run: pandas, pyarrow, the
# administrative-unit parser's regular expressions, plotly's validators). Imported while the server starts and the
# browser loads the app's JavaScript, the first visitor's run starts with them done; a run that needs one still
# being imported waits on Python's import lock, so nothing is imported twice.
WARM_MODULES = ("par_dashboard.shell.ui", "par_dashboard.views.charts", "par_dashboard.views.rankings", "par_dashboard.views.map",
                "par_dashboard.views.locality", "par_dashboard.views.inspections", "par_dashboard.views.indicators")


def _warm_imports() -> None:
    import importlib

    from par_dashboard.security import worker

    for name in WARM_MODULES:
        importlib.import_module(name)
    import plotly.graph_objects as go

    go.Figure(go.Bar(x=[1], y=[1]), layout={"title": "warm"}).to_plotly_json()
    worker.warm()  # the parse workers' fork server imports the readers once, before the first upload waits for it
