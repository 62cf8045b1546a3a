"""The single writer: commits one job's fills, activities, tokens and wallet states to the store,
in that order, so a wallet is marked done only after its rows are written — the rows of both
sources (orderbook subgraph and Data API), fills and activities, in one commit. Runs in one
thread."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from polyrank.store import Store, load_sql
from polyrank.upstream.activity import WalletActivity
from polyrank.upstream.chain.abi import SOURCE as CHAIN_SOURCE
from polyrank.upstream.records import Fill, MarketData

SQL = "polyrank.ingest.sql"
FILL_COLUMNS = ("id", "transaction_hash", "timestamp", "order_hash", "maker", "taker",
                "maker_asset_id", "taker_asset_id", "maker_amount_filled",
                "taker_amount_filled", "fee", "exchange_version", "source")
WALLET_COLUMNS = ("wallet", "status", "fills_fetched", "fills_new", "fills_duplicate",
                  "truncated", "cursor", "error", "attempts", "run_id", "v2_fills",
                  "v2_fills_without_fee", "v2_source", "loaded_to")
ACTIVITY_COLUMNS = ("id", "wallet", "kind", "timestamp", "condition_id", "amount", "usdc",
                    "index_set", "tx_hash", "exchange_version", "source", "question_count")
V1_SOURCE = "goldsky"


@dataclass
class WalletOutcome:
    wallet: str
    fills: list[Fill]  # from the orderbook subgraph (V1)
    truncated: bool = False
    error: str = ""  # non-empty: the wallet failed
    v2: list[Fill] = field(default_factory=list)  # from the Data API (no fee information)
    v2_source: str = ""  # "data_api" or "chain" once read; "" = not read (skipped)
    v1_source: str = V1_SOURCE  # where `fills` came from: the subgraph, or the chain
    # V2-era splits, merges, redemptions and conversions from the Data API (not read with
    # --max-trades); rows of types that change no position are only counted
    activities: list[WalletActivity] = field(default_factory=list)
    activities_skipped: int = 0

    @property
    def failed(self) -> bool:
        return bool(self.error)


@dataclass(frozen=True)
class Committed:
    wallet: str
    fetched: int
    new: int
    duplicate: int
    truncated: bool
    failed: bool
    v2_fetched: int = 0
    v2_without_fee: int = 0  # of v2_fetched: stored with fee 0 (the Data API has no fee)
    activities_fetched: int = 0
    activities_new: int = 0
    activities_skipped: int = 0


def fill_row(fill: Fill, source: str, version: int = 1) -> tuple:
    return (fill.id, fill.transaction_hash, fill.timestamp, fill.order_hash, fill.maker,
            fill.taker, fill.maker_asset_id, fill.taker_asset_id, fill.maker_amount_filled,
            fill.taker_amount_filled, fill.fee, version, source)


def activity_row(act: WalletActivity) -> tuple:
    return (act.id, act.wallet, act.kind, act.timestamp, act.condition_id, act.amount,
            act.usdc, act.index_set, act.tx_hash, act.exchange_version, act.source,
            act.question_count)


@dataclass(frozen=True)
class WalletState:
    status: str
    attempts: int
    loaded_to: int  # the wallet's cursor: complete up to this upstream time (0 = never)
    v2_source: str = ""  # where its V2 era was last loaded from


class Writer:
    def __init__(self, store: Store, run_id: str) -> None:
        self.store, self.run_id = store, run_id
        # the upstream's head as this run began (None: unknown) and each wallet's cursor
        # before it: a wallet done now is complete up to `head`; a failed one keeps its own
        self.head: int | None = None
        self.previous: dict[str, int] = {}
        # wallets whose V2 era this run reads from the chain after the Data API: their Data
        # API rows are dropped in the commit that stores the chain's
        self.replace_data_api: set[str] = set()
        self.replaced = 0  # of them, wallets whose Data API rows are gone

    def wallet_state(self, wallets: Sequence[str]) -> dict[str, WalletState]:
        rows = self.store.rows(load_sql(SQL, "wallet_state.sql"), {"wallets": list(wallets)})
        return {wallet: WalletState(status, attempts, loaded_to, v2_source)
                for wallet, status, attempts, loaded_to, v2_source in rows}

    def expected_rows(self, loaded: Mapping[str, int], fresh: Sequence[str], since: int,
                      migration: int) -> dict[str, float]:
        """Each wallet's expected rows on the orderbook subgraph (`expected_rows.sql`):
        `loaded` (wallet -> its start time) from its stored fills, `fresh` (read from
        `since`) from the registry; wallets nothing is known of are left out."""
        if not loaded and not fresh:
            return {}
        rows = self.store.rows(load_sql(SQL, "expected_rows.sql"), {
            "loaded": list(loaded), "loaded_since": list(loaded.values()),
            "fresh": list(fresh), "since": since, "migration": migration})
        found = dict.fromkeys(loaded, 0.0)
        if since >= migration:  # the subgraph has nothing after the migration
            found.update(dict.fromkeys(fresh, 0.0))
        found.update((wallet, float(n)) for wallet, n, _ in rows)
        return found

    def known_tokens(self) -> set[str]:
        return {row[0] for row in self.store.rows(load_sql(SQL, "known_tokens.sql"))}

    def known_blocks(self) -> dict[int, int]:
        """Block timestamps read before (the chain source's header cache)."""
        return dict(self.store.rows(load_sql(SQL, "known_blocks.sql")))

    def save_blocks(self, blocks: dict[int, int]) -> None:
        self.store.insert("chain_blocks", sorted(blocks.items()), ("number", "timestamp"))

    def commit(self, outcomes: Sequence[WalletOutcome], tokens: Iterable[MarketData] = (),
               unresolved: Iterable[tuple[str, str]] = (),
               attempts: dict[str, int] | None = None,
               token_markets: dict[str, str] | None = None) -> list[Committed]:
        """Write new fills and activities, then resolved/unresolved tokens, then each wallet's
        state."""
        ok = [o for o in outcomes if not o.failed]
        existing = self._existing_ids([o.wallet for o in ok])
        existing_acts = self._existing_activity_ids([o.wallet for o in ok if o.activities])
        new_rows, act_rows, report, seen = [], [], [], set()
        for outcome in outcomes:
            new = dup = 0
            sources = ((outcome.fills, outcome.v1_source, 1),
                       (outcome.v2, outcome.v2_source, 2))
            for fills, source, version in sources if not outcome.failed else ():
                for fill in fills:
                    if fill.id in existing or fill.id in seen:
                        dup += 1
                        continue
                    seen.add(fill.id)
                    new_rows.append(fill_row(fill, source, version))
                    new += 1
            acts_new = 0
            for act in outcome.activities if not outcome.failed else ():
                if act.id in existing_acts or act.id in seen:
                    continue
                seen.add(act.id)
                act_rows.append(activity_row(act))
                acts_new += 1
            # every Data API fill lacks its fee (stored as 0): counted so that it shows
            no_fee = len(outcome.v2) if outcome.v2_source == "data_api" else 0
            report.append(Committed(outcome.wallet, len(outcome.fills) + len(outcome.v2), new,
                                    dup, outcome.truncated, outcome.failed, len(outcome.v2),
                                    no_fee, len(outcome.activities), acts_new,
                                    outcome.activities_skipped))
        self._drop_data_api([o.wallet for o in ok if o.v2_source == "chain"
                             and o.wallet in self.replace_data_api])
        self.store.insert("fills", new_rows, FILL_COLUMNS)
        self.store.insert("activities", act_rows, ACTIVITY_COLUMNS)
        markets = token_markets or {}
        self.store.insert("tokens", [(t.token_id, t.condition_id, _index(t.outcome_index),
                                      markets.get(t.token_id, ""),
                                      "gamma" if t.token_id in markets else "orderbook-subgraph")
                                     for t in tokens],
                          ("token_id", "condition_id", "outcome_index", "market_id", "source"))
        self.store.insert("unresolved_tokens", [(tok, w, 1) for tok, w in unresolved],
                          ("token_id", "wallet", "attempts"))
        attempts = attempts or {}
        states = []
        for outcome, done in zip(outcomes, report, strict=True):
            cursor = max((f.id for f in outcome.fills), default="")
            before = self.previous.get(outcome.wallet, 0)
            loaded_to = before if outcome.failed or self.head is None else self.head
            states.append((outcome.wallet, "failed" if outcome.failed else "done",
                           done.fetched, done.new, done.duplicate, int(outcome.truncated),
                           cursor, outcome.error[:1000], attempts.get(outcome.wallet, 0) + 1,
                           self.run_id, done.v2_fetched, done.v2_without_fee,
                           outcome.v2_source,
                           loaded_to))
        self.store.insert("ingest_wallets", states, WALLET_COLUMNS)
        return report

    def write_swept(self, fills: Sequence[tuple[Fill, int]],
                    activities: Sequence[WalletActivity]) -> tuple[int, int]:
        """Write a sweep's rows of one block range (`polyrank.ingest.sweep`): those not
        stored yet, looked up by id (a range read twice doubles nothing). Returns (new fills,
        new activities)."""
        fill_ids = {f.id for f, _ in fills}
        act_ids = {a.id for a in activities}
        known = self._stored("fills", fill_ids) | self._stored("activities", act_ids)
        new_fills = {f.id: fill_row(f, CHAIN_SOURCE, version) for f, version in fills
                     if f.id not in known}
        new_acts = {a.id: activity_row(a) for a in activities if a.id not in known}
        self.store.insert("fills", list(new_fills.values()), FILL_COLUMNS)
        self.store.insert("activities", list(new_acts.values()), ACTIVITY_COLUMNS)
        return len(new_fills), len(new_acts)

    def mark_swept(self, wallets: Sequence[str], read: Mapping[str, int]) -> None:
        """The swept wallets are complete up to the run's head: their state (the checkpoint)
        after all their rows; `read` = rows read per wallet."""
        states = [(w, "done", read.get(w, 0), 0, 0, 0, "", "", 1, self.run_id, 0, 0,
                   CHAIN_SOURCE, self.previous.get(w, 0) if self.head is None else self.head)
                  for w in wallets]
        self.store.insert("ingest_wallets", states, WALLET_COLUMNS)

    def _stored(self, table: str, ids: set[str]) -> set[str]:
        if not ids:
            return set()
        rows = self.store.rows(load_sql(SQL, "stored_ids.sql"),
                               {"table": table, "ids": sorted(ids)})
        return {row[0] for row in rows}

    def _drop_data_api(self, wallets: list[str]) -> None:
        if not wallets:
            return
        sql = load_sql(SQL, "drop_data_api_rows.sql")
        for table, who in (("fills", "maker"), ("activities", "wallet")):
            self.store.command(sql, {"table": table, "who": who, "wallets": wallets})
        self.replaced += len(wallets)

    def _existing_ids(self, makers: list[str]) -> set[str]:
        if not makers:
            return set()
        rows = self.store.rows(load_sql(SQL, "existing_fill_ids.sql"), {"makers": makers})
        return {row[0] for row in rows}

    def _existing_activity_ids(self, wallets: list[str]) -> set[str]:
        if not wallets:
            return set()
        rows = self.store.rows(load_sql(SQL, "existing_activity_ids.sql"), {"wallets": wallets})
        return {row[0] for row in rows}


UNKNOWN_OUTCOME = 255  # marketDatas may lack outcomeIndex; the catalogue's order then decides


def _index(outcome_index: int | None) -> int:
    return UNKNOWN_OUTCOME if outcome_index is None else outcome_index
