"""The chain decoders (upstream/chain/abi.py) on logs built with eth_abi: the topic constants, the
21 real V2 fills of tests/fixtures/chain (which pin the fee's unit), V1 fills, every activity
event in both its adapter and ConditionalTokens forms, and malformed logs."""

from __future__ import annotations

import json
from fractions import Fraction

import pytest
from Crypto.Hash import keccak
from eth_abi import encode

from polyrank.errors import InvalidArgument, UpstreamDataError
from polyrank.settings import V2_MIGRATION_TS
from polyrank.upstream.chain import abi
from polyrank.upstream.chain.abi import (
    ACTIVITY_CONTRACTS,
    ACTIVITY_TOPICS,
    CONDITIONAL_TOKENS,
    EXCHANGES_V1,
    EXCHANGES_V2,
    NEG_RISK_ADAPTER,
    ORDER_FILLED_V1,
    ORDER_FILLED_V2,
    ChainLog,
    address_topic,
    decode_activity,
    decode_fill,
    fill_version,
    parse_log,
)
from polyrank.upstream.records import decode_fill as trade_of
from tests.conftest import FIXTURES

WALLET = "0x1111111111111111111111111111111111111111"
OTHER = "0x2222222222222222222222222222222222222222"
TOKEN = 60590045489347122735554346200880179420435533609307820342798544098823516727807
TX = "0x" + "ab" * 32
ORDER = "0x" + "cd" * 32
CONDITION = "0x" + "c0" * 32
MARKET = "0x" + "4d" * 31 + "00"
PUSD = "0x" + "9c" * 20
TS = V2_MIGRATION_TS + 86_400
V1_TS = V2_MIGRATION_TS - 86_400
SIGNATURES = {
    "ORDER_FILLED_V1": "OrderFilled(bytes32,address,address,uint256,uint256,uint256,uint256,"
                       "uint256)",
    "ORDER_FILLED_V2": "OrderFilled(bytes32,address,address,uint8,uint256,uint256,uint256,"
                       "uint256,bytes32,bytes32)",
    "CTF_POSITION_SPLIT": "PositionSplit(address,address,bytes32,bytes32,uint256[],uint256)",
    "CTF_POSITIONS_MERGE": "PositionsMerge(address,address,bytes32,bytes32,uint256[],uint256)",
    "CTF_PAYOUT_REDEMPTION": "PayoutRedemption(address,address,bytes32,bytes32,uint256[],"
                             "uint256)",
    "NR_POSITION_SPLIT": "PositionSplit(address,bytes32,uint256)",
    "NR_POSITIONS_MERGE": "PositionsMerge(address,bytes32,uint256)",
    "NR_POSITIONS_CONVERTED": "PositionsConverted(address,bytes32,uint256,uint256)",
    "NR_PAYOUT_REDEMPTION": "PayoutRedemption(address,bytes32,uint256[],uint256)",
}


def keccak_hex(text: str) -> str:
    return "0x" + keccak.new(digest_bits=256, data=text.encode()).hexdigest()


def word(types: list[str], values: list) -> str:
    return "0x" + encode(types, values).hex()


def rpc_log(address: str, topics: list[str], data: bytes | str, *, tx: str = TX,
            index: int = 7, block: int = 123_456, **over) -> dict:
    """A log object as eth_getLogs returns it (mixed-case hex, as providers send)."""
    obj = {"address": address.upper().replace("0X", "0x"), "topics": topics,
           "data": data if isinstance(data, str) else "0x" + data.hex(),
           "blockNumber": hex(block), "transactionHash": tx, "transactionIndex": "0x3",
           "blockHash": "0x" + "ee" * 32, "logIndex": hex(index), "removed": False}
    obj.update(over)
    return obj


def v2_fill(side: int, maker_amount: int, taker_amount: int, fee: int, *,
            exchange: str = EXCHANGES_V2[0], maker: str = WALLET, taker: str = OTHER,
            token: int = TOKEN, **over) -> dict:
    data = encode(["uint8", "uint256", "uint256", "uint256", "uint256", "bytes32", "bytes32"],
                  [side, token, maker_amount, taker_amount, fee, b"\x01" * 32, b"\x02" * 32])
    return rpc_log(exchange, [ORDER_FILLED_V2, ORDER, address_topic(maker),
                              address_topic(taker)], data, **over)


