"""Compare the store's metric tables with a world's ground-truth ledger."""

from __future__ import annotations

import asyncio
import hashlib
import math
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pyarrow.parquet as pq

from polyrank.enrich.catalogue import sync_catalogue
from polyrank.enrich.trades import enrich
from polyrank.ingest.writer import FILL_COLUMNS
from polyrank.metrics.run import compute_metrics
from polyrank.sim.replay import ReplayServer
from polyrank.store import Store
from tests.ingest_support import FAST_RETRY, run_ingest, settings_for

KEYS = {
    "positions": ("wallet", "token_id"),
    "bets": ("wallet", "bet_key"),
    "wallet_metrics": ("wallet", "window", "category"),
    "specialists": ("wallet", "category"),
}
# counts must match exactly; money to 1e-6 USDC (ratios relative 1e-9)
ABS, REL = 1e-6, 1e-9
#: a store's loaded inputs: per wallet, with the column naming the wallet, and the catalogue
WALLET_INPUTS = {"fills": "maker", "activities": "wallet", "ingest_wallets": "wallet"}
CATALOGUE = ("markets", "events", "tags", "tokens", "conditions")
#: a test world's metrics run in slices of about this many trade rows (several per world)
SLICE_ROWS = 25_000


def _same(expected, got) -> bool:
    if expected is None or got is None:
        return expected is None and got is None
    if isinstance(expected, str):
        return expected == got
    if isinstance(expected, bool):
        return bool(got) == expected
    if isinstance(expected, int) and not isinstance(got, float):
        return int(got) == expected
    return math.isclose(float(expected), float(got), rel_tol=REL, abs_tol=ABS)


def load_and_compute(world: Path, root: Path, *, workers: int = 4, chain: bool = False,
                     **options) -> tuple[str, object]:
    """A world loaded through the replay server (catalogue sync + ingest), enriched and
    computed in a store under `root`; returns (store DSN, ingest report). `chain`: the V2
    era from the replay's JSON-RPC (`settings.rpc_url`) instead of the Data API."""
    wallets = (world / "wallets.txt").read_text().split()
    with ReplayServer(world) as server:
        settings = settings_for(server.url, f"chdb://{root / 'store'}", root / "rt")
        if chain:
            settings = settings.with_overrides(rpc_url=server.rpc_url)
        with Store.open(settings.store_dsn) as store:
            asyncio.run(sync_catalogue(settings, store, policy=FAST_RETRY))
        report = run_ingest(settings, wallets, workers=workers, **options)
    assert report.failed == {}
    with Store.open(settings.store_dsn) as store:
        assert enrich(store).unresolved_fills == 0
        # in slices of the wallets (several for a test world), so the ledger checks them too
        compute_metrics(store, slice_rows=SLICE_ROWS)
    return settings.store_dsn, report


def ledger_differences(world: Path, store_dsn: str, table: str) -> tuple[int, list[str]]:
    """(rows compared, human-readable differences) between ledger/<table>.parquet and the
    store's current metrics run."""
    keys = KEYS[table]
    expected = {tuple(r[k] for k in keys): r
                for r in pq.read_table(world / "ledger" / f"{table}.parquet").to_pylist()}
    with Store.open(store_dsn) as store:
        result = store.query(
            "SELECT * FROM {t:Identifier} WHERE run_id = (SELECT argMax(value, updated_at) "
            "FROM pipeline_state WHERE key = 'metrics_run')", {"t": table})
    rows = [dict(zip(result.column_names, r, strict=True)) for r in result.result_rows]
    got = {tuple(r[k] for k in keys): r for r in rows}
    # (a row written twice would otherwise hide behind its twin)
    problems = []
    if len(got) < len(rows):
        problems.append(f"{table}: {len(rows) - len(got)} rows with a key twice")
    problems += [f"{table}: missing {k}" for k in list(set(expected) - set(got))[:5]]
    problems += [f"{table}: unexpected {k}" for k in list(set(got) - set(expected))[:5]]
    for key, want in expected.items():
        have = got.get(key)
        if have is None:
            continue
        for column, value in want.items():
            if column in keys:
                continue
            if column not in have:
                problems.append(f"{table}: no column {column}")
            elif not _same(value, have[column]):
                problems.append(f"{table} {key} {column}: ledger {value!r}, store "
                                f"{have[column]!r}")
    return len(expected), problems


