"""Pure parsers for what the upstream services return (docs/protocols.md): no I/O, no globals.

    parse_order_filled(obj) -> Fill          Goldsky orderbook-subgraph `OrderFilledEvent`
    decode_fill(fill, wallet) -> Trade        a `maker == wallet` row as the wallet's trade
    parse_market_data(obj) -> MarketData      orderbook-subgraph `MarketData` (token -> condition)
    parse_condition(obj) -> ConditionPayout   pnl-subgraph `Condition` (on-chain payouts)
    parse_gamma_market(obj) -> GammaMarket    Gamma `/markets` item (or a market inside an event)
    parse_gamma_event(obj) -> GammaEvent      Gamma `/events` item
    parse_gamma_tag(obj) -> GammaTag
    parse_gamma_time(text) -> int             Gamma timestamps ("2026-03-19 23:20:15+00", ISO)
    parse_board_entry(obj) -> BoardEntry      Data API `/v1/leaderboard` row
    parse_holders(body) -> list[Holder]       Data API `/holders` answer (per token, its holders)

Every malformed input raises `UpstreamDataError` whose message names the offending field.
Amounts stay exact: chain integers as `int`, API decimals as `Decimal`, prices as `Fraction`.
Token ids stay decimal strings (uint256 does not fit an int64 and must never be a float).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

from polyrank.errors import UpstreamDataError

USDC_ASSET_ID = "0"
_ADDRESS = re.compile(r"^0x[0-9a-fA-F]{40}$")
_HEX = re.compile(r"^0x[0-9a-fA-F]*$")
_DECIMAL_ID = re.compile(r"^[0-9]{1,78}$")
_INT = re.compile(r"^-?[0-9]+$")


# --------------------------------------------------------------------------- records


@dataclass(frozen=True, slots=True)
class Fill:
    """One `OrderFilled` event as the orderbook subgraph serves it (amounts in micro units)."""

    id: str
    transaction_hash: str
    timestamp: int
    order_hash: str
    maker: str
    taker: str
    maker_asset_id: str
    taker_asset_id: str
    maker_amount_filled: int
    taker_amount_filled: int
    fee: int


@dataclass(frozen=True, slots=True)
class Trade:
    """A fill seen from its maker (the order owner): what the wallet bought or sold."""

    fill_id: str
    wallet: str
    side: str  # "BUY" | "SELL"
    token_id: str
    shares: int  # micro shares
    usdc: int  # micro USDC
    fee: int  # micro units of the asset the order receives (V1)
    price: Fraction  # usdc / shares, in [0, 1]
    timestamp: int
    transaction_hash: str
    order_hash: str
    counterparty: str  # the row's `taker`: the other order's owner, or the exchange


@dataclass(frozen=True, slots=True)
class MarketData:
    token_id: str
    condition_id: str
    outcome_index: int | None


@dataclass(frozen=True, slots=True)
class ConditionPayout:
    """pnl-subgraph `Condition`: unresolved conditions have no numerators and denominator 0."""

    condition_id: str
    payout_numerators: tuple[int, ...]
    payout_denominator: int
    position_ids: tuple[str, ...]

    @property
    def resolved(self) -> bool:
        return self.payout_denominator > 0


@dataclass(frozen=True, slots=True)
class GammaTag:
    id: str
    label: str
    slug: str


@dataclass(frozen=True, slots=True)
class GammaEventRef:
    """The parent event summary carried by a market (`events[]`)."""

    id: str
    slug: str | None
    title: str | None


@dataclass(frozen=True, slots=True)
class GammaMarket:
    id: str
    question: str | None
    condition_id: str
    question_id: str | None
    slug: str | None
    outcomes: tuple[str, ...]
    outcome_prices: tuple[Decimal, ...]
    token_ids: tuple[str, ...]
    active: bool | None
    closed: bool | None
    archived: bool | None
    end_date: int | None
    closed_time: int | None
    uma_resolution_status: str | None
    neg_risk: bool
    neg_risk_market_id: str | None
    volume: Decimal | None
    market_type: str | None
    category: str | None  # legacy and unreliable: categories come from event tags
    events: tuple[GammaEventRef, ...]

    @property
    def resolved(self) -> bool:
        """Resolved per docs/protocols.md §2.4: closed and UMA status "resolved"."""
        return bool(self.closed) and self.uma_resolution_status == "resolved"


@dataclass(frozen=True, slots=True)
class GammaEvent:
    id: str
    slug: str | None
    title: str | None
    active: bool | None
    closed: bool | None
    archived: bool | None
    neg_risk: bool
    neg_risk_market_id: str | None
    markets: tuple[GammaMarket, ...]
    tags: tuple[GammaTag, ...]


# --------------------------------------------------------------------------- field helpers


def _require(obj: Any, key: str, what: str) -> Any:
    if not isinstance(obj, dict):
        raise UpstreamDataError(f"{what}: expected an object, got {type(obj).__name__}")
    if key not in obj or obj[key] is None:
        raise UpstreamDataError(f"{what}: missing field `{key}`")
    return obj[key]


def _int_field(obj: dict, key: str, what: str, *, minimum: int | None = 0) -> int:
    """An integer that the subgraph sends as a JSON string (BigInt); plain ints accepted."""
    raw = _require(obj, key, what)
    if isinstance(raw, bool) or not isinstance(raw, (str, int)):
        raise UpstreamDataError(f"{what}: field `{key}` must be an integer string, got {raw!r}")
    if isinstance(raw, str) and not _INT.match(raw):
        raise UpstreamDataError(f"{what}: field `{key}` is not an integer: {raw!r}")
    value = int(raw)
    if minimum is not None and value < minimum:
        raise UpstreamDataError(f"{what}: field `{key}` must be >= {minimum}, got {value}")
    return value


def _str_field(obj: dict, key: str, what: str) -> str:
    raw = _require(obj, key, what)
    if not isinstance(raw, str):
        raise UpstreamDataError(f"{what}: field `{key}` must be a string, got {raw!r}")
    return raw


def _address(obj: dict, key: str, what: str) -> str:
    raw = _str_field(obj, key, what)
    if not _ADDRESS.match(raw):
        raise UpstreamDataError(f"{what}: field `{key}` is not an address: {raw!r}")
    return raw.lower()


def _hex_field(obj: dict, key: str, what: str) -> str:
    raw = _str_field(obj, key, what)
    if not _HEX.match(raw):
        raise UpstreamDataError(f"{what}: field `{key}` is not 0x-hex: {raw!r}")
    return raw.lower()


def _asset_id(obj: dict, key: str, what: str) -> str:
    raw = _require(obj, key, what)
    if isinstance(raw, int) and not isinstance(raw, bool) and raw >= 0:
        raw = str(raw)
    if not isinstance(raw, str) or not _DECIMAL_ID.match(raw):
        raise UpstreamDataError(f"{what}: field `{key}` is not a decimal token id: {raw!r}")
    return str(int(raw))  # canonical: no leading zeros


def _opt_bool(obj: dict, key: str, what: str) -> bool | None:
    raw = obj.get(key)
    if raw is None:
        return None
    if not isinstance(raw, bool):
        raise UpstreamDataError(f"{what}: field `{key}` must be a boolean, got {raw!r}")
    return raw


def _opt_str(obj: dict, key: str, what: str) -> str | None:
    raw = obj.get(key)
    if raw is None:
        return None
    if not isinstance(raw, str):
        raise UpstreamDataError(f"{what}: field `{key}` must be a string, got {raw!r}")
    return raw


def _decimal(raw: Any, key: str, what: str) -> Decimal:
    if isinstance(raw, bool):
        raise UpstreamDataError(f"{what}: field `{key}` must be a number, got {raw!r}")
    if isinstance(raw, float):
        raw = repr(raw)  # shortest round-trip text: 0.1 stays 0.1
    try:
        value = Decimal(raw) if isinstance(raw, (str, int, Decimal)) else None
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite():
        raise UpstreamDataError(f"{what}: field `{key}` is not a number: {raw!r}")
    return value


def _json_list(obj: dict, key: str, what: str) -> list | None:
    """Gamma sends `outcomes`, `outcomePrices`, `clobTokenIds` as JSON-encoded strings."""
    raw = obj.get(key)
    if raw is None or raw == "":
        return None
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError as exc:
            raise UpstreamDataError(f"{what}: field `{key}` is not a JSON list: {exc}") from None
    if not isinstance(raw, list):
        raise UpstreamDataError(f"{what}: field `{key}` must be a list, got {raw!r}")
    return raw


# --------------------------------------------------------------------------- Goldsky


def parse_order_filled(obj: Any) -> Fill:
    what = "OrderFilledEvent"
    fill_id = _str_field(obj, "id", what)
    return Fill(
        id=fill_id,
        transaction_hash=_hex_field(obj, "transactionHash", what),
        timestamp=_int_field(obj, "timestamp", what),
        order_hash=_hex_field(obj, "orderHash", what),
        maker=_address(obj, "maker", what),
        taker=_address(obj, "taker", what),
        maker_asset_id=_asset_id(obj, "makerAssetId", what),
        taker_asset_id=_asset_id(obj, "takerAssetId", what),
        maker_amount_filled=_int_field(obj, "makerAmountFilled", what),
        taker_amount_filled=_int_field(obj, "takerAmountFilled", what),
        fee=_int_field(obj, "fee", what),
    )


def decode_fill(fill: Fill, wallet: str) -> Trade:
    """Decode a row owned by `wallet` (docs/protocols.md §1.6). Rows where the wallet is only the
    `taker` are its counterparties' rows and must not be decoded as its trades."""
    wallet = wallet.lower()
    if fill.maker != wallet:
        raise UpstreamDataError(
            f"fill {fill.id}: maker {fill.maker} is not the wallet {wallet}; "
            "only maker == wallet rows are the wallet's trades"
        )
    if fill.maker_asset_id == USDC_ASSET_ID:
        if fill.taker_asset_id == USDC_ASSET_ID:
            raise UpstreamDataError(f"fill {fill.id}: both asset ids are USDC")
        side, token, usdc, shares = ("BUY", fill.taker_asset_id, fill.maker_amount_filled,
                                     fill.taker_amount_filled)
    else:
        if fill.taker_asset_id != USDC_ASSET_ID:
            raise UpstreamDataError(
                f"fill {fill.id}: takerAssetId must be \"0\" (USDC) on a SELL, "
                f"got {fill.taker_asset_id}"
            )
        side, token, shares, usdc = ("SELL", fill.maker_asset_id, fill.maker_amount_filled,
                                     fill.taker_amount_filled)
    if shares <= 0:
        raise UpstreamDataError(f"fill {fill.id}: share amount is {shares}, price undefined")
    price = Fraction(usdc, shares)
    if price > 1:
        raise UpstreamDataError(f"fill {fill.id}: price {float(price):.6f} is above 1")
    return Trade(
        fill_id=fill.id,
        wallet=wallet,
        side=side,
        token_id=token,
        shares=shares,
        usdc=usdc,
        fee=fill.fee,
        price=price,
        timestamp=fill.timestamp,
        transaction_hash=fill.transaction_hash,
        order_hash=fill.order_hash,
        counterparty=fill.taker,
    )