def v1_fill(maker_asset: int, taker_asset: int, maker_amount: int, taker_amount: int,
            fee: int, *, exchange: str = EXCHANGES_V1[0], **over) -> dict:
    data = encode(["uint256"] * 5, [maker_asset, taker_asset, maker_amount, taker_amount, fee])
    return rpc_log(exchange, [ORDER_FILLED_V1, ORDER, address_topic(WALLET),
                              address_topic(OTHER)], data, **over)


# --------------------------------------------------------------------------- constants


@pytest.mark.parametrize("name", sorted(SIGNATURES))
def test_topic0_is_the_keccak_of_the_canonical_signature(name):
    assert getattr(abi, name) == keccak_hex(SIGNATURES[name])


def test_activity_topics_and_contracts():
    assert set(ACTIVITY_TOPICS) == {keccak_hex(s) for n, s in SIGNATURES.items()
                                    if not n.startswith("ORDER")}
    assert len(ACTIVITY_TOPICS) == 7
    assert ACTIVITY_CONTRACTS == (CONDITIONAL_TOKENS, NEG_RISK_ADAPTER)
    assert abi.SOURCE == "chain"
    every = (*EXCHANGES_V1, *EXCHANGES_V2, CONDITIONAL_TOKENS, NEG_RISK_ADAPTER)
    assert all(a == a.lower() and len(a) == 42 for a in every)


def test_address_topic_pads_and_lowercases():
    assert address_topic("0xE111180000d2663C0091e4f400237545B87B996B") == (
        "0x000000000000000000000000e111180000d2663c0091e4f400237545b87b996b")
    for bad in ("0x1234", "e111180000d2663c0091e4f400237545b87b996b", None,
                "0x" + "g" * 40):
        with pytest.raises(InvalidArgument, match="address"):
            address_topic(bad)


# --------------------------------------------------------------------------- V2 fills


def real_legs() -> list[dict]:
    return json.loads((FIXTURES / "chain/v2_order_filled_taker_fees.json").read_text())


def test_the_fixture_holds_21_legs_of_both_sides_and_both_exchanges():
    legs = real_legs()
    assert len(legs) == 21
    assert {leg["side"] for leg in legs} == {"BUY", "SELL"}
    assert {leg["exchange"] for leg in legs} == {"standard", "neg_risk"}


@pytest.mark.parametrize("n", range(21))
def test_real_v2_leg_decodes_and_its_fee_is_in_usdc(n):
    leg = real_legs()[n]
    exchange = EXCHANGES_V2[0] if leg["exchange"] == "standard" else EXCHANGES_V2[1]
    maker_amount, taker_amount = int(leg["maker_amount_filled"]), int(leg["taker_amount_filled"])
    fee = int(leg["fee"])
    side = 0 if leg["side"] == "BUY" else 1
    fill = decode_fill(parse_log(v2_fill(side, maker_amount, taker_amount, fee,
                                         exchange=exchange, taker=exchange)), TS)
    assert (fill.maker_amount_filled, fill.taker_amount_filled, fill.fee) == (
        maker_amount, taker_amount, fee)
    trade = trade_of(fill, WALLET)
    assert trade.side == leg["side"] and trade.token_id == str(TOKEN)
    shares, usdc = (taker_amount, maker_amount) if side == 0 else (maker_amount, taker_amount)
    assert (trade.shares, trade.usdc) == (shares, usdc)
    price, rate = Fraction(leg["price"]), Fraction(leg["fee_rate"])
    assert abs(trade.price - price) < Fraction(1, 10_000)
    # the fee in micro USDC: rate x shares x p x (1 - p), floored to 10 micro units
    in_usdc = rate * shares * price * (1 - price)
    assert fee % 10 == 0 and 0 <= in_usdc - fee < 10, (fee, float(in_usdc))
    if rate:  # read in shares, the same fee would be in_usdc / p micro shares: that misses
        in_shares = in_usdc / price
        assert not 0 <= in_shares - fee < 10 and abs(in_shares - fee) > 300


def test_v2_buy_and_sell_take_the_v1_form():
    buy = decode_fill(parse_log(v2_fill(0, 5_000_000, 7_575_758, 85_000)), TS)
    assert (buy.maker_asset_id, buy.taker_asset_id) == ("0", str(TOKEN))
    assert buy.id == f"{TX}_{ORDER}" and buy.order_hash == ORDER
    assert (buy.maker, buy.taker, buy.transaction_hash, buy.timestamp) == (WALLET, OTHER, TX, TS)
    sell = decode_fill(parse_log(v2_fill(1, 7_570_000, 4_920_500, 86_100)), TS)
    assert (sell.maker_asset_id, sell.taker_asset_id) == (str(TOKEN), "0")
    assert (sell.maker_amount_filled, sell.taker_amount_filled) == (7_570_000, 4_920_500)
    assert fill_version(parse_log(v2_fill(0, 1, 1, 0))) == 2


