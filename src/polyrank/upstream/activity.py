"""Pure parser of Data API activity rows (`/activity`, v1 camelCase, and `/v2/...` snake_case),
with the same conventions as `polyrank.upstream.records`: exact decimals, token ids as
strings, malformed input -> UpstreamDataError naming the field.

    parse_activity(obj) -> Activity             one `/activity` row
    to_micro(value, field, what) -> int         a decimal amount as exact micro units
    activity_fills(rows, wallet) -> list[Fill]  a wallet's TRADE rows as `fills` rows
    sort_rows(rows) -> Sorted                   TRADE rows, position-changing rows, skipped
    wallet_activities(rows, wallet)             a wallet's SPLIT/MERGE/REDEEM/CONVERSION rows
        -> list[WalletActivity]                 as `activities` rows

TRADE rows become `Fill`s in the V1 form the `fills` table expects (BUY: maker asset "0",
taker asset = token; SELL: the reverse), owned by the wallet (`maker`), with `fee` 0 (the
Data API carries no fee), no order hash and no counterparty. Their id is derived, since the
Data API has no order hash: `<txHash>_0x<sha256 hex>` over (wallet, tx, token, side, shares,
usdc, n) where n numbers the rows identical in all of these (0, 1, ...). Identical rows are
interchangeable, so the ids depend only on the multiset of rows fetched, never on the order
the server lists rows that share a timestamp: re-fetching gives the same ids. (The second part
looks like an order hash on purpose: enrichment reads its first 8 bytes as a tie-break key.)

SPLIT, MERGE, REDEEM and CONVERSION rows change positions too: they become `activities` rows
(kind split | merge | redeem | conversion; `amount` = size, `usdc` = the REDEEM payout, else 0;
`index_set` and `question_count` 0: polyrank reads a conversion as one CONVERSION row per
converted question, sharing the transaction, and enrichment groups them), with ids derived
the same way under their own domain: `<txHash>_0x<sha256 hex>` over (wallet, tx, kind,
condition, token, amount, usdc, n). REWARD, YIELD, rebates, referral rewards, deposits
and withdrawals are recognised and skipped (counted); any other type fails the wallet, since
it might change positions.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from polyrank.errors import UpstreamDataError
from polyrank.upstream.records import _ADDRESS, _DECIMAL_ID, USDC_ASSET_ID, Fill, _decimal

MICRO = 6  # USDC and outcome shares both have 6 decimals on chain
_TX_HASH = re.compile(r"^0x[0-9a-f]{64}$")
_ID_DOMAIN = b"polyrank/data-api-fill/1"
_ACTIVITY_ID_DOMAIN = b"polyrank/data-api-activity/1"
_CONDITION = re.compile(r"^0x[0-9a-f]{64}$")
# Data API type -> `activities.kind`: the rows besides trades that change positions
POSITION_KINDS = {"SPLIT": "split", "MERGE": "merge", "REDEEM": "redeem",
                  "CONVERSION": "conversion"}
# income and transfers, not trading: recognised, skipped (counted)
SKIPPED_TYPES = frozenset({"REWARD", "YIELD", "MAKER_REBATE", "TAKER_REBATE",
                           "REFERRAL_REWARD", "DEPOSIT", "WITHDRAWAL"})


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


def to_micro(value: Decimal, field: str, what: str) -> int:
    """An API decimal (shares or USDC) as exact micro units: 12.345678 -> 12345678. Refuses
    negative values and anything finer than a micro unit (that would not be a chain amount)."""
    scaled = value.scaleb(MICRO)
    if scaled < 0 or scaled != scaled.to_integral_value():
        raise UpstreamDataError(
            f"{what}: field `{field}` = {value} is not a whole number of micro units "
            f"(1e-{MICRO})")
    return int(scaled)


def fill_id(wallet: str, tx: str, token: str, side: str, shares: int, usdc: int,
            occurrence: int) -> str:
    """The derived id of a Data API trade row (see the module docstring)."""
    key = f"{wallet}|{tx}|{token}|{side}|{shares}|{usdc}|{occurrence}".encode()
    return f"{tx}_0x{hashlib.sha256(_ID_DOMAIN + b'|' + key).hexdigest()}"


def activity_fills(rows: Iterable[Activity], wallet: str) -> list[Fill]:
    """The wallet's TRADE rows as fills with derived ids, in (timestamp, id) order."""
    wallet = wallet.lower()
    seen: Counter[tuple] = Counter()
    out = []
    for row in rows:
        what = f"Data API trade of {wallet} in {row.transaction_hash}"
        if row.type != "TRADE":
            raise UpstreamDataError(f"{what}: type {row.type!r}, expected TRADE")
        if row.proxy_wallet != wallet:
            raise UpstreamDataError(f"{what}: proxyWallet {row.proxy_wallet} is not the wallet")
        tx = (row.transaction_hash or "").lower()
        if not _TX_HASH.match(tx):
            raise UpstreamDataError(f"{what}: field `transactionHash` is not a 0x + 64 hex hash")
        if not row.asset:
            raise UpstreamDataError(f"{what}: field `asset` (the token id) is missing")
        if row.side is None:
            raise UpstreamDataError(f"{what}: field `side` is missing")
        token = str(int(row.asset))  # canonical, like the orderbook subgraph's ids
        shares = to_micro(row.size, "size", what)
        usdc = to_micro(row.usdc_size, "usdcSize", what)
        if shares == 0:
            raise UpstreamDataError(f"{what}: field `size` is 0")
        if usdc > shares:
            raise UpstreamDataError(f"{what}: price above 1 (usdcSize {row.usdc_size} > size "
                                    f"{row.size})")
        key = (tx, token, row.side, shares, usdc)
        occurrence = seen[key]
        seen[key] += 1
        buy = row.side == "BUY"
        out.append(Fill(
            id=fill_id(wallet, tx, token, row.side, shares, usdc, occurrence),
            transaction_hash=tx, timestamp=row.timestamp, order_hash="", maker=wallet,
            taker="", maker_asset_id=USDC_ASSET_ID if buy else token,
            taker_asset_id=token if buy else USDC_ASSET_ID,
            maker_amount_filled=usdc if buy else shares,
            taker_amount_filled=shares if buy else usdc, fee=0))
    out.sort(key=lambda f: (f.timestamp, f.id))
    return out


