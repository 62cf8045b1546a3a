"""Pure decoding of the Polygon logs polyrank reads: the exchanges' `OrderFilled` (V1 and V2) and
the position-changing events of ConditionalTokens and the NegRiskAdapter. No I/O.

    parse_log(obj) -> ChainLog                   one JSON-RPC log object (eth_getLogs item)
    fill_version(log) -> 1 | 2                   which OrderFilled layout a log has
    decode_fill(log, timestamp) -> Fill          an OrderFilled as a `fills` row (V1 form)
    decode_activity(log, timestamp)              a split / merge / redemption / conversion as
        -> WalletActivity | None                 an `activities` row; None for internal logs
    address_topic(address) -> str                an address as a topic filter value

Every ABI value (log data and indexed uint / bytes / address topics) is decoded by eth_abi in
strict mode, and the data must be exactly the canonical encoding (re-encoding gives it back):
a provider's truncated or padded answer is refused, not half-read. Malformed input raises
`UpstreamDataError` naming the field. Amounts stay exact ints; token ids decimal strings.

The fee of a V2 fill is in USDC (pUSD) micro units whatever the side (on top of a BUY's
payment, out of a SELL's proceeds); a V1 fee is in the asset the order receives. `decode_fill`
stores the event's value unchanged, so a consumer reads a fee by its `exchange_version`
(tests/unit/test_chain_abi.py pins the V2 unit on 21 real fills).

The topic0 values are written out, not computed: hashing needs keccak, which the product does
not depend on; the tests recompute each from its canonical signature.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from eth_abi import decode, encode
from eth_abi.exceptions import DecodingError, EncodingError

from polyrank.errors import InvalidArgument, UpstreamDataError
from polyrank.settings import V2_MIGRATION_TS
from polyrank.upstream.activity import WalletActivity
from polyrank.upstream.records import USDC_ASSET_ID, Fill

SOURCE = "chain"

EXCHANGE_V1 = "0x4bfb41d5b3570defd03c39a9a4d8de6bd8b8982e"
NEG_RISK_EXCHANGE_V1 = "0xc5d563a36ae78145c45a50134d48a1215220f80a"
EXCHANGE_V2 = "0xe111180000d2663c0091e4f400237545b87b996b"
NEG_RISK_EXCHANGE_V2 = "0xe2222d279d744050d28e00520010520000310f59"
EXCHANGES_V1: tuple[str, str] = (EXCHANGE_V1, NEG_RISK_EXCHANGE_V1)
EXCHANGES_V2: tuple[str, str] = (EXCHANGE_V2, NEG_RISK_EXCHANGE_V2)
CONDITIONAL_TOKENS = "0x4d97dcd97ec945f40cf65f87097ace5ea0476045"
NEG_RISK_ADAPTER = "0xd91e80cf2e7be2e162c6513ced06f1dd0da35296"
ACTIVITY_CONTRACTS: tuple[str, str] = (CONDITIONAL_TOKENS, NEG_RISK_ADAPTER)

# OrderFilled(bytes32,address,address,uint256,uint256,uint256,uint256,uint256)
ORDER_FILLED_V1 = "0xd0a08e8c493f9c94f29311604c9de1b4e8c8d4c06bd0c789af57f2d65bfec0f6"
# OrderFilled(bytes32,address,address,uint8,uint256,uint256,uint256,uint256,bytes32,bytes32)
ORDER_FILLED_V2 = "0xd543adfd945773f1a62f74f0ee55a5e3b9b1a28262980ba90b1a89f2ea84d8ee"
# ConditionalTokens: PositionSplit / PositionsMerge(address,address,bytes32,bytes32,uint256[],
# uint256), PayoutRedemption(address,address,bytes32,bytes32,uint256[],uint256)
CTF_POSITION_SPLIT = "0x2e6bb91f8cbcda0c93623c54d0403a43514fabc40084ec96b6d5379a74786298"
CTF_POSITIONS_MERGE = "0x6f13ca62553fcc2bcd2372180a43949c1e4cebba603901ede2f4e14f36b282ca"
CTF_PAYOUT_REDEMPTION = "0x2682012a4a4f1973119f1c9b90745d1bd91fa2bab387344f044cb3586864d18d"
# NegRiskAdapter: PositionSplit / PositionsMerge(address,bytes32,uint256),
# PositionsConverted(address,bytes32,uint256,uint256), PayoutRedemption(address,bytes32,
# uint256[],uint256)
NR_POSITION_SPLIT = "0xbbed930dbfb7907ae2d60ddf78345610214f26419a0128df39b6cc3d9e5df9b0"
NR_POSITIONS_MERGE = "0xba33ac50d8894676597e6e35dc09cff59854708b642cd069d21eb9c7ca072a04"
NR_POSITIONS_CONVERTED = "0xb03d19dddbc72a87e735ff0ea3b57bef133ebe44e1894284916a84044deb367e"
NR_PAYOUT_REDEMPTION = "0x9140a6a270ef945260c03894b3c6b3b2695e9d5101feef0ff24fec960cfd3224"
ACTIVITY_TOPICS: tuple[str, ...] = (
    CTF_POSITION_SPLIT, CTF_POSITIONS_MERGE, CTF_PAYOUT_REDEMPTION,
    NR_POSITION_SPLIT, NR_POSITIONS_MERGE, NR_POSITIONS_CONVERTED, NR_PAYOUT_REDEMPTION)

#: Stakeholders whose logs are a contract acting for a user, never a wallet's own activity:
#: the adapter splits / merges / redeems on ConditionalTokens for the user it logs itself, and
#: the exchanges split and merge while matching orders (those trades are in OrderFilled).
INTERNAL_STAKEHOLDERS = frozenset({NEG_RISK_ADAPTER, *EXCHANGES_V1, *EXCHANGES_V2})

UINT64_MAX = 2**64 - 1  # the `fills` and `activities` amount columns are UInt64
UINT32_MAX = 2**32 - 1  # timestamps are UInt32
BUY, SELL = 0, 1  # V2 `side`: the maker order's side

_ADDRESS = re.compile(r"^0x[0-9a-fA-F]{40}$")
_WORD = re.compile(r"^0x[0-9a-fA-F]{64}$")
_DATA = re.compile(r"^0x(?:[0-9a-fA-F]{2})*$")
_QUANTITY = re.compile(r"^0x[0-9a-fA-F]{1,64}$")


@dataclass(frozen=True, slots=True)
class ChainLog:
    """One log as eth_getLogs returns it; every hex string lower-case."""

    address: str
    topics: tuple[str, ...]
    data: str
    block: int
    tx_hash: str
    log_index: int


# --------------------------------------------------------------------------- JSON-RPC log


def address_topic(address: str) -> str:
    """An address as a 32-byte topic (0x + 64 hex, left-padded, lower-case): the value to
    filter an indexed address on (`maker`, `stakeholder`, ...)."""
    if not isinstance(address, str) or not _ADDRESS.match(address):
        raise InvalidArgument("address", f"not a 0x + 40 hex address: {address!r}")
    return "0x" + encode(["address"], [address.lower()]).hex()


def quantity(raw: Any, field: str, what: str) -> int:
    """A JSON-RPC QUANTITY (0x-hex integer string)."""
    if not isinstance(raw, str) or not _QUANTITY.match(raw):
        raise UpstreamDataError(f"{what}: field `{field}` is not a 0x-hex quantity: {raw!r}")
    return int(raw, 16)


def parse_log(obj: object) -> ChainLog:
    """One eth_getLogs item. A log with `removed: true` (reorged out of the chain) raises: it
    must never be stored."""
    what = "log"
    if not isinstance(obj, dict):
        raise UpstreamDataError(f"{what}: expected an object, got {type(obj).__name__}")
    tx = obj.get("transactionHash")
    if not isinstance(tx, str) or not _WORD.match(tx):
        raise UpstreamDataError(f"{what}: field `transactionHash` is not a 0x + 64 hex hash: "
                                f"{tx!r}")
    tx = tx.lower()
    what = f"log in {tx}"
    log_index = quantity(obj.get("logIndex"), "logIndex", what)
    what = f"log {tx}#{log_index}"
    removed = obj.get("removed", False)
    if removed is True:
        raise UpstreamDataError(f"{what}: field `removed` is true: the log was reorged out")
    if removed not in (False, None):
        raise UpstreamDataError(f"{what}: field `removed` must be a boolean, got {removed!r}")
    if obj.get("blockNumber") is None:
        raise UpstreamDataError(f"{what}: field `blockNumber` is missing (a pending log)")
    block = quantity(obj["blockNumber"], "blockNumber", what)
    address = obj.get("address")
    if not isinstance(address, str) or not _ADDRESS.match(address):
        raise UpstreamDataError(f"{what}: field `address` is not an address: {address!r}")
    topics = obj.get("topics")
    if (not isinstance(topics, list) or len(topics) > 4
            or not all(isinstance(t, str) and _WORD.match(t) for t in topics)):
        raise UpstreamDataError(f"{what}: field `topics` must be a list of at most 4 "
                                f"0x + 64 hex words, got {topics!r}")
    data = obj.get("data")
    if not isinstance(data, str) or not _DATA.match(data):
        raise UpstreamDataError(f"{what}: field `data` is not 0x + whole bytes of hex")
    return ChainLog(address=address.lower(), topics=tuple(t.lower() for t in topics),
                    data=data.lower(), block=block, tx_hash=tx, log_index=log_index)


# --------------------------------------------------------------------------- ABI helpers


def _topic(log: ChainLog, index: int, abi_type: str, name: str, what: str) -> Any:
    """Indexed field `name` (topic `index`) decoded as `abi_type`."""
    try:
        (value,) = decode([abi_type], bytes.fromhex(log.topics[index][2:]))
    except DecodingError as exc:
        raise UpstreamDataError(f"{what}: field `{name}` (topic {index}) is not a valid "
                                f"{abi_type}: {exc}") from None
    if abi_type == "address":
        return value.lower()
    if abi_type == "bytes32":
        return "0x" + value.hex()
    return value


def _data(log: ChainLog, types: Sequence[str], what: str) -> tuple[Any, ...]:
    """The log's data decoded as `types`; it must be exactly their canonical encoding."""
    raw = bytes.fromhex(log.data[2:])
    layout = f"({','.join(types)})"
    try:
        values = decode(types, raw)
    except DecodingError as exc:
        raise UpstreamDataError(f"{what}: field `data` ({len(raw)} bytes) does not decode as "
                                f"{layout}: {exc}") from None
    try:
        canonical = encode(types, values)
    except EncodingError as exc:  # pragma: no cover - decode's output always encodes
        raise UpstreamDataError(f"{what}: field `data`: {exc}") from None
    if canonical != raw:
        raise UpstreamDataError(f"{what}: field `data` ({len(raw)} bytes) is not the exact "
                                f"encoding of {layout} ({len(canonical)} bytes)")
    return values