# --------------------------------------------------------------------------- V1 fills


def test_v1_buy_round_trip():
    log = parse_log(v1_fill(0, TOKEN, 6_500_000, 10_000_000, 12_345, index=3))
    assert fill_version(log) == 1
    fill = decode_fill(log, V1_TS)
    assert fill.id == f"{TX}_{ORDER}"
    assert (fill.maker_asset_id, fill.taker_asset_id) == ("0", str(TOKEN))
    assert (fill.maker_amount_filled, fill.taker_amount_filled, fill.fee) == (
        6_500_000, 10_000_000, 12_345)
    trade = trade_of(fill, WALLET)
    assert (trade.side, trade.shares, trade.usdc, trade.price) == (
        "BUY", 10_000_000, 6_500_000, Fraction(13, 20))


def test_v1_sell_on_the_neg_risk_exchange():
    fill = decode_fill(parse_log(v1_fill(TOKEN, 0, 4_000_000, 1_000_000, 0,
                                         exchange=EXCHANGES_V1[1])), V1_TS)
    assert (fill.maker_asset_id, fill.taker_asset_id) == (str(TOKEN), "0")
    assert trade_of(fill, WALLET).side == "SELL"


def test_parse_log_keeps_every_field_lowercase():
    log = parse_log(v1_fill(0, TOKEN, 1, 2, 0, tx="0x" + "AB" * 32, index=0x1f, block=0xbeef))
    assert log == ChainLog(address=EXCHANGES_V1[0], topics=log.topics, data=log.data,
                           block=0xBEEF, tx_hash=TX, log_index=31)
    assert all(t == t.lower() for t in log.topics) and log.data == log.data.lower()


# --------------------------------------------------------------------------- activities


def ctf_split(topic0: str, stakeholder: str, amount: int = 3_000_000, **over) -> dict:
    data = encode(["address", "uint256[]", "uint256"], [PUSD, [1, 2], amount])
    return rpc_log(CONDITIONAL_TOKENS, [topic0, address_topic(stakeholder), "0x" + "00" * 32,
                                        CONDITION], data, **over)


def ctf_redeem(redeemer: str, payout: int = 2_500_000, **over) -> dict:
    data = encode(["bytes32", "uint256[]", "uint256"], [bytes.fromhex(CONDITION[2:]), [1, 2],
                                                        payout])
    return rpc_log(CONDITIONAL_TOKENS, [abi.CTF_PAYOUT_REDEMPTION, address_topic(redeemer),
                                        address_topic(PUSD), "0x" + "00" * 32], data, **over)


def nr_split(topic0: str, stakeholder: str, amount: int = 4_000_000, **over) -> dict:
    return rpc_log(NEG_RISK_ADAPTER, [topic0, address_topic(stakeholder), CONDITION],
                   encode(["uint256"], [amount]), **over)


def nr_convert(stakeholder: str, index_set: int = 0b1011, amount: int = 1_500_000) -> dict:
    return rpc_log(NEG_RISK_ADAPTER, [abi.NR_POSITIONS_CONVERTED, address_topic(stakeholder),
                                      MARKET, word(["uint256"], [index_set])],
                   encode(["uint256"], [amount]))


def nr_redeem(redeemer: str, amounts=(2_000_000, 500_000), payout: int = 2_000_000) -> dict:
    return rpc_log(NEG_RISK_ADAPTER, [abi.NR_PAYOUT_REDEMPTION, address_topic(redeemer),
                                      CONDITION],
                   encode(["uint256[]", "uint256"], [list(amounts), payout]))


@pytest.mark.parametrize(("obj", "kind", "amount", "usdc"), [
    (ctf_split(abi.CTF_POSITION_SPLIT, WALLET), "split", 3_000_000, 0),
    (ctf_split(abi.CTF_POSITIONS_MERGE, WALLET), "merge", 3_000_000, 0),
    (ctf_redeem(WALLET), "redeem", 0, 2_500_000),  # the CTF does not log the amount redeemed
    (nr_split(abi.NR_POSITION_SPLIT, WALLET), "split", 4_000_000, 0),
    (nr_split(abi.NR_POSITIONS_MERGE, WALLET), "merge", 4_000_000, 0),
    (nr_redeem(WALLET), "redeem", 2_500_000, 2_000_000),
], ids=["ctf-split", "ctf-merge", "ctf-redeem", "adapter-split", "adapter-merge",
        "adapter-redeem"])
