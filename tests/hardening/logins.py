"""Login throttling and the users file (tests/test_auth.py asserts it).

Whatever the order of tries, names, addresses, pauses and restarts: a guard restarted before any try decides exactly
as one that never was (its state is its file's), and within any `lock_s` seconds a name gets at most `limit` wrong
passwords checked between two right ones, an address at most `source_limit`. And a users file that other users may
write or read is refused until `chmod 600`, saying so, a cached read included.
"""

from __future__ import annotations

import stat
import tempfile
from pathlib import Path

from hypothesis import strategies as hst

from par_dashboard.security import auth
from tests.hardening.invariants import Survey, named, note, survey
from tests.users import PASSWORD

STEPS = hst.lists(hst.tuples(hst.sampled_from([0.0, 0.0, 1.0, 7.5, 30.0, 61.0, 200.0, 1000.0]),  # seconds since the last try
                             hst.sampled_from(["an", "binh", "chi"]), hst.sampled_from(["10.0.0.1", "10.0.0.2"]),
                             hst.sampled_from([False, False, True]),  # the right password?
                             hst.booleans()),  # a restart (a new guard on the same file) before this try?
                  min_size=10, max_size=30)


def guard_violations(folder: Path, steps: list[tuple[float, str, str, bool, bool]]) -> list[str]:
    """Two guards on files of their own in `folder` (which must not hold them yet), one kept, one restarted when a
    step says so: the same decisions, and no name or address let past its limit within any `lock_s` seconds."""
    now = [10_000.0]
    clock = lambda: now[0]  # noqa: E731
    kept = auth.LoginGuard(folder / "kept.sqlite", limit=3, source_limit=5, clock=clock)
    decisions = {"kept": [], "restarted": []}
    restarted = None
    checked = []  # (time, name, source, right) of every try that was let through to the password check
    for dt_s, name, source, right, restart in steps:
        now[0] += dt_s
        if restart or restarted is None:
            restarted = auth.LoginGuard(folder / "restarted.sqlite", limit=3, source_limit=5, clock=clock)
        for label, guard in (("kept", kept), ("restarted", restarted)):
            try:
                ticket = guard.admit(name, source)
            except auth.Throttled as refused:
                decisions[label].append(("refused", refused.which, round(refused.wait, 6)))
                note(f"refused: {refused.which}")
                continue
            decisions[label].append(("checked",))
            if label == "kept":
                checked.append((now[0], name, source, right))
            if right:
                guard.succeeded(ticket)
    wrong = []
    if decisions["kept"] != decisions["restarted"]:
        differ = next(i for i, (a, b) in enumerate(zip(decisions["kept"], decisions["restarted"], strict=True)) if a != b)
        wrong.append(f"after a restart, try {differ} was decided {decisions['restarted'][differ]}, not {decisions['kept'][differ]}")
    for i, (t0, _, _, _) in enumerate(checked):
        window = [c for c in checked[i:] if c[0] < t0 + kept.lock_s]
        for source in {c[2] for c in window}:
            if sum(1 for c in window if c[2] == source and not c[3]) > kept.source_limit:
                wrong.append(f"address {source}: more than {kept.source_limit} wrong passwords checked within {kept.lock_s:g} s "
                             f"from t={t0:g}")
        for name in {c[1] for c in window}:
            run = 0
            for c in (c for c in window if c[1] == name):
                run = 0 if c[3] else run + 1
                if run > kept.limit:
                    wrong.append(f"name {name}: {run} wrong passwords in a row checked within {kept.lock_s:g} s from t={t0:g}")
                    break
    return sorted(set(wrong))


def guard_sequence_violations(steps: list[tuple[float, str, str, bool, bool]]) -> list[str]:
    with tempfile.TemporaryDirectory(prefix="par-guard-") as tmp:
        return guard_violations(Path(tmp), steps)


TESTED_MODES = (0o666, 0o664, 0o646, 0o660, 0o644, 0o604, 0o640)  # the tests' own
EVERY_MODE = tuple(0o600 | bits for bits in range(1, 0o100))  # the owner's read and write, and any bit for the others


def one_user(folder: Path) -> Path:
    path = folder / "conf" / "users.json"
    auth.add_user("lan", "analyst", PASSWORD, path=path)
    return path


def mode_violations(folder: Path, mode: int) -> list[str]:
    """A users file (`folder` must not hold one yet) read at 0600, then set to `mode`: refused, saying `chmod 600` in
    both languages, for reading and for signing in; at 0600 again it signs in."""
    path = one_user(folder)
    if not auth.read_users(path):
        return ["the users file just written reads as empty"]
    path.chmod(mode)
    wrong = []
    try:
        auth.read_users(path)
        wrong.append(f"a users file at {stat.filemode(mode)} ({mode:o}) was read")
    except auth.UsersFileError as refused:
        if f"chmod 600 {path}" not in refused.en or f"chmod 600 {path}" not in refused.vi:
            wrong.append(f"the refusal does not say how to fix it: {refused.en}")
    try:
        auth.authenticate("lan", PASSWORD, path=path, guard=auth.LoginGuard())
        wrong.append(f"signed in with a users file at {mode:o}")
    except auth.UsersFileError:
        pass
    path.chmod(0o600)
    if auth.authenticate("lan", PASSWORD, path=path, guard=auth.LoginGuard()).name != "lan":
        wrong.append("at 0600 again, the user does not sign in")
    return wrong


def run_logins(examples: int = 300, seed: int = 0) -> dict:
    """`examples` sequences of tries, and the users file at every mode that lets others read, write or run it."""
    def mode_check(mode: int) -> list[str]:
        with tempfile.TemporaryDirectory(prefix="par-mode-") as tmp:
            return mode_violations(Path(tmp), mode)

    tries = []

    def sequence(steps) -> list[str]:
        tries.append(len(steps))
        return guard_sequence_violations(steps)

    sequences = survey(sequence, examples=examples, seed=seed, steps=STEPS)
    modes = named(mode_check, {f"{m:o}": {"mode": m} for m in EVERY_MODE})
    return Survey().add(sequences).add(modes).figures() | {"sequences": sequences.counts() | {"tries": sum(tries)},
                                                           "modes": modes.counts()}