def _topics(log: ChainLog, count: int, what: str) -> None:
    if len(log.topics) != count:
        raise UpstreamDataError(f"{what}: expected {count} topics (topic0 and {count - 1} "
                                f"indexed fields), got {len(log.topics)}")


def _uint64(value: int, name: str, what: str) -> int:
    if value > UINT64_MAX:
        raise UpstreamDataError(f"{what}: field `{name}` = {value} does not fit a UInt64 "
                                "amount column")
    return value


def _timestamp(timestamp: int, what: str) -> int:
    if isinstance(timestamp, bool) or not isinstance(timestamp, int) \
            or not 0 <= timestamp <= UINT32_MAX:
        raise UpstreamDataError(f"{what}: block timestamp {timestamp!r} is not a UInt32")
    return timestamp


def _emitted_by(log: ChainLog, contracts: Sequence[str], name: str, what: str) -> None:
    if log.address not in contracts:
        raise UpstreamDataError(f"{what}: field `address` (the emitting contract) is "
                                f"{log.address}, not {name} ({', '.join(contracts)})")


# --------------------------------------------------------------------------- fills


def fill_version(log: ChainLog) -> int:
    """1 or 2: which exchange generation's OrderFilled the log is, by its topic0."""
    topic0 = log.topics[0] if log.topics else None
    if topic0 == ORDER_FILLED_V1:
        return 1
    if topic0 == ORDER_FILLED_V2:
        return 2
    raise UpstreamDataError(f"log {log.tx_hash}#{log.log_index}: topic0 {topic0} is not an "
                            "OrderFilled event")