def test_activity_event_decodes(obj, kind, amount, usdc):
    act = decode_activity(parse_log(obj), TS)
    assert act is not None
    assert (act.id, act.wallet, act.kind, act.timestamp) == (f"{TX}_7", WALLET, kind, TS)
    assert (act.condition_id, act.amount, act.usdc, act.tx_hash) == (CONDITION, amount, usdc, TX)
    assert (act.source, act.exchange_version, act.index_set, act.question_count) == (
        "chain", 2, 0, 0)


def test_conversion_decodes_market_and_index_set():
    act = decode_activity(parse_log(nr_convert(WALLET, index_set=2**255 + 5)), TS)
    assert (act.kind, act.condition_id, act.amount) == ("conversion", MARKET, 1_500_000)
    assert act.index_set == 2**255 + 5 and act.question_count == 0


def test_exchange_version_follows_the_migration_time():
    log = parse_log(nr_split(abi.NR_POSITION_SPLIT, WALLET))
    assert decode_activity(log, V2_MIGRATION_TS - 1).exchange_version == 1
    assert decode_activity(log, V2_MIGRATION_TS).exchange_version == 2


@pytest.mark.parametrize("obj", [
    ctf_split(abi.CTF_POSITION_SPLIT, NEG_RISK_ADAPTER),  # the adapter's leg of a user split
    ctf_split(abi.CTF_POSITIONS_MERGE, NEG_RISK_ADAPTER),
    ctf_redeem(NEG_RISK_ADAPTER),
    ctf_split(abi.CTF_POSITION_SPLIT, EXCHANGES_V1[0]),  # an exchange minting in a match
    ctf_split(abi.CTF_POSITIONS_MERGE, EXCHANGES_V2[0]),
    nr_split(abi.NR_POSITION_SPLIT, EXCHANGES_V1[1]),  # the neg-risk exchange via the adapter
    nr_split(abi.NR_POSITIONS_MERGE, EXCHANGES_V2[1]),
], ids=["ctf-split-adapter", "ctf-merge-adapter", "ctf-redeem-adapter", "ctf-split-v1",
        "ctf-merge-v2", "adapter-split-nr-v1", "adapter-merge-nr-v2"])
def test_internal_logs_are_not_a_wallets_activity(obj):
    assert decode_activity(parse_log(obj), TS) is None


# --------------------------------------------------------------------------- malformed


def _v2_data(**values) -> str:
    """V2 data with chosen values; `side` encoded as a full word, so it can be out of range."""
    row = {"side": 0, "token": TOKEN, "m": 1, "t": 1, "fee": 0}
    row.update(values)
    return "0x" + encode(["uint256", "uint256", "uint256", "uint256", "uint256", "bytes32",
                          "bytes32"], [row["side"], row["token"], row["m"], row["t"],
                                       row["fee"], b"\0" * 32, b"\0" * 32]).hex()


GOOD = v2_fill(0, 5_000_000, 7_575_758, 85_000)


@pytest.mark.parametrize(("obj", "match"), [
    (dict(GOOD, data=GOOD["data"][:-64]), "`data` .*does not decode"),
    (dict(GOOD, data=GOOD["data"] + "00" * 32), "`data` .*not the exact encoding"),
    (dict(GOOD, topics=GOOD["topics"][:3]), "expected 4 topics"),
    (dict(GOOD, address=EXCHANGES_V1[0]), "`address` .*not a V2 exchange"),
    (dict(GOOD, address=CONDITIONAL_TOKENS), "`address` .*not a V2 exchange"),
    (dict(GOOD, data=_v2_data(side=2)), "`side` is 2"),
    (dict(GOOD, data=_v2_data(side=256)), "`data` .*does not decode"),
    (dict(GOOD, data=_v2_data(m=2**64)), "`makerAmountFilled` = 18446744073709551616"),
    (dict(GOOD, data=_v2_data(fee=2**64)), "`fee`"),
    (dict(GOOD, data=_v2_data(token=0)), "`tokenId` is 0"),
    (dict(GOOD, topics=[*GOOD["topics"][:2], "0x01" + GOOD["topics"][2][4:], GOOD["topics"][3]]),
     "`maker` \\(topic 2\\)"),
    (v1_fill(0, TOKEN, 1, 1, 0, exchange=EXCHANGES_V2[1]), "`address` .*not a V1 exchange"),
    (v1_fill(TOKEN, TOKEN + 1, 1, 1, 0), "exactly one of `makerAssetId`"),
    (v1_fill(0, 0, 1, 1, 0), "exactly one of `makerAssetId`"),
])
def test_malformed_fill_names_the_problem(obj, match):
    with pytest.raises(UpstreamDataError, match=match):
        decode_fill(parse_log(obj), TS)


