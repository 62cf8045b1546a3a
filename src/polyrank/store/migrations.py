"""Numbered schema migrations (`schema/NNNN_name.sql`), recorded in `schema_migrations`.

Applied in order on open; a migration already recorded is skipped, so opening is safe to
repeat. A recorded migration whose statements changed is an error: migrations are
append-only. The checksum covers the statements, not the `--` comments, so a comment can be
corrected without breaking existing stores (stores that recorded the older whole-file checksum
are recognised too, see LEGACY_CHECKSUMS)."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from importlib import resources

from polyrank.errors import MigrationError

_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")

BOOTSTRAP = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version UInt32,
    name String,
    checksum String,
    applied_at DateTime64(3, 'UTC') DEFAULT now64(3)
) ENGINE = ReplacingMergeTree ORDER BY version
"""


#: Whole-file checksums that stores recorded before the checksum left comments out, for the
#: files whose comments changed since (every other file's whole-file checksum is computed).
LEGACY_CHECKSUMS: dict[int, frozenset[str]] = {
    1: frozenset({"77c89ee47f030a67"}),
    4: frozenset({"6482c20705205a04"}),
    5: frozenset({"ebebc3ab342a1f1e"}),
}


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        """Of the statements alone (comments and blank lines do not count)."""
        return _digest("\n;\n".join(self.statements()))

    def matches(self, recorded: str) -> bool:
        """Whether a checksum a store recorded is this migration's (current or legacy)."""
        return recorded in {self.checksum, _digest(self.sql),
                            *LEGACY_CHECKSUMS.get(self.version, ())}

    def statements(self) -> list[str]:
        return split_statements(self.sql)


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def split_statements(sql: str) -> list[str]:
    """Split a .sql file on semicolons that end a line; drop comment-only pieces."""
    out = []
    for piece in re.split(r";\s*(?:\n|$)", sql):
        body = "\n".join(line for line in piece.splitlines() if not line.strip().startswith("--"))
        if body.strip():
            out.append(body.strip())
    return out


def discover(package: str = "polyrank.store.schema") -> list[Migration]:
    found = []
    for entry in resources.files(package).iterdir():
        m = _NAME.match(entry.name)
        if m:
            found.append(Migration(int(m.group(1)), m.group(2), entry.read_text()))
    found.sort(key=lambda mig: mig.version)
    versions = [mig.version for mig in found]
    if len(set(versions)) != len(versions):
        raise MigrationError(f"duplicate migration numbers in {package}: {versions}")
    return found


def pending(applied: dict[int, str], available: list[Migration]) -> list[Migration]:
    """The migrations still to apply; refuses a recorded migration whose file changed."""
    todo = []
    for mig in available:
        recorded = applied.get(mig.version)
        if recorded is None:
            todo.append(mig)
        elif not mig.matches(recorded):
            raise MigrationError(
                f"migration {mig.version:04d}_{mig.name}.sql changed after it was applied "
                f"(checksum {recorded} in the store, {mig.checksum} on disk): migrations are "
                "append-only, add a new numbered file instead"
            )
    return todo
