"""Exchange fee rules used by the generator (integers in micro units, prices in 1/1000).

- V1 (CTF Exchange, before the migration): `fee_rate_bps` per market, charged on the asset
  the order receives, proportional to min(p, 1 - p): a BUY pays
  floor(bps * min(p, 1-p) * shares / (p * 10000)) shares (rounded down to 100 micro-shares in
  worlds, so share amounts stay multiples of 100), a SELL pays
  floor(bps * min(p, 1-p) * shares / 10000) USDC.
- V2 (after the migration): fee = rate * shares * p * (1 - p) USDC, floored to 1e-5 USDC
  (10 micro-USDC). This reproduces all 21 real V2 OrderFilled legs of
  tests/fixtures/chain/v2_order_filled_taker_fees.json.
"""

from __future__ import annotations

#: Share amounts in worlds are multiples of this many micro-shares.
SHARE_UNIT = 100


def v1_fee(side: int, shares: int, price_milli: int, fee_bps: int) -> int:
    """V1 taker fee: in shares for a BUY (side 0), in USDC for a SELL (side 1)."""
    if fee_bps == 0:
        return 0
    edge = min(price_milli, 1000 - price_milli)
    if side == 0:
        return fee_bps * edge * shares // (price_milli * 10000) // SHARE_UNIT * SHARE_UNIT
    return fee_bps * edge * shares // 10**7


def v2_fee(shares: int, price_milli: int, rate_bps: int) -> int:
    """V2 taker fee in USDC: rate * shares * p * (1 - p), floored to 10 micro-USDC."""
    return 10 * (rate_bps * shares * price_milli * (1000 - price_milli) // 10**11)


def taker_fee(version: int, side: int, shares: int, price_milli: int, fee_bps: int,
              v2_rate_bps: int) -> int:
    return v2_fee(shares, price_milli, v2_rate_bps) if version == 2 else v1_fee(
        side, shares, price_milli, fee_bps)