@dataclass(frozen=True, slots=True)
class WalletActivity:
    """One `activities` row (amounts in micro units): from the Data API (V2 era) or the
    activity subgraph (V1 era, `upstream/activity_subgraph.py`)."""

    id: str
    wallet: str
    kind: str  # split | merge | redeem | conversion
    timestamp: int
    condition_id: str  # lower-case; "" only for a conversion that names none
    amount: int  # shares split / merged / converted / redeemed
    usdc: int  # redeem: the payout (0 for a losing side); 0 for the other kinds
    tx_hash: str
    index_set: int = 0  # conversion: unknown from the Data API
    source: str = "data_api"
    exchange_version: int = 2
    # conversion: the event's question count then (activity subgraph); 0 from the Data API,
    # whose conversion rows are one per converted question
    question_count: int = 0


@dataclass(frozen=True)
class Sorted:
    trades: list[Activity]
    activities: list[Activity]  # SPLIT, MERGE, REDEEM, CONVERSION
    skipped: int  # rows of types that change no position (REWARD, DEPOSIT, ...)


def sort_rows(rows: Iterable[Activity]) -> Sorted:
    """Split a listing into TRADE rows and position-changing activity rows; skip (count) the
    income and transfer types; refuse a type polyrank does not know."""
    trades, acts, skipped = [], [], 0
    for row in rows:
        if row.type == "TRADE":
            trades.append(row)
        elif row.type in POSITION_KINDS:
            acts.append(row)
        elif row.type in SKIPPED_TYPES:
            skipped += 1
        else:
            raise UpstreamDataError(
                f"Data API activity of {row.proxy_wallet} in {row.transaction_hash}: unknown "
                f"type {row.type!r} (it might change positions)")
    return Sorted(trades, acts, skipped)


def activity_id(wallet: str, tx: str, kind: str, condition: str, token: str, amount: int,
                usdc: int, occurrence: int) -> str:
    """The derived id of a Data API activity row (see the module docstring)."""
    key = f"{wallet}|{tx}|{kind}|{condition}|{token}|{amount}|{usdc}|{occurrence}".encode()
    return f"{tx}_0x{hashlib.sha256(_ACTIVITY_ID_DOMAIN + b'|' + key).hexdigest()}"


def wallet_activities(rows: Iterable[Activity], wallet: str) -> list[WalletActivity]:
    """The wallet's SPLIT / MERGE / REDEEM / CONVERSION rows as `activities` rows with derived
    ids, in (timestamp, id) order. A malformed row raises UpstreamDataError naming it."""
    wallet = wallet.lower()
    seen: Counter[tuple] = Counter()
    out = []
    for row in rows:
        what = f"Data API {row.type} of {wallet} in {row.transaction_hash}"
        kind = POSITION_KINDS.get(row.type)
        if kind is None:
            raise UpstreamDataError(f"{what}: type {row.type!r} is not a position-changing "
                                    "activity")
        if row.proxy_wallet != wallet:
            raise UpstreamDataError(f"{what}: proxyWallet {row.proxy_wallet} is not the wallet")
        tx = (row.transaction_hash or "").lower()
        if not _TX_HASH.match(tx):
            raise UpstreamDataError(f"{what}: field `transactionHash` is not a 0x + 64 hex hash")
        condition = (row.condition_id or "").lower()
        # a conversion is kept without one (stored, not folded into positions); the others
        # need it
        if not _CONDITION.match(condition) and (condition or kind != "conversion"):
            raise UpstreamDataError(f"{what}: field `conditionId` is not a 0x + 64 hex id: "
                                    f"{row.condition_id!r}")
        token = str(int(row.asset)) if row.asset else ""
        amount = to_micro(row.size, "size", what)
        usdc = to_micro(row.usdc_size, "usdcSize", what) if kind == "redeem" else 0
        if usdc > amount:
            raise UpstreamDataError(f"{what}: payout above 1 a share (usdcSize {row.usdc_size} "
                                    f"> size {row.size})")
        key = (tx, kind, condition, token, amount, usdc)
        occurrence = seen[key]
        seen[key] += 1
        out.append(WalletActivity(
            id=activity_id(wallet, *key, occurrence), wallet=wallet, kind=kind,
            timestamp=row.timestamp, condition_id=condition, amount=amount, usdc=usdc,
            tx_hash=tx))
    out.sort(key=lambda a: (a.timestamp, a.id))
    return out