def parse_market_data(obj: Any) -> MarketData:
    what = "MarketData"
    outcome = obj.get("outcomeIndex") if isinstance(obj, dict) else None
    return MarketData(
        token_id=_asset_id(obj, "id", what),
        condition_id=_hex_field(obj, "condition", what),
        outcome_index=None if outcome is None else _int_field(obj, "outcomeIndex", what),
    )


def parse_condition(obj: Any) -> ConditionPayout:
    what = "Condition"
    numerators = _require(obj, "payoutNumerators", what)
    if not isinstance(numerators, list):
        raise UpstreamDataError(f"{what}: field `payoutNumerators` must be a list")
    parsed = tuple(
        _int_field({"payoutNumerators": n}, "payoutNumerators", what) for n in numerators
    )
    positions = obj.get("positionIds") or []
    if not isinstance(positions, list):
        raise UpstreamDataError(f"{what}: field `positionIds` must be a list")
    return ConditionPayout(
        condition_id=_hex_field(obj, "id", what),
        payout_numerators=parsed,
        payout_denominator=_int_field(obj, "payoutDenominator", what),
        position_ids=tuple(_asset_id({"positionIds": p}, "positionIds", what) for p in positions),
    )


# --------------------------------------------------------------------------- Gamma

_GAMMA_TIME = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}(?::?\d{2})?)?$"
)


