"""The replay's clock: serve the world as of a moving time T (docs/replay.md, "Clock").

Unset (the default), every row of the world is visible and the chain head is the world's
`as_of_ts`. Set to `at` with `speed` N, T = at + N * (wall seconds since it was set), capped at
the world's `as_of_ts` (the world has nothing later).
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime


class ReplayClock:
    def __init__(self, at: int | None = None, speed: float = 0.0, *, cap: int | None = None,
                 wall: Callable[[], float] = time.monotonic) -> None:
        self._wall = wall
        self._lock = threading.Lock()
        self.cap = cap
        self._at: int | None = None
        self._speed = 0.0
        self._set_wall = 0.0
        if at is not None:
            self.set(at, speed)

    def set(self, at: int | None, speed: float | None = None) -> None:
        """Set T to `at` (None: no clock) advancing `speed` world-seconds per wall-second
        (unchanged when None)."""
        if speed is not None and (not math.isfinite(speed) or speed < 0):
            raise ValueError(f"speed must be a finite number >= 0, not {speed}")
        with self._lock:
            self._at = None if at is None else int(at)
            if speed is not None:
                self._speed = float(speed)
            self._set_wall = self._wall()

    def now(self) -> int | None:
        """T in unix seconds, or None when no clock is set (everything visible)."""
        with self._lock:
            if self._at is None:
                return None
            t = self._at + int(self._speed * (self._wall() - self._set_wall))
        return t if self.cap is None else min(t, self.cap)

    @property
    def speed(self) -> float:
        return self._speed

    def snapshot(self) -> dict:
        return {"at": self.now(), "speed": self._speed}


def parse_time(raw: str) -> int:
    """Unix seconds, or YYYY-MM-DD[THH:MM:SS] read as UTC."""
    raw = raw.strip()
    if raw.lstrip("-").isdigit():
        return int(raw)
    try:
        parsed = datetime.fromisoformat(raw)
    except ValueError:
        raise ValueError(f"not a time (unix seconds or YYYY-MM-DD[THH:MM:SS]): {raw!r}") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return int(parsed.timestamp())