def as_the_data_api_shows_it(world: Path, out: Path) -> Path:
    """A copy of `world` whose V2 fills carry fee 0 and no taker — what a store loads, since
    the Data API reports neither the fee nor the counterparty (the fill's role is unknown,
    docs/metrics.md §4.8) — with its ledger recomputed from those fills (every table)."""
    import shutil

    import pyarrow as pa
    import pyarrow.compute as pc

    from polyrank.sim.world.files import (
        BETS,
        POSITIONS,
        SPECIALISTS,
        WALLET_METRICS,
        rows_to_columns,
        write_table,
    )
    from polyrank.sim.world.load import recompute_ledger

    (out / "ledger").mkdir(parents=True)
    for name in ("world.json", "events.jsonl", "markets.jsonl", "activity.parquet"):
        shutil.copy(world / name, out / name)
    fills = pq.read_table(world / "fills.parquet")
    v2 = pc.equal(fills["version"], 2)
    fee = pc.if_else(v2, pa.scalar(0, pa.int64()), fills["fee"])
    taker = pc.if_else(v2, pa.scalar("", pa.string()), fills["taker"])
    fills = fills.set_column(fills.schema.get_field_index("fee"), "fee", fee)
    pq.write_table(fills.set_column(fills.schema.get_field_index("taker"), "taker", taker),
                   out / "fills.parquet")
    positions, bets, result = recompute_ledger(out)
    write_table(out / "ledger" / "positions.parquet", POSITIONS,
                rows_to_columns(positions, POSITIONS.names))
    write_table(out / "ledger" / "bets.parquet", BETS, rows_to_columns(bets, BETS.names))
    write_table(out / "ledger" / "wallet_metrics.parquet", WALLET_METRICS, result.wallet_metrics)
    write_table(out / "ledger" / "specialists.parquet", SPECIALISTS, result.specialists)
    return out


# -- hand-made scenarios: fills and catalogue rows written straight into a store -------------

DAY = 86400
T0 = 1_760_000_000
M = 1_000_000


@dataclass
class Market:
    """A binary market; `payout` (e.g. (1, 0), (1, 1) for 50/50) resolves it at `resolved`.
    A neg-risk event's market has `neg_risk_id` (0x + 64 hex, last byte 00) and its
    `question` index: its question id is the event id with that index as last byte."""

    key: str
    payout: tuple[int, int] | None = None
    resolved: int | None = None
    neg_risk_id: str = ""
    tags: tuple[str, ...] = ("politics",)
    question: int | None = None
    event: str = ""  # its Gamma event (default: an event of its own)

    @property
    def condition_id(self) -> str:
        return "0x" + self.key.encode().hex().ljust(64, "0")[:64]

    @property
    def question_id(self) -> str:
        if self.question is None:
            return ""
        return self.neg_risk_id[:-2] + f"{self.question:02x}"

    def token(self, index: int) -> str:
        digest = hashlib.sha256(self.key.encode()).digest()[:30]
        return str(int.from_bytes(digest, "big") * 10 + index)


