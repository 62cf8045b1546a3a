"""World parameters and the fixed facts of a world (format, addresses, dates)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import UTC, datetime

from polyrank.errors import WorldError

FORMAT = 1

#: 2026-04-28T00:00:00Z: fills at or after it come from the V2 exchanges.
MIGRATION_TS = 1777334400

EXCHANGES = {
    "v1_standard": "0x4bfb41d5b3570defd03c39a9a4d8de6bd8b8982e",
    "v1_neg_risk": "0xc5d563a36ae78145c45a50134d48a1215220f80a",
    "v2_standard": "0xe111180000d2663c0091e4f400237545b87b996b",
    "v2_neg_risk": "0xe2222d279d744050d28e00520010520000310f59",
}

DEFAULT_SEED = 7
DEFAULT_WALLETS = 2000
DEFAULT_MARKETS = 400
#: Target fill rows per market when no `fills` target is given.
DEFAULT_FILLS_PER_MARKET = 500
#: With a `fills` target and no explicit size: one wallet per this many fills (at least 2000) ...
WALLET_PER_FILLS = 200
#: ... and one market per this many fills (at least 400).
MARKET_PER_FILLS = 600
DEFAULT_START = "2025-06-01"
DEFAULT_END = "2026-11-15"


def _parse_date(value: str) -> int:
    try:
        day = datetime.strptime(value, "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError as exc:
        raise WorldError(f"bad date {value!r}: expected YYYY-MM-DD") from exc
    return int(day.timestamp())


@dataclass(frozen=True, kw_only=True)
class WorldParams:
    """How to generate a world. Same parameters and seed: byte-identical data files.

    Each field's `metadata["help"]` is its --help text (see `param_help`).
    """

    seed: int = field(default=DEFAULT_SEED, metadata={
        "help": "Random seed: the same seed gives the same world."})
    wallets: int | None = field(default=None, metadata={
        "help": "Number of wallets (default 2000, or fills/200 when a fills target is given)."})
    markets: int | None = field(default=None, metadata={
        "help": "Approximate number of markets (default 400, or fills/600 when a fills target "
                "is given)."})
    fills: int | None = field(default=None, metadata={
        "help": "Approximate target number of fill rows; scales trading activity "
                "(default 500 per market)."})
    start: str = field(default=DEFAULT_START, metadata={
        "help": "First day of trading (YYYY-MM-DD, UTC)."})
    end: str = field(default=DEFAULT_END, metadata={
        "help": "Last day of trading (YYYY-MM-DD, UTC); the latest fill (the as-of time) is "
                "its last second."})
    neg_risk_share: float = field(default=0.25, metadata={
        "help": "Share of events that are neg-risk (3-8 mutually exclusive markets)."})
    open_share: float = field(default=0.08, metadata={
        "help": "Share of events still open (unresolved) at the end of the world."})
    redeem_share: float = field(default=0.7, metadata={
        "help": "Share of holders of a winning side that redeem after resolution (the rest "
                "never do; holders of losing sides only redeem a quarter of the time)."})

    def resolved(self) -> WorldParams:
        """A copy with every size default filled in and values checked."""
        fills = self.fills
        wallets = self.wallets
        markets = self.markets
        if fills is not None and fills < 1000:
            raise WorldError(f"fills target must be at least 1000, got {fills}")
        if wallets is None:
            wallets = DEFAULT_WALLETS if fills is None else max(
                DEFAULT_WALLETS, fills // WALLET_PER_FILLS)
        if markets is None:
            markets = DEFAULT_MARKETS if fills is None else max(
                DEFAULT_MARKETS, fills // MARKET_PER_FILLS)
        if fills is None:
            fills = markets * DEFAULT_FILLS_PER_MARKET
        if wallets < 50:
            raise WorldError(f"a world needs at least 50 wallets, got {wallets}")
        if markets < 10:
            raise WorldError(f"a world needs at least 10 markets, got {markets}")
        for name in ("neg_risk_share", "open_share", "redeem_share"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise WorldError(f"{name} must be within [0, 1], got {value}")
        if self.start_ts + 60 * 86400 > self.end_ts:
            raise WorldError("the world must span at least 60 days (start .. end)")
        return dataclasses.replace(self, wallets=wallets, markets=markets, fills=fills)

    @property
    def start_ts(self) -> int:
        return _parse_date(self.start)

    @property
    def end_ts(self) -> int:
        """The last second of the `end` day."""
        return _parse_date(self.end) + 86400 - 1


def param_help() -> dict[str, str]:
    """Field name -> one-line help text, for command-line options."""
    return {f.name: f.metadata["help"] for f in dataclasses.fields(WorldParams)}
