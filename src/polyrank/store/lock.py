"""One process per embedded store folder: an advisory lock with a readable owner note.

chDB itself refuses a second process with a raw engine error; this lock turns that into a
clear message that names the folder and the process holding it."""

from __future__ import annotations

import fcntl
import json
import os
import sys
import time
from pathlib import Path

from polyrank.errors import StoreLockedError

LOCK_NAME = "polyrank.lock"


class FolderLock:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.path = folder / LOCK_NAME
        self._fd: int | None = None

    def acquire(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise StoreLockedError(self._busy_message(), folder=self.folder,
                                   holder=self.holder()) from None
        os.ftruncate(fd, 0)
        note = {"pid": os.getpid(), "command": " ".join(sys.argv), "since": int(time.time())}
        os.write(fd, json.dumps(note).encode())
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def holder(self) -> dict:
        """What the holding process wrote about itself (best effort)."""
        try:
            return json.loads(self.path.read_text() or "{}")
        except (OSError, ValueError):
            return {}

    def _busy_message(self) -> str:
        who = self.holder()
        by = f" by pid {who['pid']} ({who.get('command', '?')})" if "pid" in who else ""
        return (
            f"the embedded store at {self.folder} is in use{by}. chDB allows one process per "
            "data folder: wait for that process to finish or stop it, use `polyrank status` "
            "to see what it is doing, or point --store at another folder (or a ClickHouse "
            "server DSN for concurrent access)."
        )
