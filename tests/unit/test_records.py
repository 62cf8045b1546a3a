"""The pure upstream parsers against the real captures in tests/fixtures and hand-made rows."""

from __future__ import annotations

import json
from decimal import Decimal
from fractions import Fraction

import pytest

from polyrank.errors import UpstreamDataError
from polyrank.upstream.activity import parse_activity
from polyrank.upstream.records import (
    decode_fill,
    parse_condition,
    parse_gamma_event,
    parse_gamma_market,
    parse_gamma_time,
    parse_market_data,
    parse_order_filled,
)
from tests.conftest import FIXTURES

WALLET = "0x1111111111111111111111111111111111111111"
OTHER = "0x2222222222222222222222222222222222222222"
TOKEN = "60590045489347122735554346200880179420435533609307820342798544098823516727807"


def sample(name: str):
    return json.loads((FIXTURES / name).read_text())


def fill_row(**over) -> dict:
    row = {
        "id": "0x" + "ab" * 32 + "_0x" + "cd" * 32,
        "transactionHash": "0x" + "ab" * 32,
        "timestamp": "1767225600",
        "orderHash": "0x" + "cd" * 32,
        "maker": WALLET,
        "taker": OTHER,
        "makerAssetId": "0",
        "takerAssetId": TOKEN,
        "makerAmountFilled": "6500000",
        "takerAmountFilled": "10000000",
        "fee": "0",
    }
    row.update(over)
    return row


# --------------------------------------------------------------------------- Gamma samples


def test_resolved_binary_market_sample():
    m = parse_gamma_market(sample("gamma/market_closed_binary_resolved.json"))
    assert m.id == "1460332"
    assert m.outcomes == ("Yes", "No")
    assert m.outcome_prices == (Decimal("0"), Decimal("1"))
    assert m.token_ids[0].startswith("1088722961839930549388")
    assert len(m.token_ids[0]) == 78  # kept as a decimal string
    assert m.closed and m.resolved
    assert m.closed_time == 1773962415  # "2026-03-19 23:20:15+00"
    assert m.end_date == parse_gamma_time("2028-01-01T05:00:00Z")
    assert m.neg_risk is False and m.neg_risk_market_id is None


def test_legacy_zero_zero_market_has_no_uma_status():
    m = parse_gamma_market(sample("gamma/market_closed_legacy_zero_zero.json"))
    assert m.closed and m.uma_resolution_status is None and not m.resolved
    assert m.outcome_prices == (Decimal(0), Decimal(0))
    assert m.category is not None  # legacy field, parsed but not used for categories


def test_legacy_scalar_market_parses():
    m = parse_gamma_market(sample("gamma/market_closed_legacy_scalar.json"))
    assert m.market_type == "scalar"
    assert m.outcomes == ("Long", "Short")
    assert sum(m.outcome_prices) == 1
    assert m.closed_time == parse_gamma_time("2021-01-02T21:45:52Z")


def test_neg_risk_event_sample_with_tags():
    (raw,) = sample("gamma/event_negrisk_with_tags.json")
    e = parse_gamma_event(raw)
    assert e.id == "30829" and e.neg_risk
    assert e.neg_risk_market_id.endswith("14700")
    assert [t.slug for t in e.tags][:4] == ["world-elections", "global-elections", "elections",
                                            "politics"]
    assert len(e.markets) == 2
    assert all(m.neg_risk_market_id == e.neg_risk_market_id for m in e.markets)
    assert all(not m.closed and m.closed_time is None for m in e.markets)


def test_market_accepts_real_arrays_as_well_as_json_strings():
    raw = sample("gamma/market_closed_binary_resolved.json")
    as_arrays = dict(raw, outcomes=["Yes", "No"], outcomePrices=["0", "1"],
                     clobTokenIds=json.loads(raw["clobTokenIds"]))
    assert parse_gamma_market(as_arrays) == parse_gamma_market(raw)


@pytest.mark.parametrize(("field", "value"), [
    ("outcomePrices", "[\"0.5\"]"),
    ("clobTokenIds", "not json"),
    ("conditionId", None),
    ("closedTime", "yesterday"),
    ("closed", "true"),
])
def test_malformed_market_names_the_field(field, value):
    raw = dict(sample("gamma/market_closed_binary_resolved.json"), **{field: value})
    with pytest.raises(UpstreamDataError, match=field):
        parse_gamma_market(raw)


@pytest.mark.parametrize(("text", "expected"), [
    ("2026-03-19 23:20:15+00", 1773962415),
    ("2026-03-19T23:20:15Z", 1773962415),
    ("2026-03-19T23:20:15.123456Z", 1773962415),
    ("2026-03-20 01:20:15+02:00", 1773962415),
    ("2024-03-07 20:44:01.258+00", 1709844241),
    ("2028-11-07", 1857168000),
])
def test_gamma_time_formats(text, expected):
    assert parse_gamma_time(text) == expected