@dataclass
class Book:
    """Trades of hand-made wallets; amounts in whole shares / USDC (converted to micro)."""

    markets: list[Market] = field(default_factory=list)
    fills: list[tuple] = field(default_factory=list)
    activities: list[tuple] = field(default_factory=list)

    def activity(self, wallet: str, market: Market, kind: str, amount: float, *, ts: int,
                 usdc: float = 0.0) -> None:
        """A split, merge or redeem of `amount` shares of the market's condition."""
        n = len(self.activities)
        tx = f"0x{0xac7 << 200 | n:064x}"
        self.activities.append((f"{tx}_{n}", wallet, kind, ts, market.condition_id,
                                round(amount * M), round(usdc * M), tx, 1, "test", 0, 0))

    def conversion(self, wallet: str, neg_risk_id: str, questions: list[int], amount: float,
                   *, ts: int, question_count: int | None = None) -> None:
        """A neg-risk conversion of `amount` NO shares of each of `questions` of the event:
        with `question_count` (q at the time), the activity subgraph's one row (condition =
        the event, index set = the questions' bits); without, the Data API's rows, one per
        question (condition = that question's market, which the book must have), one
        transaction."""
        n = len(self.activities)
        tx = f"0x{0xc0 << 240 | n:064x}"
        if question_count is not None:
            self.activities.append((f"{tx}_{n}", wallet, "conversion", ts, neg_risk_id,
                                    round(amount * M), 0, tx, 1, "test",
                                    sum(1 << i for i in questions), question_count))
            return
        for i in questions:
            market = next(m for m in self.markets
                          if m.neg_risk_id == neg_risk_id and m.question == i)
            self.activities.append((f"{tx}_0x{n:04x}{i:060x}", wallet, "conversion", ts,
                                    market.condition_id, round(amount * M), 0, tx, 2, "test",
                                    0, 0))

    def market(self, key: str, **kw) -> Market:
        m = Market(key, **kw)
        self.markets.append(m)
        return m

    def neg_risk_event(self, key: str, questions: int, *, winner: int | None = None,
                       resolved: int | None = None, missing: tuple[int, ...] = ()
                       ) -> tuple[str, list[Market]]:
        """A neg-risk event of `questions` markets (question indices 0..q-1; those in
        `missing` left out of the catalogue); `winner` resolves question `winner` YES and
        every other NO at `resolved`. Returns (its negRiskMarketID, markets by index)."""
        event_id = "0x" + hashlib.sha256(key.encode()).hexdigest()[:62] + "00"
        markets = []
        for i in range(questions):
            payout = None if winner is None else ((1, 0) if i == winner else (0, 1))
            m = Market(f"{key}-q{i}", payout=payout, resolved=resolved,
                       neg_risk_id=event_id, question=i)
            if i not in missing:
                self.markets.append(m)
            markets.append(m)
        return event_id, markets

    def trade(self, wallet: str, market: Market, side: str, shares: float, usdc: float, *,
              ts: int, outcome: int = 0, fee: float = 0.0, version: int = 1,
              taker: str = "0x4bfb41d5b3570defd03c39a9a4d8de6bd8b8982e") -> None:
        """A fill of `wallet`'s order; `taker` is its counterparty (the exchange: the wallet's
        order took liquidity; another wallet: it rested and was matched; "": not known)."""
        token = market.token(outcome)
        n = len(self.fills)
        sh, us, fe = round(shares * M), round(usdc * M), round(fee * M)
        assets = ("0", token, us, sh) if side == "BUY" else (token, "0", sh, us)
        self.fills.append((f"0x{n:064x}_0x{n + 1:064x}", f"0x{n:064x}", ts, f"0x{n + 1:064x}",
                           wallet, taker, *assets, fe,
                           version, "test"))

    def load(self, store: Store, *, as_of: int | None = None) -> None:
        store.insert("fills", self.fills, FILL_COLUMNS)
        if self.activities:
            store.insert("activities", self.activities,
                         ("id", "wallet", "kind", "timestamp", "condition_id", "amount", "usdc",
                          "tx_hash", "exchange_version", "source", "index_set",
                          "question_count"))
        events, markets, tokens, conditions = [], [], [], []
        for i, m in enumerate(self.markets):
            event_id = m.neg_risk_id or m.event or f"e{i}"
            events.append((event_id, list(m.tags)))
            markets.append((m.condition_id, str(500 + i), event_id, [m.token(0), m.token(1)],
                            int(bool(m.neg_risk_id)), m.neg_risk_id, m.question_id))
            tokens += [(m.token(j), m.condition_id, j, str(500 + i)) for j in (0, 1)]
            if m.payout:
                conditions.append((m.condition_id, list(m.payout), max(1, sum(m.payout)),
                                   m.resolved, 1))
        store.insert("events", events, ("id", "tag_slugs"))
        store.insert("markets", markets, ("condition_id", "id", "event_id", "token_ids",
                                          "neg_risk", "neg_risk_market_id", "question_id"))
        store.insert("tokens", tokens, ("token_id", "condition_id", "outcome_index",
                                        "market_id"))
        store.insert("conditions", [(c, n, d, datetime.fromtimestamp(r, UTC), ok)
                                    for c, n, d, r, ok in conditions],
                     ("condition_id", "payout_numerators", "payout_denominator", "resolved_at",
                      "resolved"))
        enrich(store)
        if as_of is None:  # the latest event of the scenario: a fill or a resolution
            as_of = max([f[2] for f in self.fills] + [a[3] for a in self.activities]
                        + [m.resolved or 0 for m in self.markets])
        compute_metrics(store, as_of=as_of)


