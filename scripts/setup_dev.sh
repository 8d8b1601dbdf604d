#!/usr/bin/env bash
# Set up (once) what the tests and the benchmark suite need on a fresh machine: Debian's chromium (the browser tests,
# Playwright and kaleido drive it; neither downloads its own), Debian's haproxy (`serve --workers N` puts the
# processes behind it: tests/test_workers.py, the benchmark), a Python 3.11 venv with the dev requirements.
# Sourced by scripts/test.sh and scripts/bench.sh.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
if ! command -v chromium >/dev/null || ! { command -v haproxy || [ -x /usr/sbin/haproxy ]; } >/dev/null; then
  if [ "$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium fonts-noto-core haproxy >/dev/null
fi
PY=${PYTHON:-python3.11}
command -v "$PY" >/dev/null || PY=python3
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/pip install -q -r requirements-dev.txt
