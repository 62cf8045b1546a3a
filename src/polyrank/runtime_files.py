"""What a running process publishes under its runtime directory for another one (`polyrank
status`) to read without opening the store: JSON files, each replaced atomically, with the
publishing process's pid to tell a live publisher from one that died."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

#: the enrich's or metrics run's progress (progress.Published)
JOB_FILE = "job.json"
#: the API a process serves from the store it holds (serving.ApiServer): its URL
SERVING_FILE = "serving.json"


def write_json_atomic(path: Path, payload: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps(payload, indent=1, default=str))
    os.replace(tmp, path)


def read_json(path: Path) -> Any | None:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def pid_alive(pid: Any) -> bool:
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def read_published(path: Path) -> dict[str, Any] | None:
    """What a process published in `path` (a JSON object with its `pid` and whether it was
    `running`), with `alive` telling whether the publisher still runs; None without one."""
    published = read_json(path)
    if not isinstance(published, dict):
        return None
    published["alive"] = bool(published.get("running")) and pid_alive(published.get("pid"))
    return published


def read_job(runtime_dir: Path) -> dict[str, Any] | None:
    """What the last (or the running) enrich or metrics run published."""
    return read_published(runtime_dir / JOB_FILE)


def read_serving(runtime_dir: Path) -> dict[str, Any] | None:
    """The API the last (or the running) serving process published (its `url`)."""
    return read_published(runtime_dir / SERVING_FILE)
