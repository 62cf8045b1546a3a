"""Progress reporting as a pluggable collector: null (tests), log lines (cron), Rich bars (TTY).

Library code never prints. It asks the collector for a task and advances it:

    with progress.task("fills", total=n) as task:
        task.advance(k)
"""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Protocol

from polyrank.runtime_files import JOB_FILE, write_json_atomic

log = logging.getLogger("polyrank")


class Task(Protocol):
    def advance(self, n: int = 1) -> None: ...

    def update(self, *, total: int | None = None, note: str | None = None) -> None: ...


class Progress(Protocol):
    def task(self, name: str, total: int | None = None): ...  # context manager yielding a Task


class _NullTask:
    def advance(self, n: int = 1) -> None:
        pass

    def update(self, *, total: int | None = None, note: str | None = None) -> None:
        pass


class NullProgress:
    """Reports nothing: the default for library calls and tests."""

    TASK = _NullTask()  # a task that reports nothing, for code that takes a task

    @contextmanager
    def task(self, name: str, total: int | None = None) -> Iterator[Task]:
        yield self.TASK


class _LogTask:
    def __init__(self, name: str, total: int | None, every_s: float) -> None:
        self.name, self.total, self.every_s = name, total, every_s
        self.done = 0
        self.started = self.last = time.monotonic()

    def advance(self, n: int = 1) -> None:
        self.done += n
        now = time.monotonic()
        if now - self.last >= self.every_s:
            self.last = now
            self._emit(now)

    def update(self, *, total: int | None = None, note: str | None = None) -> None:
        if total is not None:
            self.total = total
        if note:
            self.note = note

    note = ""

    def _emit(self, now: float) -> None:
        rate = self.done / max(now - self.started, 1e-9)
        if self.total:
            pct = 100.0 * self.done / self.total
            eta = (self.total - self.done) / rate if rate > 0 else 0.0
            log.info("%s: %d/%d (%.1f%%) %.1f/s, ETA %.0f s%s", self.name, self.done,
                     self.total, pct, rate, eta, f" ({self.note})" if self.note else "")
        elif self.done:
            log.info("%s: %d %.1f/s %s", self.name, self.done, rate, self.note)


class LogProgress:
    """Log lines every `every_s` seconds and at the end: for cron and pipes."""

    wants_lines = True  # callers may also log a line per item (a terminal shows bars instead)

    def __init__(self, every_s: float = 5.0) -> None:
        self.every_s = every_s

    @contextmanager
    def task(self, name: str, total: int | None = None) -> Iterator[Task]:
        task = _LogTask(name, total, self.every_s)
        yield task
        task._emit(time.monotonic())


class _RichTask:
    def __init__(self, bar, task_id) -> None:
        self.bar, self.task_id = bar, task_id

    def advance(self, n: int = 1) -> None:
        self.bar.advance(self.task_id, n)

    def update(self, *, total: int | None = None, note: str | None = None) -> None:
        kwargs = {}
        if total is not None:
            kwargs["total"] = total
        if note is not None:
            kwargs["description"] = note
        self.bar.update(self.task_id, **kwargs)


class RichProgress:
    """Rich progress bars on a terminal; concurrent tasks share one live display (one bar
    each, e.g. a total and one per worker)."""

    def __init__(self) -> None:
        self._bar = None
        self._open = 0

    @contextmanager
    def task(self, name: str, total: int | None = None) -> Iterator[Task]:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TaskProgressColumn,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        if self._bar is None:
            self._bar = Progress(TextColumn("[bold]{task.description}"), BarColumn(),
                                 MofNCompleteColumn(), TaskProgressColumn(),
                                 TimeElapsedColumn(), TimeRemainingColumn())
            self._bar.start()
        self._open += 1
        task_id = self._bar.add_task(name, total=total)
        try:
            yield _RichTask(self._bar, task_id)
        finally:
            self._open -= 1
            if self._open == 0:
                self._bar.stop()
                self._bar = None


class Steps:
    """A job of SQL statements on one task: `plan(n)` adds n statements to its total as they
    become known (a metrics run knows its slices only once it knows which wallets it
    computes), `step(note)` shows the statement that runs and counts it once it is done."""

    def __init__(self, task: Task, name: str) -> None:
        self.task, self.name, self.total = task, name, 0

    def plan(self, n: int) -> None:
        self.total += n
        self.task.update(total=self.total)

    @contextmanager
    def step(self, note: str) -> Iterator[None]:
        self.task.update(note=f"{self.name}: {note}")
        yield
        self.task.advance()


class _PublishedTask:
    def __init__(self, task: Task, path: Path, name: str, total: int | None) -> None:
        self.task = task
        self.path: Path | None = path  # (None once it could not be written)
        self.state = {"job": name, "pid": os.getpid(), "running": True, "step": "",
                      "done": 0, "total": total, "started_at": time.time(),
                      "updated_at": time.time()}

    def advance(self, n: int = 1) -> None:
        self.task.advance(n)
        self.publish(done=self.state["done"] + n)

    def update(self, *, total: int | None = None, note: str | None = None) -> None:
        self.task.update(total=total, note=note)
        self.publish(**{k: v for k, v in (("total", total), ("step", note)) if v is not None})

    def publish(self, **changed: object) -> None:
        self.state.update(changed, updated_at=time.time())
        if self.path is None:
            return
        try:
            write_json_atomic(self.path, self.state)
        except OSError as exc:
            # (the run goes on: only `polyrank status` elsewhere will not see its steps)
            log.warning("cannot publish the steps of the %s run in %s (%s): `polyrank status` "
                        "will not show them", self.state["job"], self.path, exc)
            self.path = None


class Published:
    """Another collector's tasks, each also written to `runtime_dir`/job.json as it moves
    (its name, the step it shows, done and total, when it started, this process's pid), so
    that `polyrank status` in another process says where an enrich or a metrics run stands
    without opening the store (runtime_files.read_job). A statement takes milliseconds at
    least, so the file is replaced at each step: a few dozen times a run."""

    def __init__(self, inner: Progress | None, runtime_dir: Path) -> None:
        self.inner, self.path = inner or NullProgress(), runtime_dir / JOB_FILE

    @contextmanager
    def task(self, name: str, total: int | None = None) -> Iterator[Task]:
        with self.inner.task(name, total) as task:
            published = _PublishedTask(task, self.path, name, total)
            published.publish()
            try:
                yield published
            except BaseException as exc:
                published.publish(running=False, error=str(exc) or type(exc).__name__)
                raise
            published.publish(running=False)


def default_progress() -> Progress:
    """Bars on a terminal, log lines otherwise."""
    return RichProgress() if sys.stderr.isatty() else LogProgress()