def decode_fill(log: ChainLog, timestamp: int) -> Fill:
    """An OrderFilled log as the `fills` row the orderbook subgraph would give: id
    `<txHash>_<orderHash>`, maker = the order's owner, asset ids in the V1 form ("0" = USDC on
    the side the order pays or receives USDC). `timestamp` is the block's."""
    version = fill_version(log)
    what = f"OrderFilled V{version} {log.tx_hash}#{log.log_index}"
    _emitted_by(log, EXCHANGES_V1 if version == 1 else EXCHANGES_V2,
                f"a V{version} exchange", what)
    _topics(log, 4, what)
    order_hash = _topic(log, 1, "bytes32", "orderHash", what)
    maker = _topic(log, 2, "address", "maker", what)
    taker = _topic(log, 3, "address", "taker", what)
    if version == 1:
        maker_asset, taker_asset, maker_amount, taker_amount, fee = _data(
            log, ["uint256"] * 5, what)
        if (maker_asset == 0) == (taker_asset == 0):
            raise UpstreamDataError(f"{what}: exactly one of `makerAssetId` ({maker_asset}) and "
                                    f"`takerAssetId` ({taker_asset}) must be 0 (USDC)")
        maker_asset_id, taker_asset_id = str(maker_asset), str(taker_asset)
    else:
        side, token, maker_amount, taker_amount, fee, _builder, _metadata = _data(
            log, ["uint8", "uint256", "uint256", "uint256", "uint256", "bytes32", "bytes32"],
            what)
        if side not in (BUY, SELL):
            raise UpstreamDataError(f"{what}: field `side` is {side}, expected 0 (BUY) or "
                                    "1 (SELL)")
        if token == 0:
            raise UpstreamDataError(f"{what}: field `tokenId` is 0, not an outcome token")
        if side == BUY:
            maker_asset_id, taker_asset_id = USDC_ASSET_ID, str(token)
        else:
            maker_asset_id, taker_asset_id = str(token), USDC_ASSET_ID
    return Fill(
        id=f"{log.tx_hash}_{order_hash}", transaction_hash=log.tx_hash,
        timestamp=_timestamp(timestamp, what), order_hash=order_hash, maker=maker, taker=taker,
        maker_asset_id=maker_asset_id, taker_asset_id=taker_asset_id,
        maker_amount_filled=_uint64(maker_amount, "makerAmountFilled", what),
        taker_amount_filled=_uint64(taker_amount, "takerAmountFilled", what),
        fee=_uint64(fee, "fee", what))


