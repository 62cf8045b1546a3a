"""Data API SPLIT / MERGE / REDEEM / CONVERSION rows -> `activities` rows: exact micro amounts,
stable derived ids, other types skipped, malformed rows refused with their fault."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from polyrank.errors import UpstreamDataError
from polyrank.settings import V2_MIGRATION_TS
from polyrank.upstream.activity import parse_activity, sort_rows, wallet_activities
from polyrank.upstream.http import _decode

WALLET = "0x" + "ab" * 20
TX = "0x" + "cd" * 32
COND = "0x" + "1F" * 32
TOKEN = "7" * 77


def row(**over) -> dict:
    base = {"proxyWallet": WALLET, "timestamp": V2_MIGRATION_TS + 60, "conditionId": COND,
            "type": "REDEEM", "size": Decimal("12.3456"), "usdcSize": Decimal("12.3456"),
            "transactionHash": TX, "price": 0, "asset": TOKEN, "side": "", "outcomeIndex": 0}
    return {**base, **over}


def acts_of(*rows: dict):
    return wallet_activities([parse_activity(r) for r in rows], WALLET)


def test_a_redeem_row_becomes_an_activity_with_exact_amounts():
    body = json.dumps([{**row(), "size": 0.3, "usdcSize": 0.3}]).encode()
    parsed = _decode(body, "http://data", graphql=False, exact=True)  # as the client reads it
    (act,) = wallet_activities([parse_activity(parsed[0])], WALLET)
    assert (act.wallet, act.kind, act.timestamp) == (WALLET, "redeem", V2_MIGRATION_TS + 60)
    assert (act.amount, act.usdc, act.index_set) == (300_000, 300_000, 0)
    assert act.condition_id == COND.lower() and act.tx_hash == TX
    assert act.id.startswith(TX + "_0x") and len(act.id) == 66 + 1 + 66


def test_a_losing_redeem_has_no_payout():
    (act,) = acts_of(row(usdcSize=0))
    assert (act.kind, act.amount, act.usdc) == ("redeem", 12_345_600, 0)


def test_split_merge_conversion_map_to_their_kinds_without_usdc():
    split, merge, conv = acts_of(
        row(type="SPLIT", transactionHash="0x" + "01" * 32, asset=""),
        row(type="MERGE", transactionHash="0x" + "02" * 32, asset=""),
        row(type="CONVERSION", transactionHash="0x" + "03" * 32, asset=""))
    assert [a.kind for a in (split, merge, conv)] == ["split", "merge", "conversion"]
    assert {(a.amount, a.usdc, a.index_set) for a in (split, merge, conv)} == {(12_345_600, 0, 0)}


def test_ids_are_stable_distinct_and_independent_of_listing_order():
    a, b = row(), row(usdcSize=0, asset="8" * 77)
    twin = row()  # identical in every field: numbered, not merged
    first = {x.id for x in acts_of(a, b, twin)}
    again = {x.id for x in acts_of(twin, b, a)}
    assert first == again and len(first) == 3
    # a different kind in the same transaction is a different row
    assert acts_of(row(type="SPLIT"))[0].id not in first


def test_other_types_are_skipped_and_counted_unknown_types_refused():
    rows = [parse_activity(r) for r in (
        row(type="TRADE", side="BUY", price=Decimal("0.5")), row(), row(type="REWARD"),
        row(type="MAKER_REBATE", conditionId="", transactionHash=""), row(type="DEPOSIT"))]
    sorted_ = sort_rows(rows)
    assert [r.type for r in sorted_.trades] == ["TRADE"]
    assert [r.type for r in sorted_.activities] == ["REDEEM"]
    assert sorted_.skipped == 3
    with pytest.raises(UpstreamDataError, match="unknown type 'AIRDROP'"):
        sort_rows([parse_activity(row(type="AIRDROP"))])
    with pytest.raises(UpstreamDataError, match="not a position-changing activity"):
        acts_of(row(type="REWARD"))


@pytest.mark.parametrize("over,message", [
    ({"size": Decimal("1.0000001")}, "`size` = 1.0000001 is not a whole number of micro units"),
    ({"size": Decimal("-2")}, "`size` = -2 is not a whole number of micro units"),
    ({"usdcSize": Decimal("0.00000001")}, "`usdcSize` = 1E-8 is not a whole number"),
    ({"usdcSize": Decimal("13")}, "payout above 1 a share"),
    ({"transactionHash": "0x12"}, "`transactionHash` is not a 0x + 64 hex hash"),
    ({"conditionId": ""}, "`conditionId` is not a 0x + 64 hex id"),
    ({"proxyWallet": "0x" + "99" * 20}, "is not the wallet"),
])
def test_a_malformed_row_fails_with_its_fault(over, message):
    with pytest.raises(UpstreamDataError, match=r"Data API REDEEM of .* in") as info:
        acts_of(row(**over))
    assert message in str(info.value)


def test_a_malformed_size_string_fails_at_parsing_naming_the_field():
    with pytest.raises(UpstreamDataError, match="size"):
        parse_activity(row(size="12,5"))


def test_a_conversion_may_name_no_condition():
    (act,) = acts_of(row(type="CONVERSION", conditionId=""))
    assert (act.kind, act.condition_id) == ("conversion", "")
