"""A small, hand-made world writer for the replay server's own tests.

It follows docs/world-format.md (format 1) exactly, but makes no attempt at realistic trading:
it exists so that the replay tests do not depend on `polyrank.sim.world` (written in parallel).
Generation is vectorised with numpy so the same code writes a 1M-fill world for benchmarks.

Each match is one taker order against one maker order and emits two OrderFilled rows, as the
exchange does: the maker order's row (maker = maker wallet, taker = taker wallet) and the taker
order's own row (maker = taker wallet, taker = the exchange address).
"""

from __future__ import annotations

import hashlib
import json
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

MIGRATION_TS = 1777334400  # 2026-04-28T00:00:00Z
EXCHANGES = {
    "v1_standard": "0x4bfb41d5b3570defd03c39a9a4d8de6bd8b8982e",
    "v1_neg_risk": "0xc5d563a36ae78145c45a50134d48a1215220f80a",
    "v2_standard": "0xe111180000d2663c0091e4f400237545b87b996b",
    "v2_neg_risk": "0xe2222d279d744050d28e00520010520000310f59",
}
TAGS = [
    ({"id": "2", "label": "Politics", "slug": "politics"}, "politics"),
    ({"id": "1", "label": "Sports", "slug": "sports"}, "sports"),
    ({"id": "21", "label": "Crypto", "slug": "crypto"}, "crypto"),
]
SUB_TAGS = [
    {"id": "144", "label": "Elections", "slug": "elections"},
    {"id": "745", "label": "NBA", "slug": "nba"},
    {"id": "235", "label": "Bitcoin", "slug": "btc"},
]


@dataclass
class TinyWorld:
    """What the writer made, for tests to build expectations from."""

    path: Path
    wallets: list[str]
    markets: list[dict]
    events: list[dict]
    meta: dict
    fills: pa.Table = field(repr=False)
    activity: pa.Table = field(repr=False)


def _hex(rng: np.random.Generator, n: int, nbytes: int) -> list[str]:
    raw = rng.bytes(n * nbytes)
    return ["0x" + raw[i : i + nbytes].hex() for i in range(0, n * nbytes, nbytes)]