# --------------------------------------------------------------------------- activities

_CTF_KINDS = {CTF_POSITION_SPLIT: "split", CTF_POSITIONS_MERGE: "merge",
              CTF_PAYOUT_REDEMPTION: "redeem"}
_ADAPTER_KINDS = {NR_POSITION_SPLIT: "split", NR_POSITIONS_MERGE: "merge",
                  NR_POSITIONS_CONVERTED: "conversion", NR_PAYOUT_REDEMPTION: "redeem"}


def decode_activity(log: ChainLog, timestamp: int) -> WalletActivity | None:
    """A split, merge, redemption or neg-risk conversion log as an `activities` row (id
    `<txHash>_<logIndex>`), or None when the stakeholder is the adapter or an exchange: such a
    log is one leg of an action logged for its user elsewhere. ConditionalTokens does not log
    the redeemed amount (only the payout): its redemptions have `amount` 0."""
    topic0 = log.topics[0] if log.topics else None
    where = f"log {log.tx_hash}#{log.log_index}"
    if topic0 in _CTF_KINDS:
        kind = _CTF_KINDS[topic0]
        what = f"ConditionalTokens {kind} {where}"
        _emitted_by(log, (CONDITIONAL_TOKENS,), "ConditionalTokens", what)
        _topics(log, 4, what)
        who = _topic(log, 1, "address", "redeemer" if kind == "redeem" else "stakeholder",
                     what)
        index_set = 0
        if kind == "redeem":
            _topic(log, 2, "address", "collateralToken", what)
            _topic(log, 3, "bytes32", "parentCollectionId", what)
            condition, _index_sets, payout = _data(
                log, ["bytes32", "uint256[]", "uint256"], what)
            condition, amount, usdc = "0x" + condition.hex(), 0, _uint64(payout, "payout", what)
        else:
            _topic(log, 2, "bytes32", "parentCollectionId", what)
            condition = _topic(log, 3, "bytes32", "conditionId", what)
            _collateral, _partition, amount = _data(
                log, ["address", "uint256[]", "uint256"], what)
            amount, usdc = _uint64(amount, "amount", what), 0
    elif topic0 in _ADAPTER_KINDS:
        kind = _ADAPTER_KINDS[topic0]
        what = f"NegRiskAdapter {kind} {where}"
        _emitted_by(log, (NEG_RISK_ADAPTER,), "the NegRiskAdapter", what)
        _topics(log, 4 if kind == "conversion" else 3, what)
        who = _topic(log, 1, "address", "redeemer" if kind == "redeem" else "stakeholder",
                     what)
        condition = _topic(log, 2, "bytes32", "marketId" if kind == "conversion"
                           else "conditionId", what)
        index_set, usdc = 0, 0
        if kind == "redeem":
            amounts, payout = _data(log, ["uint256[]", "uint256"], what)
            amount = _uint64(sum(amounts), "amounts", what)
            usdc = _uint64(payout, "payout", what)
        else:
            (amount,) = _data(log, ["uint256"], what)
            amount = _uint64(amount, "amount", what)
            if kind == "conversion":
                index_set = _topic(log, 3, "uint256", "indexSet", what)
    else:
        raise UpstreamDataError(f"{where} from {log.address}: topic0 {topic0} is not a split, "
                                "merge, redemption or conversion event")
    timestamp = _timestamp(timestamp, what)
    if who in INTERNAL_STAKEHOLDERS:
        return None
    return WalletActivity(
        id=f"{log.tx_hash}_{log.log_index}", wallet=who, kind=kind, timestamp=timestamp,
        condition_id=condition, amount=amount, usdc=usdc, tx_hash=log.tx_hash,
        index_set=index_set, source=SOURCE,
        exchange_version=2 if timestamp >= V2_MIGRATION_TS else 1, question_count=0)
