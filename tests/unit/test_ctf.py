"""CTF id derivation against every known-answer vector and the real Gamma captures."""

import json

import pytest

from polyrank.sim import ctf
from tests.conftest import FIXTURES

VECTORS = json.loads((FIXTURES / "vectors" / "ctf_and_negrisk_vectors.json").read_text())


@pytest.mark.parametrize("case", VECTORS["computePositionId"] + VECTORS["getPositionId"])
def test_position_ids_match_subgraph_vectors(case):
    collateral = case["collateral"].split()[-1]
    assert ctf.position_ids(collateral, case["conditionId"]) == (
        case["positionId0"], case["positionId1"])


@pytest.mark.parametrize("case", VECTORS["getNegRiskPositionId"])
def test_neg_risk_position_ids_match_subgraph_vectors(case):
    assert ctf.neg_risk_position_ids(case["negRiskMarketId"], case["questionIndex"]) == (
        case["yesPositionId"], case["noPositionId"])


def test_collateral_addresses_are_the_documented_ones():
    documented = {v.lower() for v in VECTORS["collateral_addresses"].values()}
    assert {ctf.USDC_E, ctf.NEG_RISK_WRAPPED_COLLATERAL, ctf.NEG_RISK_ADAPTER} == documented


def test_real_neg_risk_event_condition_and_token_ids():
    event = json.loads((FIXTURES / "gamma" / "event_negrisk_with_tags.json").read_text())[0]
    for market in event["markets"]:
        index = int(market["questionID"][-2:], 16)
        assert ctf.neg_risk_question_id(event["negRiskMarketID"], index) == market["questionID"]
        assert ctf.neg_risk_condition_id(event["negRiskMarketID"], index) == market["conditionId"]
        tokens = json.loads(market["clobTokenIds"])
        assert list(ctf.neg_risk_position_ids(event["negRiskMarketID"], index)) == tokens


def test_real_binary_market_condition_and_token_ids():
    market = json.loads((FIXTURES / "gamma" / "market_closed_binary_resolved.json").read_text())
    assert market["resolvedBy"].lower() == ctf.UMA_CTF_ADAPTER
    assert ctf.condition_id(ctf.UMA_CTF_ADAPTER, market["questionID"]) == market["conditionId"]
    tokens = json.loads(market["clobTokenIds"])
    assert list(ctf.position_ids(ctf.USDC_E, market["conditionId"])) == tokens


def test_condition_id_depends_on_outcome_count_and_is_lowercase_hex():
    qid = "0x" + "ab" * 32
    two, three = ctf.condition_id(ctf.UMA_CTF_ADAPTER, qid), ctf.condition_id(
        ctf.UMA_CTF_ADAPTER, qid, 3)
    assert two != three
    assert two.startswith("0x") and len(two) == 66 and two == two.lower()


def test_bad_inputs_are_rejected():
    with pytest.raises(ValueError):
        ctf.condition_id("0x1234", "0x" + "00" * 32)
    with pytest.raises(ValueError):
        ctf.neg_risk_question_id("0x" + "00" * 32, 256)