def _token_id(seed: str) -> str:
    """A uint256-sized decimal token id (76-78 digits), deterministic in `seed`."""
    digest = hashlib.sha256(seed.encode()).digest() + hashlib.sha256(b"x" + seed.encode()).digest()
    return str(int.from_bytes(digest[:32], "big") // 7 + 10**75)


def write_world(
    out: Path,
    *,
    seed: int = 7,
    n_wallets: int = 12,
    n_events: int = 4,
    markets_per_event: int = 2,
    n_matches: int = 200,
    start_ts: int = 1767225600,  # 2026-01-01
    end_ts: int = 1790000000,
    distinct_timestamps: int | None = None,
    hot_wallet_share: float = 0.0,
) -> TinyWorld:
    """Write a deterministic world to `out` and return a description of it.

    `distinct_timestamps` draws all fill timestamps from that many values, so many fills share
    a timestamp (the sticky-cursor trap). `hot_wallet_share` sends that share of all matches to
    the first wallet (a wallet with thousands of fills, to exercise skip limits).
    """
    rng = np.random.default_rng(seed)
    out.mkdir(parents=True, exist_ok=True)
    wallets = sorted(_hex(rng, n_wallets, 20))

    events: list[dict] = []
    markets: list[dict] = []
    for e in range(n_events):
        neg_risk = e % 2 == 1
        tag, category = TAGS[e % len(TAGS)]
        nr_id = ("0x" + rng.bytes(31).hex() + "00") if neg_risk else None
        ev_start = start_ts + e * 86400
        ev_end = end_ts - e * 86400
        ev_markets = []
        for k in range(markets_per_event):
            j = len(markets)
            cid = "0x" + hashlib.sha256(f"{seed}:cond:{j}".encode()).hexdigest()
            state = j % 4  # 0 resolved YES, 1 resolved NO, 2 open, 3 resolved 50/50
            closed = state != 2
            payout = {0: [1, 0], 1: [0, 1], 3: [1, 1]}.get(state)
            closed_ts = end_ts - 3600 * (j + 1) if closed else None
            m = {
                "id": str(500000 + j),
                "event_id": str(30000 + e),
                "question": f"Will thing {j} happen?",
                "slug": f"will-thing-{j}-happen",
                "condition_id": cid,
                "question_id": (nr_id[:-2] + f"{k:02x}")
                if nr_id
                else "0x" + hashlib.sha256(f"q{j}".encode()).hexdigest(),
                "outcomes": ["Yes", "No"],
                "token_ids": [_token_id(f"{seed}:{j}:0"), _token_id(f"{seed}:{j}:1")],
                "neg_risk": neg_risk,
                "neg_risk_market_id": nr_id,
                "neg_risk_index": k if neg_risk else None,
                "start_ts": ev_start,
                "end_ts": ev_end,
                "closed": closed,
                "closed_ts": closed_ts,
                "uma_resolution_status": "resolved" if closed else None,
                "payout_numerators": payout,
                "payout_denominator": (sum(payout) if payout else None),
                "outcome_prices": (
                    [str(p / sum(payout)).rstrip("0").rstrip(".") if p else "0" for p in payout]
                    if payout
                    else ["0.55", "0.45"]
                ),
                "fee_rate_bps": 0,
                "v2_fee_rate": 0.03,
                "volume_usdc": 1000.0 + j,
            }
            if payout == [1, 1]:
                m["outcome_prices"] = ["0.5", "0.5"]
            markets.append(m)
            ev_markets.append(m)
        events.append(
            {
                "id": str(30000 + e),
                "slug": f"event-{e}",
                "title": f"Event {e}",
                "neg_risk": neg_risk,
                "neg_risk_market_id": nr_id,
                "tags": [tag, SUB_TAGS[e % len(SUB_TAGS)]],
                "category": category,
                "start_ts": ev_start,
                "end_ts": ev_end,
                "closed": all(m["closed"] for m in ev_markets),
            }
        )

    fills = _fills(rng, wallets, markets, n_matches, start_ts, end_ts, distinct_timestamps,
                   hot_wallet_share)
    activity = _activity(rng, fills, markets)
    as_of_ts = int(pc_max(fills.column("timestamp"))) if fills.num_rows else end_ts
    meta = {
        "format": 1,
        "seed": seed,
        "params": {"wallets": n_wallets, "markets": len(markets), "matches": n_matches},
        "start_ts": start_ts,
        "end_ts": end_ts,
        "as_of_ts": as_of_ts,
        "migration_ts": MIGRATION_TS,
        "exchanges": EXCHANGES,
        "counts": {
            "events": len(events),
            "markets": len(markets),
            "fills": fills.num_rows,
            "wallets": len(wallets),
            "activity": activity.num_rows,
        },
    }
    (out / "world.json").write_text(json.dumps(meta, indent=1))
    (out / "events.jsonl").write_text("".join(json.dumps(e) + "\n" for e in events))
    (out / "markets.jsonl").write_text("".join(json.dumps(m) + "\n" for m in markets))
    pq.write_table(fills, out / "fills.parquet", row_group_size=256_000)
    pq.write_table(activity, out / "activity.parquet")
    wallet_table = pa.table(
        {
            "address": wallets,
            "archetype": ["casual"] * len(wallets),
            "specialty": pa.array([None] * len(wallets), pa.string()),
            "weight": [1.0] * len(wallets),
        }
    )
    pq.write_table(wallet_table, out / "wallets.parquet")
    (out / "wallets.txt").write_text("".join(w + "\n" for w in wallets))
    return TinyWorld(out, wallets, markets, events, meta, fills, activity)


def pc_max(column: pa.ChunkedArray) -> int:
    return int(np.max(column.to_numpy()))


def _fills(rng, wallets, markets, n_matches, start_ts, end_ts, distinct_ts, hot_share):
    n_w, n_m = len(wallets), len(markets)
    taker_w = rng.integers(0, n_w, n_matches)
    maker_w = (taker_w + rng.integers(1, n_w, n_matches)) % n_w  # never self-trade
    if hot_share > 0:
        hot = rng.random(n_matches) < hot_share
        maker_w = np.where(hot, 0, maker_w)
        taker_w = np.where(hot & (taker_w == 0), 1, taker_w)
    market = rng.integers(0, n_m, n_matches)
    outcome = rng.integers(0, 2, n_matches)
    taker_buys = rng.random(n_matches) < 0.6
    shares = rng.integers(1, 500, n_matches) * 1_000_000 + rng.integers(0, 1000, n_matches)
    price_ticks = rng.integers(1, 100, n_matches)  # cents
    usdc = shares * price_ticks // 100
    if distinct_ts:
        pool = np.sort(rng.integers(start_ts, end_ts, distinct_ts))
        ts = pool[rng.integers(0, distinct_ts, n_matches)]
    else:
        ts = rng.integers(start_ts, end_ts, n_matches)
    v2 = ts >= MIGRATION_TS
    neg = np.array([markets[i]["neg_risk"] for i in range(n_m)])[market]
    tx = _hex(rng, n_matches, 32)
    oh_maker = _hex(rng, n_matches, 32)
    oh_taker = _hex(rng, n_matches, 32)
    token_table = np.array([[m["token_ids"][0], m["token_ids"][1]] for m in markets], dtype=object)
    cond_table = np.array([m["condition_id"] for m in markets], dtype=object)
    token = token_table[market, outcome]
    cond = cond_table[market]
    exch_names = np.where(v2, np.where(neg, "v2_neg_risk", "v2_standard"),
                          np.where(neg, "v1_neg_risk", "v1_standard"))
    exchange = np.array([EXCHANGES[x] for x in exch_names], dtype=object)
    w = np.array(wallets, dtype=object)
    fee_v2 = (shares * price_ticks * (100 - price_ticks) * 3 // 1_000_000).astype(np.int64)

    # Maker order's row: the maker takes the other side of the taker.
    maker_buys = ~taker_buys
    rows = {
        "id": [f"{t}_{o}" for t, o in zip(tx, oh_maker, strict=True)]
        + [f"{t}_{o}" for t, o in zip(tx, oh_taker, strict=True)],
        "transaction_hash": tx + tx,
        "timestamp": np.concatenate([ts, ts]).astype(np.int64),
        "order_hash": oh_maker + oh_taker,
        "maker": np.concatenate([w[maker_w], w[taker_w]]),
        "taker": np.concatenate([w[taker_w], exchange]),
        "maker_asset_id": np.concatenate([np.where(maker_buys, "0", token),
                                          np.where(taker_buys, "0", token)]),
        "taker_asset_id": np.concatenate([np.where(maker_buys, token, "0"),
                                          np.where(taker_buys, token, "0")]),
        "maker_amount_filled": np.concatenate([np.where(maker_buys, usdc, shares),
                                               np.where(taker_buys, usdc, shares)]),
        "taker_amount_filled": np.concatenate([np.where(maker_buys, shares, usdc),
                                               np.where(taker_buys, shares, usdc)]),
        "fee": np.concatenate([np.zeros(n_matches, np.int64), np.where(v2, fee_v2, 0)]),
        "exchange": np.concatenate([exchange, exchange]),
        "version": np.concatenate([np.where(v2, 2, 1), np.where(v2, 2, 1)]).astype(np.int8),
        "side": np.concatenate([np.where(maker_buys, 0, 1), np.where(taker_buys, 0, 1)]).astype(
            np.int8
        ),
        "token_id": np.concatenate([token, token]),
        "condition_id": np.concatenate([cond, cond]),
    }
    schema = pa.schema(
        [
            ("id", pa.string()),
            ("transaction_hash", pa.string()),
            ("timestamp", pa.int64()),
            ("order_hash", pa.string()),
            ("maker", pa.string()),
            ("taker", pa.string()),
            ("maker_asset_id", pa.string()),
            ("taker_asset_id", pa.string()),
            ("maker_amount_filled", pa.int64()),
            ("taker_amount_filled", pa.int64()),
            ("fee", pa.int64()),
            ("exchange", pa.string()),
            ("version", pa.int8()),
            ("side", pa.int8()),
            ("token_id", pa.string()),
            ("condition_id", pa.string()),
        ]
    )
    arrays = [pa.array(list(rows[f.name]) if f.type == pa.string() else rows[f.name], f.type)
              for f in schema]
    table = pa.Table.from_arrays(arrays, schema=schema)
    order = rng.permutation(table.num_rows)  # row order is unspecified by the format
    return table.take(pa.array(order))


def _activity(rng, fills: pa.Table, markets: list[dict]) -> pa.Table:
    """One REDEEM per (wallet, resolved market) among the first buyers: shape, not accounting."""
    by_cond = {m["condition_id"]: m for m in markets}
    seen: set[tuple[str, str]] = set()
    rows: dict[str, list] = {k: [] for k in ("wallet", "timestamp", "type", "condition_id",
                                              "token_id", "outcome_index", "size", "usdc_size",
                                              "transaction_hash")}
    cols = fills.select(["maker", "condition_id", "token_id", "side", "taker_amount_filled"])
    for maker, cond, token, side, amount in zip(*(c.to_pylist() for c in cols.columns),
                                                strict=True):
        m = by_cond[cond]
        if side != 0 or not m["payout_numerators"] or (maker, cond) in seen:
            continue
        seen.add((maker, cond))
        idx = m["token_ids"].index(token)
        payout = m["payout_numerators"][idx] * amount // m["payout_denominator"]
        rows["wallet"].append(maker)
        rows["timestamp"].append(int(m["closed_ts"]) + 600)
        rows["type"].append("REDEEM")
        rows["condition_id"].append(cond)
        rows["token_id"].append(token)
        rows["outcome_index"].append(idx)
        rows["size"].append(int(amount))
        rows["usdc_size"].append(int(payout))
        rows["transaction_hash"].append("0x" + rng.bytes(32).hex())
    schema = pa.schema([
        ("wallet", pa.string()), ("timestamp", pa.int64()), ("type", pa.string()),
        ("condition_id", pa.string()), ("token_id", pa.string()), ("outcome_index", pa.int8()),
        ("size", pa.int64()), ("usdc_size", pa.int64()), ("transaction_hash", pa.string()),
    ])
    return pa.table(rows, schema=schema)


# --------------------------------------------------------------------------- test HTTP helpers


def http_get(url: str, headers: dict | None = None, timeout: float = 10.0):
    """(status, headers, body bytes) of a GET, without raising on HTTP errors."""
    import urllib.error
    import urllib.request

    req = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def get_json(url: str, headers: dict | None = None):
    status, _, body = http_get(url, headers)
    return status, json.loads(body)


def gql(url: str, query: str, variables: dict | None = None, **extra) -> dict:
    """POST a GraphQL request and decode the JSON answer (status must be 200)."""
    import urllib.request

    payload = {"query": query, "variables": variables or {}, **extra}
    req = urllib.request.Request(url, data=json.dumps(payload).encode(),
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        assert resp.status == 200
        return json.loads(resp.read())


def v1_rows(world: TinyWorld) -> list[dict]:
    return [r for r in world.fills.to_pylist() if r["version"] == 1]


@contextmanager
def served_by_cli(world: Path, port_file: Path, *args: str) -> Iterator[str]:
    """`polyrank-sim replay serve WORLD ...args` in a subprocess on a free port: yields its
    base URL once it listens; stops it with SIGINT after, asserting a clean exit."""
    proc = subprocess.Popen([sys.executable, "-m", "polyrank.sim", "replay", "serve",
                             str(world), "--port", "0", "--port-file", str(port_file), *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while not port_file.exists():
            assert proc.poll() is None and time.monotonic() < deadline, proc.stderr.read()
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port_file.read_text().strip()}"
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=30)
    assert proc.returncode == 0
