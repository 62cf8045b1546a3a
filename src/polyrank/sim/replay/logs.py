"""The world's fills and activities as Polygon contract logs, indexed for `eth_getLogs`
(docs/replay.md, "Chain (JSON-RPC)").

Each fill row is one `OrderFilled` of its exchange; a SPLIT / MERGE / CONVERSION row and each
REDEEM transaction are the ConditionalTokens / NegRiskAdapter events the real contracts emit,
with the adapter's own calls into ConditionalTokens (stakeholder = the adapter, collateral =
WrappedCollateral) in the same transaction, as on chain.

All logs sit in one set of numpy columns in chain order (block, transaction hash, order within
the transaction), built once with vectorised pyarrow/numpy: a block range is a binary search, a
topic value (a wallet) a posting list per topic position, so a wallet's query never scans the
world. Only `data` is not stored: it is ABI-encoded (eth_abi) for the logs actually answered.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import eth_abi
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from Crypto.Hash import keccak

from polyrank.sim.replay.loader import WorldFiles
from polyrank.sim.replay.words import (
    address_words,
    const_words,
    flat,
    hex_bytes,
    value_words,
    words,
    words_hex,
)

log = logging.getLogger("polyrank.sim.replay")

CTF = "0x4d97dcd97ec945f40cf65f87097ace5ea0476045"  # ConditionalTokens
NEG_RISK_ADAPTER = "0xd91e80cf2e7be2e162c6513ced06f1dd0da35296"
USDC_E = "0x2791bca1f2de4661ed88a30c99a7a9449aa84174"  # collateral before migration_ts
PUSD = "0xc011a7e12a19f7b1f670d46f03b03f3342e82dfb"  # collateral from migration_ts on
WRAPPED_COLLATERAL = "0x3a3bd7bb9528e159577f7c2e685cc81a765002e2"  # the adapter's, internally
DEFAULT_MIGRATION_TS = 1777334400  # 2026-04-28, when world.json does not say
ZERO32 = "0x" + "00" * 32


def topic0(signature: str) -> str:
    """keccak256 of a canonical event signature (types only), as a 0x hex string."""
    return "0x" + keccak.new(digest_bits=256, data=signature.encode()).hexdigest()


@dataclass(frozen=True)
class Event:
    """One event type: its canonical signature, how many topics a log has (topic0 included)
    and the ABI types of its non-indexed parameters (the `data`)."""

    name: str
    signature: str
    n_topics: int
    data_types: tuple[str, ...]

    @property
    def topic0(self) -> str:
        return topic0(self.signature)


_U = "uint256"
EVENTS = (  # index = the log's `kind`
    Event("OrderFilled", "OrderFilled(bytes32,address,address,uint256,uint256,uint256,uint256,"
          "uint256)", 4, (_U,) * 5),
    Event("OrderFilled", "OrderFilled(bytes32,address,address,uint8,uint256,uint256,uint256,"
          "uint256,bytes32,bytes32)", 4, ("uint8", _U, _U, _U, _U, "bytes32", "bytes32")),
    Event("PositionSplit", "PositionSplit(address,address,bytes32,bytes32,uint256[],uint256)",
          4, ("address", "uint256[]", _U)),
    Event("PositionsMerge", "PositionsMerge(address,address,bytes32,bytes32,uint256[],uint256)",
          4, ("address", "uint256[]", _U)),
    Event("PayoutRedemption", "PayoutRedemption(address,address,bytes32,bytes32,uint256[],"
          "uint256)", 4, ("bytes32", "uint256[]", _U)),
    Event("PositionSplit", "PositionSplit(address,bytes32,uint256)", 3, (_U,)),
    Event("PositionsMerge", "PositionsMerge(address,bytes32,uint256)", 3, (_U,)),
    Event("PositionsConverted", "PositionsConverted(address,bytes32,uint256,uint256)", 4, (_U,)),
    Event("PayoutRedemption", "PayoutRedemption(address,bytes32,uint256[],uint256)", 3,
          ("uint256[]", _U)),
)
V1_FILLED, V2_FILLED, CTF_SPLIT, CTF_MERGE, CTF_REDEEM = 0, 1, 2, 3, 4
NR_SPLIT, NR_MERGE, NR_CONVERT, NR_REDEEM = 5, 6, 7, 8
TOPIC0S = [e.topic0 for e in EVENTS]
TOPIC0 = {t: k for k, t in enumerate(TOPIC0S)}
N_TOPICS = np.array([e.n_topics for e in EVENTS], np.int8)

# order of the logs of one transaction: the maker orders' fills, each after the exchange's
# mint / merge its match needed, then the taker order's (as CTFExchange.matchOrders emits
# them); or the adapter's inner ConditionalTokens call, then the adapter's (or
# ConditionalTokens') own event. Within an order rank, by `tie` (the maker order's hash), then
# `sub` (the layers of a mint or merge: ConditionalTokens, the adapter, the fill).
_MAKER_FILL, _TAKER_FILL, _INNER, _OUTER = 1, 2, 3, 4


@dataclass
class _Part:
    """Logs of one shape before they are merged into chain order."""

    ts: np.ndarray
    tx: np.ndarray  # (n, 4) words of the transaction hash
    order: np.ndarray | int  # rank within the transaction (_MAKER_FILL ...)
    kind: np.ndarray | int
    address: np.ndarray | int  # code in LogIndex.addresses
    src: np.ndarray  # row of the source table (fills, activity or redeem groups)
    topics: tuple  # topics 1..3: (n, 4) words, or None (the event has fewer)
    inner: bool = False  # the adapter's call into ConditionalTokens (collateral: wrapped)
    tie: np.ndarray | None = None  # order within an order rank (default: topic 1's last word)
    sub: int = 0

    def __len__(self) -> int:
        return len(self.ts)

    def take(self, rows: np.ndarray) -> _Part:
        def pick(v):
            return v[rows] if isinstance(v, np.ndarray) and v.ndim else v
        return _Part(self.ts[rows], self.tx[rows], pick(self.order), pick(self.kind),
                     pick(self.address), self.src[rows],
                     tuple(None if t is None else t[rows] for t in self.topics), self.inner,
                     pick(self.tie), self.sub)


class LogIndex:
    """Every log of the world in chain order, with the indexes eth_getLogs needs."""

    def __init__(self, world: WorldFiles) -> None:
        started = time.monotonic()
        self.chain = world.chain
        self.migration_ts = int(world.meta.get("migration_ts") or DEFAULT_MIGRATION_TS)
        neg = {m["condition_id"].lower() for m in world.markets if m.get("neg_risk")}
        self.neg_risk = pa.array(sorted(neg), pa.string())
        self.addresses: list[str] = [CTF, NEG_RISK_ADAPTER]
        self._fills(world.fills)
        parts = self._fill_parts(world.fills, world.activity.num_rows)
        parts += self._activity_parts(world.activity)
        self._merge(parts)
        log.info("chain: %d logs indexed in %.2fs", self.n, time.monotonic() - started)

    # ------------------------------------------------------------------ building

    def _address_code(self, address: str) -> int:
        address = address.lower()
        if address not in self.addresses:
            self.addresses.append(address)
        return self.addresses.index(address)

    def _fills(self, fills: pa.Table) -> None:
        """The fill columns `data` is encoded from (the world's own, not copied)."""
        self.fills = fills.select(["maker_asset_id", "taker_asset_id", "token_id",
                                   "maker_amount_filled", "taker_amount_filled", "fee", "side"])

    def _fill_parts(self, fills: pa.Table, first_src: int) -> list[_Part]:
        """The OrderFilled logs, and the exchange's mints and merges (its sizes are numbered
        from `first_src` in `a_size`, after the activity rows')."""
        self.m_amount = np.empty(0, np.int64)
        if not fills.num_rows:
            return []
        exchange = pc.dictionary_encode(flat(pc.utf8_lower(fills.column("exchange"))))
        codes = np.array([self._address_code(a) for a in exchange.dictionary.to_pylist()],
                         np.int16)[exchange.indices.to_numpy(zero_copy_only=False)]
        maker, taker = address_words(fills.column("maker")), address_words(fills.column("taker"))
        exchange_words = address_words(exchange.dictionary)[
            exchange.indices.to_numpy(zero_copy_only=False)]
        is_taker = (taker == exchange_words).all(axis=1)
        kind = np.where(fills.column("version").to_numpy() == 2, V2_FILLED, V1_FILLED)
        fill = _Part(fills.column("timestamp").to_numpy().astype(np.int64),
                     words(hex_bytes(fills.column("transaction_hash"), 32)),
                     np.where(is_taker, _TAKER_FILL, _MAKER_FILL).astype(np.int8),
                     kind.astype(np.int8), codes, np.arange(fills.num_rows),
                     (words(hex_bytes(fills.column("order_hash"), 32)), maker, taker), sub=2)
        return [fill, *self._mints(fills, fill, is_taker, exchange_words, first_src)]

    def _mints(self, fills: pa.Table, fill: _Part, is_taker: np.ndarray,
               exchange: np.ndarray, first_src: int) -> list[_Part]:
        """The exchange's own ConditionalTokens calls: a maker order on the same side as the
        taker's holds the complementary token, so the exchange splits collateral into both
        (two buys: `PositionSplit` of the shares bought) or merges them (two sells:
        `PositionsMerge`), stakeholder the exchange, just before that maker's OrderFilled. A
        neg-risk exchange calls the NegRiskAdapter, which calls ConditionalTokens."""
        side = fills.column("side").to_numpy()
        takers = np.flatnonzero(is_taker)
        keys = fill.tx[takers, 0]
        by_key = np.argsort(keys)
        keys, taker_side = keys[by_key], side[takers][by_key]
        makers = np.flatnonzero(~is_taker)
        if not len(keys) or not len(makers):
            return []
        at = np.minimum(np.searchsorted(keys, fill.tx[makers, 0]), len(keys) - 1)
        same = (keys[at] == fill.tx[makers, 0]) & (taker_side[at] == side[makers])
        rows = makers[same]
        if not len(rows):
            return []
        buy = side[rows] == 0
        self.m_amount = np.where(buy, fills.column("taker_amount_filled").to_numpy()[rows],
                                 fills.column("maker_amount_filled").to_numpy()[rows]
                                 ).astype(np.int64)
        cond = words(hex_bytes(fills.column("condition_id").take(pa.array(rows)), 32))
        neg = pc.is_in(pc.utf8_lower(fills.column("condition_id").take(pa.array(rows))),
                       value_set=self.neg_risk).to_numpy(zero_copy_only=False)
        n = len(rows)
        base = fill.take(rows)
        stakeholder, zero = exchange[rows], const_words(ZERO32, n)
        ctf_kind = np.where(buy, CTF_SPLIT, CTF_MERGE).astype(np.int8)
        nr_kind = np.where(buy, NR_SPLIT, NR_MERGE).astype(np.int8)
        src = first_src + np.arange(n)
        tie = base.topics[0][:, 3]
        layers = [
            (~neg, ctf_kind, CTF, (stakeholder, zero, cond), False, 1),
            (neg, ctf_kind, CTF, (const_words(NEG_RISK_ADAPTER, n), zero, cond), True, 0),
            (neg, nr_kind, NEG_RISK_ADAPTER, (stakeholder, cond, None), False, 1),
        ]
        out = []
        for mask, kinds, address, topics, inner, sub in layers:
            if mask.any():
                p = _Part(base.ts, base.tx, _MAKER_FILL, kinds, self._address_code(address),
                          src, topics, inner, tie, sub)
                out.append(p.take(mask))
        return out

    def _collateral(self, ts: np.ndarray) -> np.ndarray:
        """Topic words of the exchange era's collateral token at each timestamp."""
        old, new = (address_words(pa.array([a])) for a in (USDC_E, PUSD))
        return np.where((ts < self.migration_ts)[:, None], old, new)

    def _activity_parts(self, act: pa.Table) -> list[_Part]:
        self.a_size = np.concatenate([  # the activity rows', then the exchange's mints'
            act.column("size").to_numpy(zero_copy_only=False).astype(np.int64), self.m_amount])
        self._redeems(act.filter(pc.equal(act.column("type"), "REDEEM")))
        if not act.num_rows:
            return []
        n = act.num_rows
        types = act.column("type").to_numpy(zero_copy_only=False)
        cond = flat(pc.utf8_lower(act.column("condition_id")))
        neg = pc.is_in(cond, value_set=self.neg_risk).to_numpy(zero_copy_only=False)
        whole = _Part(act.column("timestamp").to_numpy().astype(np.int64),
                      words(hex_bytes(act.column("transaction_hash"), 32)), _OUTER, 0, 0,
                      np.arange(n), (address_words(act.column("wallet")),
                                     words(hex_bytes(cond, 32)), None))
        wallet, cond_w = whole.topics[0], whole.topics[1]
        zero, adapter = const_words(ZERO32, n), const_words(NEG_RISK_ADAPTER, n)
        out = []

        def part(rows, order, kind, address, topics, inner=False) -> None:
            if rows.any():
                p = _Part(whole.ts, whole.tx, order, kind, self._address_code(address),
                          whole.src, topics, inner)
                out.append(p.take(rows))

        for name, ctf_kind, nr_kind in (("SPLIT", CTF_SPLIT, NR_SPLIT),
                                        ("MERGE", CTF_MERGE, NR_MERGE)):
            rows = types == name
            part(rows & ~neg, _OUTER, ctf_kind, CTF, (wallet, zero, cond_w))
            part(rows & neg, _INNER, ctf_kind, CTF, (adapter, zero, cond_w), inner=True)
            part(rows & neg, _OUTER, nr_kind, NEG_RISK_ADAPTER, (wallet, cond_w, None))
        conv = types == "CONVERSION"
        if conv.any():
            index_set = np.zeros((n, 4), np.uint64)
            index_set[:, 3] = pc.fill_null(act.column("index_set"), 0).to_numpy().astype(
                np.uint64)
            part(conv, _OUTER, NR_CONVERT, NEG_RISK_ADAPTER, (wallet, cond_w, index_set))
        return out + self._redeem_parts()

    def _redeems(self, rows: pa.Table) -> None:
        """REDEEM rows grouped by transaction: one redemption each (a wallet's tokens of one
        market), with the index-set bitmask, the amount of each outcome and the payout."""
        tx = words(hex_bytes(rows.column("transaction_hash"), 32))
        order = np.lexsort(tx.T[::-1])  # by the whole hash
        tx = tx[order]
        first = np.flatnonzero(np.r_[True, (tx[1:] != tx[:-1]).any(axis=1)]) if len(
            tx) else np.empty(0, np.int64)
        rep = order[first]  # a row of each group (all share wallet, market and time)

        def total(values: np.ndarray) -> np.ndarray:
            values = values[order]
            return np.add.reduceat(values, first) if len(first) else values[:0]

        oi = pc.fill_null(rows.column("outcome_index"), 0).to_numpy().astype(np.int64)
        size = rows.column("size").to_numpy().astype(np.int64)
        self.r_tx = tx[first]
        self.r_ts = rows.column("timestamp").to_numpy().astype(np.int64)[rep]
        self.r_wallet = address_words(rows.column("wallet").take(pa.array(rep)))
        self.r_cond = hex_bytes(rows.column("condition_id").take(pa.array(rep)), 32)
        self.r_neg = pc.is_in(pc.utf8_lower(rows.column("condition_id").take(pa.array(rep))),
                              value_set=self.neg_risk).to_numpy(zero_copy_only=False)
        self.r_ints = {"bit": total(np.left_shift(1, oi)),
                       "s0": total(np.where(oi == 0, size, 0)),
                       "s1": total(np.where(oi == 1, size, 0)),
                       "payout": total(rows.column("usdc_size").to_numpy().astype(np.int64))}

    def _redeem_parts(self) -> list[_Part]:
        n, ts, neg = len(self.r_ts), self.r_ts, self.r_neg
        if not n:
            return []
        whole = _Part(ts, self.r_tx, _OUTER, CTF_REDEEM, 0, np.arange(n), ())
        wallet, zero = self.r_wallet, const_words(ZERO32, n)
        out = []
        for rows, order, kind, address, topics, inner in (
                (~neg, _OUTER, CTF_REDEEM, CTF, (wallet, self._collateral(ts), zero), False),
                (neg, _INNER, CTF_REDEEM, CTF, (const_words(NEG_RISK_ADAPTER, n),
                                                const_words(WRAPPED_COLLATERAL, n), zero), True),
                (neg, _OUTER, NR_REDEEM, NEG_RISK_ADAPTER,
                 (wallet, words(self.r_cond), None), False)):
            if rows.any():
                p = _Part(whole.ts, whole.tx, order, kind, self._address_code(address),
                          whole.src, topics, inner)
                out.append(p.take(rows))
        return out

    def _merge(self, parts: list[_Part]) -> None:
        """Concatenate the parts and sort them into chain order: by block, then transaction
        hash, then order within the transaction (maker fills, taker fill, inner call, own
        event; ties by topic 1). logIndex counts within the block, transactionIndex the
        block's transactions."""
        parts = [p for p in parts if len(p)]
        n = sum(len(p) for p in parts)

        def cat(get, dtype) -> np.ndarray:
            if not parts:
                return np.empty(0, dtype)
            return np.concatenate([np.broadcast_to(np.asarray(get(p), dtype), len(p))
                                   for p in parts])

        def topics_last(p: _Part) -> np.ndarray:
            return p.topics[0][:, 3] if p.topics and p.topics[0] is not None else 0

        def cat_words(get) -> np.ndarray:
            if not parts:
                return np.empty((0, 4), np.uint64)
            return np.concatenate([np.zeros((len(p), 4), np.uint64) if get(p) is None
                                   else get(p) for p in parts])

        block = self.chain.blocks_at(cat(lambda p: p.ts, np.int64))
        tx = cat_words(lambda p: p.tx)
        topics = [cat_words(lambda p, i=i: p.topics[i] if i < len(p.topics) else None)
                  for i in range(3)]
        order = cat(lambda p: p.order, np.int8)
        tie = cat(lambda p: topics_last(p) if p.tie is None else p.tie, np.uint64)
        sub = cat(lambda p: p.sub, np.int8)
        perm = np.lexsort((sub, tie, order, tx[:, 0], block))
        self.n = n
        self.block = block[perm]
        self.kind = cat(lambda p: p.kind, np.int8)[perm]
        self.src = cat(lambda p: p.src, np.int32)[perm]
        self.inner = cat(lambda p: p.inner, bool)[perm]
        self.address = cat(lambda p: p.address, np.int16)[perm]
        self.tx = tx[perm]
        self.topics = [t[perm] for t in topics]
        # postings: per topic position, the logs of each value (keyed by its last 8 bytes,
        # confirmed on the whole value), in chain order
        self.posting_perm = [np.argsort(t[:, 3], kind="stable").astype(np.int32)
                             for t in self.topics]
        self.posting_key = [t[p, 3] for t, p in zip(self.topics, self.posting_perm,
                                                     strict=True)]
        first = np.r_[True, self.block[1:] != self.block[:-1]] if n else np.empty(0, bool)
        block_first = np.maximum.accumulate(np.where(first, np.arange(n), 0)) if n else first
        self.log_index = (np.arange(n) - block_first).astype(np.int32)
        new_tx = first | np.r_[True, (self.tx[1:] != self.tx[:-1]).any(axis=1)] if n else first
        cum = np.cumsum(new_tx)
        self.tx_index = (cum - cum[block_first]).astype(np.int32) if n else cum

    # ------------------------------------------------------------------ queries

    def span(self, lo_block: int, hi_block: int) -> tuple[int, int]:
        """Positions of the logs of blocks lo..hi (inclusive)."""
        return (int(np.searchsorted(self.block, lo_block, "left")),
                int(np.searchsorted(self.block, hi_block, "right")))

    def _posting(self, p: int, value: np.ndarray) -> np.ndarray:
        """Positions (chain order) whose topic p is `value` (words)."""
        key = self.posting_key[p]
        a, b = np.searchsorted(key, value[3], "left"), np.searchsorted(key, value[3], "right")
        run = self.posting_perm[p][a:b]
        return run[(self.topics[p][run, :3] == value[:3]).all(axis=1)]

    def _matches(self, p: int, rows: np.ndarray, values: list[np.ndarray]) -> np.ndarray:
        """Mask of `rows` whose topic p is one of `values`."""
        got = self.topics[p][rows]
        keep = np.isin(got[:, 3], [v[3] for v in values])
        hit = np.flatnonzero(keep)
        keep[hit] = np.any([(got[hit] == v).all(axis=1) for v in values], axis=0)
        return keep

    def select(self, lo_block: int, hi_block: int, addresses: list[str] | None,
               topics: list[list[str] | None]) -> np.ndarray:
        """Positions (chain order) of the logs of blocks lo..hi matching the filter, as geth
        matches: an address in `addresses` (None: any), and for each topic position a value
        in its list (None or []: any); a log with fewer topics than the filter has entries
        never matches."""
        lo, hi = self.span(lo_block, hi_block)
        if hi <= lo:
            return np.empty(0, np.int64)
        wanted = {p: [value_words(int(v, 16)) for v in sorted(set(values))]
                  for p, values in enumerate(topics[1:4]) if values}
        rows = None
        if wanted:  # the shortest posting list among the constrained positions
            sizes = {p: sum(int(np.searchsorted(self.posting_key[p], v[3], "right")
                                - np.searchsorted(self.posting_key[p], v[3], "left"))
                            for v in values) for p, values in wanted.items()}
            best = min(sizes, key=sizes.get)
            if sizes[best] < hi - lo:
                found = [self._posting(best, v) for v in wanted.pop(best)]
                rows = np.sort(np.concatenate(found)) if len(found) > 1 else found[0]
                rows = rows[np.searchsorted(rows, lo):np.searchsorted(rows, hi)]
        if rows is None:
            rows = np.arange(lo, hi, dtype=np.int64)
        keep = N_TOPICS[self.kind[rows]] >= len(topics)
        if topics and topics[0]:
            keep &= np.isin(self.kind[rows], [TOPIC0[t] for t in topics[0] if t in TOPIC0])
        if addresses is not None:
            codes = [self.addresses.index(a) for a in addresses if a in self.addresses]
            keep &= np.isin(self.address[rows], codes)
        for p, values in wanted.items():
            keep[keep] = self._matches(p, rows[keep], values)
        return rows[keep].astype(np.int64)

    # ------------------------------------------------------------------ rendering

    def tx_hashes(self, lo: int, hi: int) -> list[str]:
        """The transaction hashes of positions lo..hi (one block), in order."""
        if hi <= lo:
            return []
        tx = self.tx[lo:hi]
        return words_hex(tx[np.r_[True, (tx[1:] != tx[:-1]).any(axis=1)]])

    def render(self, rows: np.ndarray) -> list[dict]:
        """The JSON-RPC log objects of positions `rows` (in the given order)."""
        if not len(rows):
            return []
        blocks = self.block[rows]
        ts = self.chain.ts_of_blocks(blocks)
        hashes = {int(b): self.chain.hash_of(int(b)) for b in np.unique(blocks).tolist()}
        tx = words_hex(self.tx[rows])
        address = [self.addresses[a] for a in self.address[rows].tolist()]
        topic_text = [words_hex(self.topics[p][rows]) for p in range(3)]
        data = self._data(rows, ts)
        out = []
        for k, (r, b) in enumerate(zip(rows.tolist(), blocks.tolist(), strict=True)):
            kind = int(self.kind[r])
            topics = [TOPIC0S[kind], *(t[k] for t in topic_text[:N_TOPICS[kind] - 1])]
            out.append({
                "address": address[k], "topics": topics, "data": data[k],
                "blockNumber": hex(b), "transactionHash": tx[k],
                "transactionIndex": hex(int(self.tx_index[r])), "blockHash": hashes[b],
                "logIndex": hex(int(self.log_index[r])), "removed": False,
            })
        return out

    def _data(self, rows: np.ndarray, ts: np.ndarray) -> list[str]:
        """ABI-encoded `data` of each log of `rows` (eth_abi), grouped by kind."""
        out: list[str] = [""] * len(rows)
        kinds = self.kind[rows]
        for kind in np.unique(kinds).tolist():
            at = np.flatnonzero(kinds == kind)
            src = self.src[rows[at]]
            types = list(EVENTS[kind].data_types)
            for k, values in zip(at.tolist(), self._values(kind, src, rows[at], ts[at]),
                                 strict=True):
                out[k] = "0x" + eth_abi.encode(types, values).hex()
        return out

    def _values(self, kind: int, src: np.ndarray, rows: np.ndarray, ts: np.ndarray) -> list:
        """The non-indexed parameter values of logs of one kind."""
        if kind in (V1_FILLED, V2_FILLED):
            f = self.fills.take(pa.array(src)).to_pydict()
            amounts = zip(f["maker_amount_filled"], f["taker_amount_filled"], f["fee"],
                          strict=True)
            if kind == V1_FILLED:
                return [[int(m), int(t), a, b, fee] for m, t, (a, b, fee)
                        in zip(f["maker_asset_id"], f["taker_asset_id"], amounts, strict=True)]
            zero = bytes(32)
            return [[side, int(tok), a, b, fee, zero, zero] for side, tok, (a, b, fee)
                    in zip(f["side"], f["token_id"], amounts, strict=True)]
        if kind in (CTF_SPLIT, CTF_MERGE):
            inner = self.inner[rows].tolist()
            coll = np.where(ts < self.migration_ts, USDC_E, PUSD).tolist()
            return [[WRAPPED_COLLATERAL if i else c, [1, 2], s]
                    for i, c, s in zip(inner, coll, self.a_size[src].tolist(), strict=True)]
        if kind in (NR_SPLIT, NR_MERGE, NR_CONVERT):
            return [[s] for s in self.a_size[src].tolist()]
        r = {c: v[src].tolist() for c, v in self.r_ints.items()}
        if kind == NR_REDEEM:
            return [[[s0, s1], p] for s0, s1, p in zip(r["s0"], r["s1"], r["payout"],
                                                       strict=True)]
        inner = self.inner[rows].tolist()
        return [[self.r_cond[g].tobytes(),
                 [1, 2] if i else [1 << j for j in range(bits.bit_length()) if bits >> j & 1],
                 p] for g, i, bits, p in zip(src.tolist(), inner, r["bit"], r["payout"],
                                             strict=True)]
