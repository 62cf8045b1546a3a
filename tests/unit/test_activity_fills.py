"""Data API trade rows -> `fills` rows: exact micro amounts, V1 asset form, stable ids."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from polyrank.errors import UpstreamDataError
from polyrank.ingest.v2 import v2_start, without_known
from polyrank.settings import V2_MIGRATION_TS
from polyrank.upstream.activity import activity_fills, parse_activity, to_micro
from polyrank.upstream.http import _decode

WALLET = "0x" + "ab" * 20
TX = "0x" + "cd" * 32
TOKEN = "7" * 77


def row(**over) -> dict:
    base = {"proxyWallet": WALLET, "timestamp": V2_MIGRATION_TS + 60,
            "conditionId": "0x" + "1" * 64, "type": "TRADE", "size": Decimal("12.3456"),
            "usdcSize": Decimal("4.567968"),
            "transactionHash": TX, "price": Decimal("0.37"), "asset": TOKEN, "side": "BUY",
            "outcomeIndex": 0}
    return {**base, **over}


def fills_of(*rows: dict):
    return activity_fills([parse_activity(r) for r in rows], WALLET)


def test_buy_and_sell_become_v1_form_rows_owned_by_the_wallet_without_fee():
    buy, sell = fills_of(row(), row(side="SELL", transactionHash="0x" + "ee" * 32))
    assert (buy.maker, buy.maker_asset_id, buy.taker_asset_id) == (WALLET, "0", TOKEN)
    assert (buy.maker_amount_filled, buy.taker_amount_filled) == (4_567_968, 12_345_600)
    assert (sell.maker_asset_id, sell.taker_asset_id) == (TOKEN, "0")
    assert (sell.maker_amount_filled, sell.taker_amount_filled) == (12_345_600, 4_567_968)
    assert buy.fee == sell.fee == 0 and buy.order_hash == "" and buy.taker == ""
    assert buy.id.startswith(TX + "_0x") and len(buy.id) == 66 + 1 + 66


def test_amounts_never_pass_through_floats():
    # 0.1 + 0.2 style values that a float would turn into 300000.00000000006 micro units
    body = json.dumps([{"proxyWallet": WALLET, "timestamp": 1777334500, "type": "TRADE",
                        "size": 0.3, "usdcSize": 0.1, "transactionHash": TX, "asset": TOKEN,
                        "side": "BUY"}]).encode()
    parsed = _decode(body, "http://data", graphql=False, exact=True)  # what get_json(exact=)
    assert isinstance(parsed[0]["size"], Decimal)
    (fill,) = activity_fills([parse_activity(parsed[0])], WALLET)
    assert (fill.taker_amount_filled, fill.maker_amount_filled) == (300_000, 100_000)
    assert to_micro(Decimal("123456789.000001"), "size", "t") == 123_456_789_000_001


@pytest.mark.parametrize("field,value,message", [
    ("size", Decimal("1.0000001"), "not a whole number of micro units"),
    ("usdcSize", Decimal("-1"), "not a whole number of micro units"),
    ("size", Decimal("0"), "`size` is 0"),
    ("usdcSize", Decimal("13"), "price above 1"),
    ("transactionHash", "0x12", "transactionHash"),
    ("asset", "", "`asset`"),
    ("type", "REDEEM", "expected TRADE"),
    ("proxyWallet", "0x" + "99" * 20, "is not the wallet"),
])
def test_bad_rows_raise_a_clear_upstream_data_error(field, value, message):
    with pytest.raises(UpstreamDataError, match=message):
        fills_of(row(**{field: value}))


def test_ids_are_stable_whatever_the_order_and_identical_rows_stay_distinct():
    other = row(side="SELL", size=Decimal("1"), usdcSize=Decimal("0.5"))
    rows = [row(), row(), other]  # two identical fills in one transaction
    forward = fills_of(*rows)
    backward = fills_of(*reversed(rows))
    assert len({f.id for f in forward}) == 3
    assert [f.id for f in forward] == [f.id for f in backward]
    # a re-fetch that saw only one of the identical pair gives a subset, never a new id
    assert {f.id for f in fills_of(row())} < {f.id for f in forward}
    # the wallet is part of the id: another wallet's identical row is another fill
    theirs = activity_fills([parse_activity(row(proxyWallet="0x" + "99" * 20))],
                            "0x" + "99" * 20)
    assert theirs[0].id not in {f.id for f in forward}


def test_a_fill_both_sources_serve_is_kept_once():
    v2 = fills_of(row(), row(transactionHash="0x" + "ee" * 32))
    assert without_known(v2, [v2[0]]) == v2[1:]
    assert without_known(v2, []) == v2


def test_the_data_api_part_starts_at_the_migration_or_since():
    assert v2_start(0) == V2_MIGRATION_TS == 1777334400  # 2026-04-28T00:00:00Z
    assert v2_start(V2_MIGRATION_TS + 5) == V2_MIGRATION_TS + 5