def parse_gamma_time(text: str) -> int:
    """Unix seconds from Gamma's timestamps: `closedTime` is "2026-03-19 23:20:15+00"
    (a Postgres text form, not ISO-T); `endDate` is "2028-01-01T05:00:00Z"; dates alone
    ("2028-01-01") are midnight UTC. Fractional seconds are dropped."""
    if not isinstance(text, str):
        raise ValueError(f"not a timestamp: {text!r}")
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        text += "T00:00:00Z"
    m = _GAMMA_TIME.match(text.strip())
    if not m:
        raise ValueError(f"not a timestamp: {text!r}")
    y, mo, d, h, mi, s, _frac, tz = m.groups()
    base = datetime(int(y), int(mo), int(d), int(h), int(mi), int(s), tzinfo=UTC)
    offset = 0
    if tz and tz != "Z":
        sign = -1 if tz[0] == "-" else 1
        digits = tz[1:].replace(":", "")
        offset = sign * (int(digits[:2]) * 3600 + (int(digits[2:4]) * 60 if digits[2:] else 0))
    return int(base.timestamp()) - offset


def _time_field(obj: dict, key: str, what: str) -> int | None:
    raw = obj.get(key)
    if raw in (None, ""):
        return None
    try:
        return parse_gamma_time(raw)
    except ValueError:
        raise UpstreamDataError(f"{what}: field `{key}` is not a timestamp: {raw!r}") from None