def current(store: Store, table: str, where: str = "1", params: dict | None = None
            ) -> list[dict]:
    result = store.query(
        "SELECT * FROM {table:Identifier} WHERE run_id = (SELECT argMax(value, updated_at) "
        f"FROM pipeline_state WHERE key = 'metrics_run') AND {where}",
        {"table": table, **(params or {})})
    return [dict(zip(result.column_names, r, strict=True)) for r in result.result_rows]


def export_rows(store: Store, path, sql: str, params: dict | None = None) -> None:
    """The rows of `sql` into a Parquet file (what another store reads with import_rows)."""
    store.command(f"INSERT INTO FUNCTION file({{path:String}}, Parquet) {sql} "
                  "SETTINGS engine_file_truncate_on_insert = 1",
                  {"path": str(path), **(params or {})})


def import_rows(store: Store, table: str, *paths) -> None:
    for path in paths:
        store.command("INSERT INTO {t:Identifier} SELECT * FROM file({path:String}, Parquet)",
                      {"t": table, "path": str(path)})


def enriched_copy(source: str, root: Path) -> str:
    """A store under `root` holding the inputs of the store `source` (fills, activities, the
    loads, the catalogue), enriched: a test module's own, whatever runs it computes."""
    tables = (*WALLET_INPUTS, *CATALOGUE)
    with Store.open(source) as src:
        for table in tables:
            export_rows(src, root / f"{table}.parquet", f"SELECT * FROM {table}")
    dsn = f"chdb://{root / 'store'}"
    with Store.open(dsn) as dst:
        for table in tables:
            import_rows(dst, table, root / f"{table}.parquet")
        enrich(dst)
    return dsn


def keyed_rows(store: Store, table: str, where: str, params: dict | None = None,
               keys: tuple[str, ...] | None = None) -> dict:
    """A result table's rows matching `where` (without the run id), by `keys` (default: its
    KEYS)."""
    result = store.query(f"SELECT * EXCEPT run_id FROM {{t:Identifier}} WHERE {where}",
                         {"t": table, **(params or {})})
    keys = keys or KEYS[table]
    rows = [dict(zip(result.column_names, r, strict=True)) for r in result.result_rows]
    keyed = {tuple(r[k] for k in keys): r for r in rows}
    # (a row written twice would otherwise hide behind its twin)
    assert len(keyed) == len(rows), f"{table}: {len(rows) - len(keyed)} rows with a key twice"
    return keyed


def differences(expected: dict, got: dict) -> list[str]:
    """Every row missing, extra, or with a column not the same (`_same`), between two
    keyed_rows."""
    out = [f"missing {k}" for k in expected.keys() - got.keys()]
    out += [f"extra {k}" for k in got.keys() - expected.keys()]
    for key in expected.keys() & got.keys():
        out += [f"{key} {col}: {value!r} != {got[key][col]!r}"
                for col, value in expected[key].items() if not _same(value, got[key][col])]
    return out
