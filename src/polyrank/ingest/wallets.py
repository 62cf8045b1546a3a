"""Parse a wallet list: one address per line, blank lines and # comments ignored, addresses
lower-cased and de-duplicated, bad lines reported with their line numbers. Pure."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from polyrank.errors import ConfigError

_ADDRESS = re.compile(r"^0x[0-9a-f]{40}$")


@dataclass(frozen=True)
class BadLine:
    line: int
    text: str
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.text!r} ({self.reason})"


@dataclass(frozen=True)
class WalletList:
    wallets: tuple[str, ...]
    bad: tuple[BadLine, ...]
    duplicates: int


def address_problem(text: str) -> str | None:
    """Why `text` (already stripped, lower-cased) is not a wallet address, or None."""
    if _ADDRESS.match(text):
        return None
    if not text.startswith("0x"):
        return "does not start with 0x"
    body = text[2:]
    if re.search(r"[^0-9a-f]", body):
        return "not hexadecimal"
    return f"wrong length: {len(body)} hex digits, want 40"


def parse_wallet_list(text: str) -> WalletList:
    seen: dict[str, None] = {}
    bad: list[BadLine] = []
    duplicates = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip().lower()
        if not line:
            continue
        problem = address_problem(line)
        if problem:
            bad.append(BadLine(number, raw.strip(), problem))
        elif line in seen:
            duplicates += 1
        else:
            seen[line] = None
    return WalletList(tuple(seen), tuple(bad), duplicates)


def read_wallet_list(path: Path, *, strict: bool = False) -> WalletList:
    """Read and parse a wallet file. With strict, any bad line refuses the whole list."""
    parsed = parse_wallet_list(_read_text(path))
    if strict and parsed.bad:
        listed = "; ".join(map(str, parsed.bad[:10]))
        more = f" (and {len(parsed.bad) - 10} more)" if len(parsed.bad) > 10 else ""
        raise ConfigError(f"wallet list {path} has {len(parsed.bad)} invalid line(s): "
                          f"{listed}{more}")
    if not parsed.wallets:
        raise ConfigError(f"wallet list {path} holds no valid wallet address")
    return parsed


_WANT = "give a text file with one 0x wallet address per line"


def _read_text(path: Path) -> str:
    """The file's text, or a ConfigError that names the path and what is wrong with it."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"wallet list {path} does not exist") from None
    except IsADirectoryError:
        raise ConfigError(f"wallet list {path} is a directory: {_WANT}") from None
    except PermissionError:
        raise ConfigError(f"wallet list {path} cannot be read: permission denied") from None
    except OSError as exc:
        raise ConfigError(f"wallet list {path} cannot be read: {exc.strerror or exc}"
                          ) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"wallet list {path} is not UTF-8 text (byte 0x{data[exc.start]:02x} "
                          f"at offset {exc.start}): {_WANT}") from None
    if "\x00" in text:
        raise ConfigError(f"wallet list {path} is a binary file (it holds NUL bytes): {_WANT}")
    return text


def shard(wallets: tuple[str, ...], spec: str | None, name: str = "shard"
          ) -> tuple[str, ...]:
    """Keep shard K of N (`"K/N"`, 1-based) by a stable hash of the address."""
    if not spec:
        return wallets
    m = re.fullmatch(r"(\d+)/(\d+)", spec.strip())
    if not m or not (1 <= int(m.group(1)) <= int(m.group(2))):
        raise ConfigError(f"{name} {spec!r} must be K/N with 1 <= K <= N, e.g. 2/4")
    k, n = int(m.group(1)), int(m.group(2))
    return tuple(w for w in wallets if int(w[-8:], 16) % n == k - 1)
