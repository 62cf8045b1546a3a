"""Pure parser of Data API activity rows (`/activity`, v1 camelCase, and `/v2/...` snake_case),
with the same conventions as `polyrank.upstream.records`: exact decimals, token ids as
strings, malformed input -> UpstreamDataError naming the field."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from polyrank.errors import UpstreamDataError
from polyrank.upstream.records import _ADDRESS, _DECIMAL_ID, _decimal


@dataclass(frozen=True, slots=True)
class Activity:
    """A Data API activity row. Sizes are decimal numbers as the API reports them."""

    proxy_wallet: str
    timestamp: int
    type: str  # TRADE, SPLIT, MERGE, REDEEM, CONVERSION, REWARD, ... (unknown types kept)
    condition_id: str | None
    size: Decimal
    usdc_size: Decimal
    price: Decimal | None
    transaction_hash: str | None
    asset: str | None  # token id (decimal string), "" on some REDEEM rows
    side: str | None  # BUY | SELL, None when not a trade
    outcome_index: int | None
    outcome: str | None
    title: str | None
    slug: str | None
    event_slug: str | None



def _pick(obj: dict, camel: str, snake: str) -> Any:
    return obj[camel] if camel in obj else obj.get(snake)


def parse_activity(obj: Any) -> Activity:
    """A Data API `/activity` (v1, camelCase) or `/v2/activity` (snake_case) row."""
    what = "activity row"
    if not isinstance(obj, dict):
        raise UpstreamDataError(f"{what}: expected an object, got {type(obj).__name__}")
    wallet = _pick(obj, "proxyWallet", "proxy_wallet")
    if not isinstance(wallet, str) or not _ADDRESS.match(wallet):
        raise UpstreamDataError(f"{what}: field `proxyWallet` is not an address: {wallet!r}")
    ts = obj.get("timestamp")
    if isinstance(ts, bool) or not isinstance(ts, int):
        raise UpstreamDataError(f"{what}: field `timestamp` must be an integer, got {ts!r}")
    kind = obj.get("type", "TRADE")  # /trades rows carry no type
    if not isinstance(kind, str) or not kind:
        raise UpstreamDataError(f"{what}: field `type` must be a string, got {kind!r}")
    size = _pick(obj, "size", "size")
    usdc = _pick(obj, "usdcSize", "usdc_size")
    price = obj.get("price")
    outcome_index = _pick(obj, "outcomeIndex", "outcome_index")
    if outcome_index is not None and (isinstance(outcome_index, bool)
                                      or not isinstance(outcome_index, int)):
        raise UpstreamDataError(f"{what}: field `outcomeIndex` must be an integer")
    asset = _pick(obj, "asset", "token_id")
    if asset not in (None, "") and not (isinstance(asset, str) and _DECIMAL_ID.match(asset)):
        raise UpstreamDataError(f"{what}: field `asset` is not a decimal token id: {asset!r}")
    side = obj.get("side") or None
    if side not in (None, "BUY", "SELL"):
        raise UpstreamDataError(f"{what}: field `side` must be BUY or SELL, got {side!r}")
    return Activity(
        proxy_wallet=wallet.lower(),
        timestamp=ts,
        type=kind,
        condition_id=_pick(obj, "conditionId", "condition_id") or None,
        size=_decimal(0 if size is None else size, "size", what),
        usdc_size=_decimal(0 if usdc is None else usdc, "usdcSize", what),
        price=None if price is None else _decimal(price, "price", what),
        transaction_hash=_pick(obj, "transactionHash", "transaction_hash") or None,
        asset=asset,
        side=side,
        outcome_index=outcome_index,
        outcome=obj.get("outcome") or None,
        title=obj.get("title") or None,
        slug=obj.get("slug") or None,
        event_slug=_pick(obj, "eventSlug", "event_slug") or None,
    )
