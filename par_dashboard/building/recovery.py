"""A missing or damaged database replaced, before anything reads it: set aside (a damaged file is never deleted), then
the newest backup that is sound restored, else the database built from data/. Used by the dashboard at its start,
the `check` command and the command-line writes.

Here, above the store, because it is the one place that both restores a backup (par_dashboard/store/backup.py:
what a backup is, which are sound, how one is put in place) and builds (par_dashboard/building/build.py)."""

from __future__ import annotations

import json
from pathlib import Path

from par_dashboard.store import backup
from par_dashboard.store.backup import Message, Progress, Recovery


def recover(path: Path, progress: Progress | None = None, *, create: bool = True) -> Recovery | None:
    """Nothing (None) when the database at `path` is sound. A damaged one is set aside as `<name>.damaged-<time>`;
    a damaged or missing one (unless not `create`) is replaced by the newest backup that is sound, else rebuilt
    from data/. The message says what was found and done, in plain words."""
    path = Path(path)
    if not path.exists():
        if not create:
            return None
        found = Message(f"Chưa có cơ sở dữ liệu {path.name}.", f"There is no database {path.name} yet.")
        done, restored = _replace(path, progress, damaged=False)
        said = found + done
        return Recovery(said.vi, said.en, damaged=False, restored=restored)
    damage = backup.diagnose(path)
    if damage is None:
        return None
    aside = backup.set_aside(path, "damaged", move=True)
    kept = Message(f"Tệp hỏng được giữ lại ở {aside.name}.", f"The damaged file was kept as {aside.name}.")
    done, restored = _replace(path, progress, damaged=True)
    said = Message(damage.vi, damage.en) + done + kept
    return Recovery(said.vi, said.en, damaged=True, restored=restored)


def _replace(path: Path, progress: Progress | None, *, damaged: bool) -> tuple[Message, bool]:
    for b in backup.backups(path):
        if backup.diagnose(b.path) is None:
            backup.restore(b.path, path, action="recover")
            return Message(f"Đã khôi phục bản sao lưu lúc {b.when} ({b.path.name}); những thay đổi sau thời điểm đó "
                           "không còn và cần nhập lại.",
                           f"The backup of {b.when} ({b.path.name}) was restored; changes made after it are gone and "
                           "need to be imported again."), True
    from par_dashboard.building.build import build  # (the build's modules only when there is something to build)

    build(path, progress=progress)
    if not damaged:
        return Message("Đã dựng cơ sở dữ liệu từ các tệp trong data/.", "The database was built from the files in data/."), False
    return Message("Không có bản sao lưu nào dùng được: đã dựng lại cơ sở dữ liệu từ các tệp trong data/ "
                   "(dữ liệu đã nhập trước đây không còn và cần nhập lại).",
                   "No usable backup: the database was rebuilt from the files in data/ (data imported before is "
                   "gone and needs to be imported again)."), False


# `serve --workers` checks the file once, before its workers start (par_dashboard/cli/serving.py); each worker says
# what was done from this file in the snapshot folder (a worker must not look itself: another may be writing).
RECOVERY = "recovery.json"


def save_recovery_notice(folder: Path, recovery: Recovery | None) -> None:
    """What the start-up check did (`recover`'s answer, None when the file was sound), for the workers to say."""
    if recovery is not None:
        fields = {"vi": recovery.vi, "en": recovery.en, "damaged": recovery.damaged, "restored": recovery.restored}
        (Path(folder) / RECOVERY).write_text(json.dumps(fields, ensure_ascii=False), encoding="utf-8")


def recovery_notice(folder: Path) -> Recovery | None:
    try:
        fields = json.loads((Path(folder) / RECOVERY).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    return Recovery(**fields)
