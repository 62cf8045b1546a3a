"""The polyrank exception tree.

    PolyrankError                 every error polyrank raises on purpose
    ├── ConfigError               bad settings, DSN, flag or input file
    │   └── InvalidArgument       a value a function was given is not one it accepts
    ├── NotFound                  what was asked for is not in the store (a wallet, ...)
    ├── MetricsNotReady           metrics asked for before any metrics run completed
    ├── StoreError                the ClickHouse store failed
    │   ├── StoreLockedError      an embedded store folder is held by another process
    │   └── MigrationError        a schema migration failed
    ├── WorldError                a world folder is missing or malformed
    └── UpstreamError             talking to Goldsky / Gamma / Data API failed
        ├── TransientUpstreamError   worth retrying (429, 5xx, 522, timeouts, broken bodies)
        ├── PermanentUpstreamError   not worth retrying (GraphQL validation, 4xx)
        ├── UpstreamDataError        a response parsed but its content is not what the protocol says
        └── RangeTooLarge            a node refused an eth_getLogs for its size: ask a smaller range

Each class says whether retrying can help (`retryable`). The CLI turns any of them into one
clean message; nothing else catches broadly.
"""

from __future__ import annotations


class PolyrankError(Exception):
    retryable = False


class ConfigError(PolyrankError):
    pass


class InvalidArgument(ConfigError):
    """`name` (a parameter) was given a value it does not accept; `valid` lists the accepted
    ones when there are few."""

    def __init__(self, name: str, message: str, *, valid: list[str] | None = None) -> None:
        super().__init__(message)
        self.name, self.valid = name, valid


class NotFound(PolyrankError):
    pass


class MetricsNotReady(PolyrankError):
    """Metrics were asked for before any metrics run completed; `stage` says where the
    pipeline is."""

    def __init__(self, stage: str) -> None:
        super().__init__(f"metrics are not computed yet: the pipeline is at stage {stage!r}")
        self.stage = stage


class StoreError(PolyrankError):
    pass


class StoreLockedError(StoreError):
    """An embedded store's folder is held by another process; `holder` is what that process
    wrote about itself (pid, command, since), when readable."""

    def __init__(self, message: str, *, folder: object = None,
                 holder: dict | None = None) -> None:
        super().__init__(message)
        self.folder, self.holder = folder, holder or {}

    @property
    def held_by(self) -> str:
        """"pid N (command)" of the holder, or "another process"."""
        if "pid" not in self.holder:
            return "another process"
        return f"pid {self.holder['pid']} ({self.holder.get('command', '?')})"


class MigrationError(StoreError):
    pass


class WorldError(PolyrankError):
    pass


class UpstreamError(PolyrankError):
    def __init__(self, message: str, *, url: str | None = None, status: int | None = None,
                 retry_after: float | None = None) -> None:
        super().__init__(message)
        self.url, self.status, self.retry_after = url, status, retry_after


class TransientUpstreamError(UpstreamError):
    retryable = True


class PermanentUpstreamError(UpstreamError):
    pass


class UpstreamDataError(UpstreamError):
    pass


class RangeTooLarge(UpstreamError):
    """A JSON-RPC node refused an `eth_getLogs` for its size: its block-range cap or its
    result cap. Not a failure and not retried as is: the caller splits the range. `hint` is
    the range the node suggested (Infura, Alchemy: "[0x.., 0x..]"), when it said one."""

    def __init__(self, message: str, *, url: str | None = None,
                 hint: tuple[int, int] | None = None) -> None:
        super().__init__(message, url=url)
        self.hint = hint
