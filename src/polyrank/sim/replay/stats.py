"""Request counters of the replay server, served at `/_replay/stats`.

Counts per route (a JSON-RPC request as `rpc:<method>` or `rpc:batch`), per HTTP status, per
fault kind and per JSON-RPC method answered (`rpc_methods`, batch entries included), plus a
timing summary from which a benchmark can read the request rate it achieved (`rate_per_s`,
`peak_per_s`) and, asked for (`times`), every request's arrival in seconds after the first's
(a benchmark's steady state: the rate after the first rate-limit window).
"""

from __future__ import annotations

import threading
import time
from array import array
from collections import Counter
from collections.abc import Callable


class ReplayStats:
    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self._since = self._clock()
            self._paths: Counter[str] = Counter()
            self._rpc: Counter[str] = Counter()
            self._status: Counter[str] = Counter()
            self._faults: Counter[str] = Counter()
            self._seconds: Counter[int] = Counter()
            self._times = array("d")
            self._durations = array("d")

    def record(self, route: str, status: int | None, fault: str | None,
               duration_s: float) -> None:
        now = self._clock()
        with self._lock:
            self._paths[route] += 1
            self._status["closed" if status is None else str(status)] += 1
            if fault:
                self._faults[fault] += 1
            self._seconds[int(now)] += 1
            self._times.append(now)
            self._durations.append(duration_s)

    def count_rpc(self, methods: list[str]) -> None:
        """Count the JSON-RPC calls a request's handler answered (each entry of a batch)."""
        with self._lock:
            self._rpc.update(methods)

    def snapshot(self, *, times: bool = False) -> dict:
        with self._lock:
            n = len(self._times)
            first = self._times[0] if n else None
            last = self._times[-1] if n else None
            span = (last - first) if n > 1 else 0.0
            durations = sorted(self._durations)

            def pct(p: float) -> float | None:
                if not durations:
                    return None
                return round(1000 * durations[min(len(durations) - 1,
                                                   int(p * len(durations)))], 3)

            return {
                "requests": n,
                "since": self._since,
                "by_path": dict(self._paths),
                "rpc_methods": dict(self._rpc),
                "by_status": dict(self._status),
                "faults": dict(self._faults),
                "timing": {
                    "first": first,
                    "last": last,
                    "duration_s": round(span, 6),
                    "rate_per_s": round((n - 1) / span, 3) if span > 0 else None,
                    "peak_per_s": max(self._seconds.values()) if self._seconds else 0,
                    "handler_ms": {"p50": pct(0.5), "p95": pct(0.95), "max": pct(1.0)},
                    **({"arrivals_s": [round(t - first, 4) for t in self._times]}
                       if times and first is not None else {}),
                },
            }
