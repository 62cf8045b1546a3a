"""Conditional Tokens identifiers: condition ids and position (token) ids.

Pure functions reproducing the Gnosis Conditional Tokens Framework hashing rules
(`CTHelpers.sol`) as Polymarket uses them:

- condition id = keccak256(abi.encodePacked(address oracle, bytes32 questionId,
  uint256 outcomeSlotCount))
- collection id for an index set (no parent collection): hash
  keccak256(abi.encodePacked(bytes32 conditionId, uint256 indexSet)) onto the alt_bn128 curve
  (x = hash + 1, + 1, ... until x³ + 3 is a square mod P; y's parity is chosen by the hash's top
  bit), then encode the point as x with bit 254 set when y is odd.
- position id = uint256(keccak256(abi.encodePacked(address collateral, bytes32 collectionId)))

Outcome index i uses index set 1 << i, so YES (index 0) is set 1 and NO (index 1) is set 2.

Neg-risk markets: the NegRiskAdapter is the oracle, the question id is the event's
`negRiskMarketID` with its last byte replaced by the question index, and positions are
backed by the adapter's wrapped collateral instead of USDC.e.
"""

from __future__ import annotations

from functools import lru_cache

from Crypto.Hash import keccak

#: USDC.e on Polygon: the collateral of standard (non neg-risk) markets.
USDC_E = "0x2791bca1f2de4661ed88a30c99a7a9449aa84174"
#: The NegRiskAdapter's wrapped collateral: backs every neg-risk market's positions.
NEG_RISK_WRAPPED_COLLATERAL = "0x3a3bd7bb9528e159577f7c2e685cc81a765002e2"
#: The NegRiskAdapter: the oracle of every neg-risk condition.
NEG_RISK_ADAPTER = "0xd91e80cf2e7be2e162c6513ced06f1dd0da35296"
#: The UMA CTF adapter used as oracle for standard binary markets.
UMA_CTF_ADAPTER = "0x65070be91477460d8a7aeeb94ef92fe056c2f2a7"

_P = 21888242871839275222246405745257275088696311157297823662689037894645226208583
_B = 3
_SQRT_EXP = (_P + 1) // 4  # P ≡ 3 (mod 4): sqrt(a) = a^((P+1)/4) when a is a square


def keccak256(data: bytes) -> bytes:
    return keccak.new(digest_bits=256, data=data).digest()


def _bytes_of(hex_str: str, size: int) -> bytes:
    raw = bytes.fromhex(hex_str.removeprefix("0x").removeprefix("0X"))
    if len(raw) != size:
        raise ValueError(f"expected {size} bytes, got {len(raw)}: {hex_str!r}")
    return raw


def condition_id(oracle: str, question_id: str, outcomes: int = 2) -> str:
    """keccak256(oracle ‖ questionId ‖ uint256(outcomes)) as `0x` + 64 lowercase hex."""
    packed = _bytes_of(oracle, 20) + _bytes_of(question_id, 32) + outcomes.to_bytes(32, "big")
    return "0x" + keccak256(packed).hex()


def collection_id(condition: str, index_set: int) -> bytes:
    """CTHelpers.getCollectionId with a zero parent collection: 32 bytes."""
    h = int.from_bytes(keccak256(_bytes_of(condition, 32) + index_set.to_bytes(32, "big")), "big")
    odd = h >> 255 != 0
    x = h
    while True:
        x = (x + 1) % _P
        yy = (x * x * x + _B) % _P
        y = pow(yy, _SQRT_EXP, _P)
        if y * y % _P == yy:
            break
    if (odd and y % 2 == 0) or (not odd and y % 2 == 1):
        y = _P - y
    if y % 2 == 1:
        x ^= 1 << 254
    return x.to_bytes(32, "big")


def position_id(collateral: str, collection: bytes) -> int:
    """keccak256(collateral ‖ collectionId) as a uint256."""
    return int.from_bytes(keccak256(_bytes_of(collateral, 20) + collection), "big")


@lru_cache(maxsize=65536)
def position_ids(collateral: str, condition: str) -> tuple[str, str]:
    """(YES, NO) token ids of a binary condition, as decimal strings."""
    yes = position_id(collateral, collection_id(condition, 1))
    no = position_id(collateral, collection_id(condition, 2))
    return str(yes), str(no)


def neg_risk_question_id(neg_risk_market_id: str, index: int) -> str:
    """The question id of market `index` of a neg-risk event: the market id, last byte = index."""
    if not 0 <= index < 256:
        raise ValueError(f"neg-risk question index out of range: {index}")
    raw = _bytes_of(neg_risk_market_id, 32)
    return "0x" + (raw[:31] + bytes([index])).hex()


def neg_risk_condition_id(neg_risk_market_id: str, index: int) -> str:
    """The condition id of market `index` of a neg-risk event (oracle = NegRiskAdapter)."""
    return condition_id(NEG_RISK_ADAPTER, neg_risk_question_id(neg_risk_market_id, index), 2)


def neg_risk_position_ids(neg_risk_market_id: str, index: int) -> tuple[str, str]:
    """(YES, NO) token ids of market `index` of a neg-risk event (wrapped collateral)."""
    cond = neg_risk_condition_id(neg_risk_market_id, index)
    return position_ids(NEG_RISK_WRAPPED_COLLATERAL, cond)
