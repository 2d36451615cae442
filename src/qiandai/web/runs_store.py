"""Where audit runs live on disk, so the console can show a point's fee lines and a run's summary.

A run started from the console is kept under ``$QIANDAI_HOME/web-runs/<job>/`` (``data/`` input,
``out/`` audit output) and registered in ``$QIANDAI_HOME/web-runs/registry.json``. Runs made elsewhere
are found through ``QIANDAI_AUDIT_DIRS`` (audit output folders, ``os.pathsep``-separated) and the
``qiandai demo`` layout (``demo-output/claims-audit`` beside ``demo-output/claims-data``, relative to the
working directory of ``qiandai serve``). Nothing personal is stored in the registry.

Several worker processes share the registry file: :func:`register` holds an exclusive ``flock`` on
``registry.lock`` around its read-modify-write (plus a thread lock within a process), and replaces the
file atomically, so no worker loses another's entry and readers never see a half-written file. The
progress of runs still in flight is in the database (:mod:`qiandai.web.audit_jobs`).
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from qiandai import settings
from qiandai.config import get_settings

_lock = threading.Lock()


@dataclass(frozen=True)
class RunFolders:
    run_id: str
    audit_dir: Path
    data_dir: Path | None


def runs_root() -> Path:
    return settings.home() / "web-runs"


def _registry_path() -> Path:
    return runs_root() / "registry.json"


def _registry() -> dict[str, dict[str, str]]:
    path = _registry_path()
    if not path.exists():
        return {}
    data: dict[str, dict[str, str]] = json.loads(path.read_text(encoding="utf-8"))
    return data


@contextmanager
def _exclusive() -> Iterator[None]:
    """This process's lock and an exclusive lock on ``registry.lock`` shared with other workers."""
    with _lock:
        runs_root().mkdir(parents=True, exist_ok=True)
        with (runs_root() / "registry.lock").open("a") as handle:
            try:
                import fcntl
            except ImportError:  # pragma: no cover - not POSIX: one worker process only
                yield
                return
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def register(run_id: str, audit_dir: Path, data_dir: Path | None) -> None:
    """Remember where run ``run_id``'s output and input folders are (idempotent)."""
    with _exclusive():
        data = _registry()
        data[run_id] = {"audit_dir": str(audit_dir), "data_dir": str(data_dir) if data_dir else ""}
        tmp = _registry_path().with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
        tmp.replace(_registry_path())


def _candidates() -> list[Path]:
    extra = get_settings().audit_dir_paths
    return [*extra, Path.cwd() / "demo-output" / "claims-audit"]


def _run_id_of(folder: Path) -> str | None:
    meta = folder / "run.json"
    if not meta.is_file():
        return None
    try:
        value = json.loads(meta.read_text(encoding="utf-8")).get("run_id")
    except (OSError, ValueError):
        return None
    return str(value) if value else None


def locate(run_id: str | None) -> RunFolders | None:
    """The folders of ``run_id`` when they are still on this machine, else None."""
    if not run_id:
        return None
    entry = _registry().get(run_id)
    if entry and Path(entry["audit_dir"]).is_dir():
        data = Path(entry["data_dir"]) if entry.get("data_dir") else None
        return RunFolders(run_id, Path(entry["audit_dir"]), data)
    for folder in _candidates():
        if _run_id_of(folder) == run_id:
            sibling = folder.parent / "claims-data"
            return RunFolders(run_id, folder, sibling if sibling.is_dir() else None)
    return None


def manifest(run_id: str) -> dict[str, object] | None:
    """The run's ``run.json`` (rule summaries and timings), when its folder is found."""
    found = locate(run_id)
    if found is None:
        return None
    data: dict[str, object] = json.loads((found.audit_dir / "run.json").read_text(encoding="utf-8"))
    return data
