#!/usr/bin/env bash
# Set up (once) and start the dashboard on the embedded default database (built on first start).
# Sign-in: accounts live in the users file ($PAR_USERS_FILE, default ~/.config/par-dashboard/users.json). While it
# has none, this script offers (at a terminal, not under CI) to create the admin account; without one it starts with
# anonymous read-only viewing on and says so, so that a fresh machine still shows the dashboard.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3.11}
command -v "$PY" >/dev/null || PY=python3
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/pip install -q -r requirements.txt
# The database: built on the first start, and replaced whenever the file is not a complete, sound database (an empty
# file an interrupted command left, a damaged one): `check` puts the newest sound backup in place, else rebuilds from
# data/, and says so (exit 4). A file merely present is not enough (an empty one would reach the first visitor).
# Exit 3: the running dashboard holds it (this start is a second one, e.g. a --read-only replica): it was checked.
db_state=0
.venv/bin/python -m par_dashboard check >/dev/null || db_state=$?
case "$db_state" in 0|3|4) ;; *) exit "$db_state" ;; esac

users_state() {  # "some", "none", or "unreadable" (then the login page says what is wrong: no anonymous fallback)
  .venv/bin/python -c 'from par_dashboard.security import auth
try:
    print("some" if auth.read_users() else "none")
except auth.UsersFileError:
    print("unreadable")'
}
ANONYMOUS=()
if [ "$(users_state)" = none ]; then
  if [ -t 0 ] && [ -z "${CI:-}" ]; then
    read -r -p "Chưa có tài khoản nào. Tạo tài khoản quản trị «admin» ngay? / No accounts yet. Create the «admin» account now? [Y/n] " answer
    case "${answer:-y}" in
      [nN]*) ;;
      *) .venv/bin/python -m par_dashboard users add admin --role admin || true ;;
    esac
  fi
  if [ "$(users_state)" = none ]; then
    echo "Chưa có tài khoản: bật chế độ chỉ xem không cần đăng nhập. Tạo tài khoản: .venv/bin/python -m par_dashboard users add admin --role admin" >&2
    echo "No accounts yet: anonymous read-only viewing is on. Create one: .venv/bin/python -m par_dashboard users add admin --role admin" >&2
    ANONYMOUS=(--anonymous)
  fi
fi
exec .venv/bin/python -m par_dashboard serve "${ANONYMOUS[@]}" "$@"