def parse_gamma_tag(obj: Any) -> GammaTag:
    what = "Gamma tag"
    tag_id = _require(obj, "id", what)
    return GammaTag(id=str(tag_id), label=_str_field(obj, "label", what),
                    slug=_str_field(obj, "slug", what))


def parse_gamma_market(obj: Any) -> GammaMarket:
    what = "Gamma market"
    market_id = _require(obj, "id", what)
    what = f"Gamma market {market_id}"
    outcomes = _json_list(obj, "outcomes", what) or []
    prices = _json_list(obj, "outcomePrices", what) or []
    tokens = _json_list(obj, "clobTokenIds", what) or []
    if not all(isinstance(o, str) for o in outcomes):
        raise UpstreamDataError(f"{what}: field `outcomes` must hold strings")
    if prices and len(prices) != len(outcomes):
        raise UpstreamDataError(f"{what}: `outcomePrices` and `outcomes` differ in length")
    if tokens and len(tokens) != len(outcomes):
        raise UpstreamDataError(f"{what}: `clobTokenIds` and `outcomes` differ in length")
    volume = obj.get("volume")
    events = obj.get("events") or []
    if not isinstance(events, list):
        raise UpstreamDataError(f"{what}: field `events` must be a list")
    return GammaMarket(
        id=str(market_id),
        question=_opt_str(obj, "question", what),
        condition_id=_hex_field(obj, "conditionId", what),
        question_id=_opt_str(obj, "questionID", what) or None,
        slug=_opt_str(obj, "slug", what),
        outcomes=tuple(outcomes),
        outcome_prices=tuple(_decimal(p, "outcomePrices", what) for p in prices),
        token_ids=tuple(_asset_id({"clobTokenIds": t}, "clobTokenIds", what) for t in tokens),
        active=_opt_bool(obj, "active", what),
        closed=_opt_bool(obj, "closed", what),
        archived=_opt_bool(obj, "archived", what),
        end_date=_time_field(obj, "endDate", what),
        closed_time=_time_field(obj, "closedTime", what),
        uma_resolution_status=_opt_str(obj, "umaResolutionStatus", what) or None,
        neg_risk=bool(_opt_bool(obj, "negRisk", what)),
        neg_risk_market_id=_opt_str(obj, "negRiskMarketID", what) or None,
        volume=None if volume in (None, "") else _decimal(volume, "volume", what),
        market_type=_opt_str(obj, "marketType", what),
        category=_opt_str(obj, "category", what),
        events=tuple(
            GammaEventRef(id=str(_require(e, "id", f"{what} events[]")),
                          slug=_opt_str(e, "slug", what), title=_opt_str(e, "title", what))
            for e in events
        ),
    )


def parse_gamma_event(obj: Any) -> GammaEvent:
    what = "Gamma event"
    event_id = _require(obj, "id", what)
    what = f"Gamma event {event_id}"
    markets = obj.get("markets") or []
    tags = obj.get("tags") or []
    if not isinstance(markets, list) or not isinstance(tags, list):
        raise UpstreamDataError(f"{what}: `markets` and `tags` must be lists")
    return GammaEvent(
        id=str(event_id),
        slug=_opt_str(obj, "slug", what),
        title=_opt_str(obj, "title", what),
        active=_opt_bool(obj, "active", what),
        closed=_opt_bool(obj, "closed", what),
        archived=_opt_bool(obj, "archived", what),
        neg_risk=bool(_opt_bool(obj, "negRisk", what)),
        neg_risk_market_id=_opt_str(obj, "negRiskMarketID", what) or None,
        markets=tuple(parse_gamma_market(m) for m in markets),
        tags=tuple(parse_gamma_tag(t) for t in tags),
    )