@pytest.mark.parametrize(("obj", "match"), [
    (dict(GOOD, removed=True), "`removed` is true"),
    (dict(GOOD, removed="yes"), "`removed` must be a boolean"),
    (dict(GOOD, blockNumber=None), "`blockNumber` is missing"),
    (dict(GOOD, blockNumber="12"), "`blockNumber` is not a 0x-hex"),
    (dict(GOOD, logIndex=7), "`logIndex`"),
    (dict(GOOD, transactionHash="0x1234"), "`transactionHash`"),
    (dict(GOOD, address="0x1234"), "`address` is not an address"),
    (dict(GOOD, topics="0x00"), "`topics`"),
    (dict(GOOD, topics=[*GOOD["topics"], ORDER]), "`topics`"),
    (dict(GOOD, topics=[ORDER_FILLED_V2[:-2]]), "`topics`"),
    (dict(GOOD, data="0x123"), "`data`"),
    (dict(GOOD, data=None), "`data`"),
    ([GOOD], "expected an object"),
])
def test_malformed_log_object_names_the_field(obj, match):
    with pytest.raises(UpstreamDataError, match=match):
        parse_log(obj)


def test_fill_version_refuses_another_event():
    with pytest.raises(UpstreamDataError, match="not an OrderFilled"):
        fill_version(parse_log(nr_split(abi.NR_POSITION_SPLIT, WALLET)))
    with pytest.raises(UpstreamDataError, match="not an OrderFilled"):
        decode_fill(parse_log(dict(GOOD, topics=[])), TS)


@pytest.mark.parametrize("timestamp", [-1, 2**32, "1777334400", None, True])
def test_a_bad_timestamp_is_refused(timestamp):
    with pytest.raises(UpstreamDataError, match="timestamp"):
        decode_fill(parse_log(GOOD), timestamp)
    with pytest.raises(UpstreamDataError, match="timestamp"):
        decode_activity(parse_log(nr_split(abi.NR_POSITION_SPLIT, WALLET)), timestamp)


@pytest.mark.parametrize(("obj", "match"), [
    (GOOD, "topic0 .* is not a split"),  # an OrderFilled is not an activity
    (dict(ctf_split(abi.CTF_POSITION_SPLIT, WALLET), address=NEG_RISK_ADAPTER),
     "`address` .*not ConditionalTokens"),
    (dict(nr_split(abi.NR_POSITION_SPLIT, WALLET), address=CONDITIONAL_TOKENS),
     "`address` .*not the NegRiskAdapter"),
    (dict(nr_split(abi.NR_POSITION_SPLIT, WALLET), data="0x"), "`data`"),
    (nr_split(abi.NR_POSITIONS_MERGE, WALLET, amount=2**64), "`amount` = 18446744073709551616"),
    (ctf_split(abi.CTF_POSITION_SPLIT, WALLET, amount=2**64), "`amount`"),
    (ctf_redeem(WALLET, payout=2**64), "`payout`"),
    (nr_redeem(WALLET, amounts=(2**63, 2**63)), "`amounts`"),
    (dict(nr_convert(WALLET), topics=nr_convert(WALLET)["topics"][:3]), "expected 4 topics"),
    (dict(ctf_redeem(WALLET), data=ctf_redeem(WALLET)["data"] + "00" * 32),
     "not the exact encoding"),
    # a malformed internal log raises too: it is validated before it is skipped
    (dict(ctf_redeem(NEG_RISK_ADAPTER), data="0x" + "00" * 32), "`data`"),
])
def test_malformed_activity_names_the_problem(obj, match):
    with pytest.raises(UpstreamDataError, match=match):
        decode_activity(parse_log(obj), TS)