# --------------------------------------------------------------------------- Goldsky


def test_order_filled_scalars_become_exact_ints():
    f = parse_order_filled(fill_row(makerAmountFilled="123456789012345678901234567890"))
    assert f.maker_amount_filled == 123456789012345678901234567890
    assert f.timestamp == 1767225600
    assert f.taker_asset_id == TOKEN and isinstance(f.taker_asset_id, str)


@pytest.mark.parametrize(("field", "value"), [
    ("timestamp", "17e8"),
    ("makerAmountFilled", 1.5),
    ("fee", "-1"),
    ("maker", "0x123"),
    ("takerAssetId", "0x12"),
    ("orderHash", "zz"),
    ("takerAmountFilled", None),
])
def test_malformed_fill_names_the_field(field, value):
    with pytest.raises(UpstreamDataError, match=field):
        parse_order_filled(fill_row(**{field: value}))


def test_decode_buy_and_sell():
    buy = decode_fill(parse_order_filled(fill_row()), WALLET.upper().replace("0X", "0x"))
    assert (buy.side, buy.token_id, buy.usdc, buy.shares) == ("BUY", TOKEN, 6500000, 10000000)
    assert buy.price == Fraction(13, 20)
    sell = decode_fill(parse_order_filled(fill_row(
        makerAssetId=TOKEN, takerAssetId="0", makerAmountFilled="3000000",
        takerAmountFilled="1000000")), WALLET)
    assert (sell.side, sell.shares, sell.usdc, sell.price) == ("SELL", 3000000, 1000000,
                                                               Fraction(1, 3))
    assert sell.counterparty == OTHER


def test_decode_refuses_a_row_the_wallet_does_not_own():
    f = parse_order_filled(fill_row(maker=OTHER, taker=WALLET))
    with pytest.raises(UpstreamDataError, match="not the wallet"):
        decode_fill(f, WALLET)


@pytest.mark.parametrize("over", [
    {"makerAssetId": TOKEN, "takerAssetId": TOKEN},
    {"takerAmountFilled": "0"},
    {"makerAmountFilled": "20000000"},  # price 2 > 1
])
def test_decode_rejects_impossible_rows(over):
    with pytest.raises(UpstreamDataError):
        decode_fill(parse_order_filled(fill_row(**over)), WALLET)


def test_condition_unresolved_and_resolved():
    open_ = parse_condition({"id": "0x" + "aa" * 32, "payoutNumerators": [],
                             "payoutDenominator": "0", "positionIds": [TOKEN, "1"]})
    assert not open_.resolved and open_.position_ids == (TOKEN, "1")
    done = parse_condition({"id": "0x" + "aa" * 32, "payoutNumerators": ["1", "1"],
                            "payoutDenominator": "2"})
    assert done.resolved and done.payout_numerators == (1, 1)


def test_market_data():
    md = parse_market_data({"id": TOKEN, "condition": "0x" + "bb" * 32, "outcomeIndex": "1"})
    assert (md.token_id, md.outcome_index) == (TOKEN, 1)
    assert parse_market_data({"id": "5", "condition": "0xbb", "outcomeIndex": None}
                             ).outcome_index is None


# --------------------------------------------------------------------------- Data API


def test_activity_v1_row():
    a = parse_activity({
        "proxyWallet": WALLET, "timestamp": 1786179735, "conditionId": "0x" + "cc" * 32,
        "type": "TRADE", "size": 92.59, "usdcSize": 64.813, "transactionHash": "0x" + "aa" * 32,
        "price": 0.7, "asset": TOKEN, "side": "SELL", "outcomeIndex": 0, "outcome": "T1",
        "title": "t", "slug": "s", "eventSlug": "e"})
    assert a.size == Decimal("92.59") and a.price == Decimal("0.7")
    assert a.side == "SELL" and a.outcome_index == 0


def test_activity_parses_the_v2_sample_rows():
    rows = sample("data_api_v2/trades_captured_sanitized.json")["data"]
    parsed = [parse_activity(r) for r in rows]
    assert parsed[0].asset.startswith("1000000") and parsed[0].type == "TRADE"
    assert parsed[1].price == Decimal("0.709999959")


@pytest.mark.parametrize(("field", "value"), [
    ("timestamp", "1786179735"), ("proxyWallet", "bob"), ("size", "lots"), ("side", "HOLD"),
])
def test_malformed_activity_names_the_field(field, value):
    row = {"proxyWallet": WALLET, "timestamp": 1, "type": "TRADE", "size": 1, "usdcSize": 1,
           "side": "BUY"}
    row[field] = value
    with pytest.raises(UpstreamDataError, match=field):
        parse_activity(row)
