"""A read-only replica (`serve --read-only`, docs/SCALING.md): it opens the database file read-only, so several
replica processes share one file, and no role can write through it."""

import shutil
import subprocess
import sys

import duckdb
from streamlit.testing.v1 import AppTest

from par_dashboard.i18n import t
from par_dashboard.security import auth
from tests.browser import ROOT
from tests.users import sign_in

READ = ("import os; from par_dashboard.shell import cached; "
        "print(len(cached.db().query('years_with_scores')), cached.db().query('data_kinds').n_rows.sum())")


def test_replicas_share_one_file_read_only(built_db, tmp_path):
    copy = tmp_path / "par.duckdb"
    shutil.copyfile(built_db, copy)
    holder = duckdb.connect(str(copy), read_only=True)  # another replica already has it open
    try:
        env = {"PAR_DB": str(copy), "PAR_READ_ONLY": "1", "PATH": "/usr/bin:/bin"}
        procs = [subprocess.Popen([sys.executable, "-c", READ], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True) for _ in range(2)]
        outs = [p.communicate(timeout=120) for p in procs]
        assert [p.returncode for p in procs] == [0, 0], [err[-800:] for _, err in outs]
        assert outs[0][0] == outs[1][0] and int(outs[0][0].split()[0]) > 5
        # the same read without --read-only wants the file for writing, which a replica holding it prevents
        writer = subprocess.run([sys.executable, "-c", READ], cwd=ROOT, env={**env, "PAR_READ_ONLY": ""},
                                capture_output=True, text=True, timeout=120)
        assert writer.returncode != 0 and "lock" in writer.stderr.lower()
    finally:
        holder.close()


def test_no_role_writes_through_a_replica(built_db, tmp_path, monkeypatch):
    copy = tmp_path / "par.duckdb"  # this process holds built_db for writing: a replica opens its own file
    shutil.copyfile(built_db, copy)
    monkeypatch.setenv("PAR_DB", str(copy))
    officer = auth.User(name="data_officer", role="data_officer")
    assert auth.can(officer, "import")
    monkeypatch.setenv("PAR_READ_ONLY", "1")
    assert not any(auth.can(officer, p) for p in auth.WRITES)
    assert auth.can(officer, "export") and auth.can(officer, "read")
    at = sign_in(AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120), "data_officer")
    at.run()
    at.switch_page("pages/data.py").run()
    assert not at.exception
    assert any("bản sao chỉ đọc" in i.value for i in at.info)
    subheaders = [s.value for s in at.subheader]
    assert t("auth_audit_title", "vi") in subheaders and t("data_upload", "vi") not in subheaders  # the audit log reads, no upload
