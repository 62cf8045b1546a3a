"""The embedded store: real chDB in a temporary folder."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from polyrank.errors import StoreError, StoreLockedError
from polyrank.store import Store
from polyrank.store.migrations import discover

FILL_COLUMNS = ["id", "transaction_hash", "timestamp", "order_hash", "maker", "taker",
                "maker_asset_id", "taker_asset_id", "maker_amount_filled",
                "taker_amount_filled", "fee", "exchange_version", "source"]
TOKEN = "73716170047628147940237270507900673332129573201293655532643868111690843426372"
WALLET = "0x" + "ab" * 20


def fill(i: int, *, buy: bool = True, maker: str = WALLET) -> tuple:
    usdc, shares = 2_500_000 + i, 5_000_000
    assets = ("0", TOKEN) if buy else (TOKEN, "0")
    amounts = (usdc, shares) if buy else (shares, usdc)
    return (f"0x{i:064x}_0x{i + 1:064x}", f"0x{i:064x}", 1_760_000_000 + i, f"0x{i + 1:064x}",
            maker, "0x4bfb41d5b3570defd03c39a9a4d8de6bd8b8982e", *assets, *amounts, 0, 1, "t")


def test_open_applies_migrations_once(store_dsn):
    with Store.open(store_dsn) as st:
        first = st.applied_migrations()
        assert [v for v, _ in first] == [m.version for m in discover()]
        assert [v for v, _ in first] == [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
                                            17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29,
                                            30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41,
                                            42, 43, 44]
    with Store.open(store_dsn) as st:
        assert st.migrate() == []
        assert st.applied_migrations() == first


def test_wallet_rows_are_written_once_with_a_copy_by_wallet(store):
    """Wallet pages read wallet_metrics (a view of wallet_metric_rows) by wallet (its by_wallet
    projection); the wallet steps write the rows there once (no work table before the badge:
    the view applies it)."""
    sql = "SELECT create_table_query FROM system.tables WHERE database = currentDatabase() " \
          "AND name = {t:String}"
    assert "PROJECTION by_wallet" in store.scalar(sql, {"t": "wallet_metric_rows"})
    assert not store.scalar("EXISTS TABLE wallet_rows_work")


def _migrate_to(st: Store, version: int) -> None:
    """Apply (and record) the migrations up to `version`, as a store of that age had them."""
    from polyrank.store.migrations import BOOTSTRAP, discover

    st.command(BOOTSTRAP)
    for mig in discover()[:version]:
        for statement in mig.statements():
            st.command(statement)
        st.insert("schema_migrations", [(mig.version, mig.name, mig.checksum)],
                  ["version", "name", "checksum"])


def test_compact_trades_migration_keeps_the_enriched_rows(store_dsn):
    """0006 splits the `trades` table into trade_rows / trade_tokens / trade_wallets and makes
    `trades` a view over them: a store enriched before it reads the same rows after it."""
    row = {"wallet": WALLET, "ts": 1_760_000_000, "tx_key": 7, "order_key": 9,
           "token_id": TOKEN, "is_buy": 1, "shares": 5_000_000, "usdc": 2_500_000,
           "received": 4_990_000, "cash": 2_500_000, "fee_usdc": 0, "fee_shares": 10_000,
           "version": 1, "condition_id": "0xc", "outcome_index": 1, "market_id": "12",
           "event_id": "3", "neg_risk_market_id": "", "bet_key": "0xc", "category": "crypto",
           "payout": 1.0, "resolved_at": 1_760_086_400}
    with Store.open(store_dsn, migrate=False) as st:
        _migrate_to(st, 5)
        st.command("CREATE TABLE stage AS trades ENGINE = Memory")
        st.insert("stage", [tuple(row.values())], list(row))
        st.command("INSERT INTO trades SELECT * REPLACE (cityHash64(wallet) AS wallet_key, "
                   "cityHash64(token_id) AS token_key) FROM stage")
    with Store.open(store_dsn) as st:
        assert [v for v, _ in st.applied_migrations()][-1] >= 6
        result = st.query("SELECT * FROM trades")
        got = dict(zip(result.column_names, result.result_rows[0], strict=True))
        assert st.scalar("SELECT engine FROM system.tables WHERE name = 'trades' "
                         "AND database = currentDatabase()") == "View"
    assert {k: got[k] for k in row} == row
    assert got["wallet_key"] and got["token_key"]


def test_positions_and_bets_by_number_migration_keeps_a_runs_rows(store_dsn):
    """0028 keeps a run's positions and bets by number (`position_rows`, `bet_rows`; the
    strings in `run_tokens`, `run_bets`) and makes `positions` and `bets` views joining them:
    a run written before it reads the same rows after it, with the strings it wrote."""
    row = {"run_id": "r1", "wallet": WALLET, "token_id": TOKEN, "condition_id": "0xc",
           "bet_key": "0xb", "category": "crypto", "amount": 3.5, "avg_price": 0.25,
           "realized": -1.25, "cost": 2.0, "bought": 8.0, "unmatched_sell": 0.0, "fills": 4,
           "is_open": 1, "closed_ts": None, "mark": 0.5, "unrealized": 0.875,
           "pnl_polymarket": -1.0, "pnl_fee_effect": -0.25, "pnl_unredeemed": 0.0}
    bet = {"run_id": "r1", "wallet": WALLET, "bet_key": "0xb", "category": "crypto",
           "pnl": -1.25, "cost": 2.0, "closed": 0, "closed_ts": None, "positions": 1,
           "pnl_polymarket": -1.0, "pnl_fee_effect": -0.25, "pnl_unredeemed": 0.0,
           "shares_bought": 8.0, "event_id": "7"}
    with Store.open(store_dsn, migrate=False) as st:
        _migrate_to(st, 27)
        st.insert("positions", [tuple(row.values())], list(row))
        st.insert("bets", [tuple(bet.values())], list(bet))
        # the wallet's address, as an enrich keeps it (the view joins it)
        st.command("INSERT INTO trade_wallets SELECT cityHash64({w:String}), {w:String}",
                   {"w": WALLET})
    with Store.open(store_dsn) as st:
        assert [v for v, _ in st.applied_migrations()][-1] >= 28
        for table, written in (("positions", row), ("bets", bet)):
            result = st.query("SELECT * FROM {t:Identifier}", {"t": table})
            assert result.column_names == tuple(written)
            assert [dict(zip(written, r, strict=True)) for r in result.result_rows] == [written]
            assert st.scalar("SELECT engine FROM system.tables WHERE name = {t:String} "
                             "AND database = currentDatabase()", {"t": table}) == "View"
        assert st.scalar("SELECT count() FROM position_rows") == 1
        assert st.scalar("SELECT count() FROM bet_rows") == 1


def test_wallet_rows_by_source_migration_keeps_a_runs_rows_and_badges(store_dsn):
    """0035 keeps each run's wallet rows where the run wrote them (`wallet_metric_rows`) and
    makes `wallet_metrics` a view reading them through `run_sources`, badged by
    `board_thresholds`: a run written before it reads the same rows and badges after it."""
    def metric_row(wallet: str, p: float | None, skilled: int, ranked: bool = True) -> dict:
        return {"run_id": "r1", "wallet": wallet, "window": "lifetime", "category": "all",
                "eligibility": "ranked" if ranked else "provisional", "skill_p": p,
                "skilled": skilled}
    rows = [metric_row("0xa", 0.001, 1), metric_row("0xb", 0.004, 1),
            metric_row("0xc", 0.002, 0, ranked=False),  # below the threshold, not ranked
            metric_row("0xd", None, 0), metric_row("0xe", 0.5, 0)]
    with Store.open(store_dsn, migrate=False) as st:
        _migrate_to(st, 34)
        st.insert("wallet_metrics", [tuple(r.values()) for r in rows], list(rows[0]))
    with Store.open(store_dsn) as st:
        assert [v for v, _ in st.applied_migrations()][-1] >= 35
        got = st.rows("SELECT run_id, wallet, skilled FROM wallet_metrics ORDER BY wallet")
        assert got == [("r1", r["wallet"], r["skilled"]) for r in rows]
        assert st.rows("SELECT run_id, window, category, threshold FROM board_thresholds") == [
            ("r1", "lifetime", "all", 0.004)]
        assert st.scalar("SELECT count() FROM wallet_metric_rows") == 5
        assert st.scalar("SELECT engine FROM system.tables WHERE name = 'wallet_metrics' "
                         "AND database = currentDatabase()") == "View"


def test_loading_the_same_fill_twice_leaves_one_row(store):
    rows = [fill(i) for i in range(5)]
    store.insert("fills", rows, FILL_COLUMNS)
    store.insert("fills", rows[:3], FILL_COLUMNS)
    assert store.scalar("SELECT count() FROM fills FINAL") == 5
    assert store.scalar("SELECT count() FROM trades_raw") == 5
    assert store.scalar("SELECT uniqExact(fill_id) FROM trades_raw") == 5


def test_trades_raw_keeps_the_earlier_loaders_query_shape_and_exact_values(store):
    store.insert("fills", [fill(1), fill(2, buy=False)], FILL_COLUMNS)
    store.insert("tokens", [(TOKEN, "0x" + "cd" * 32, 1, "512")],
                 ["token_id", "condition_id", "outcome_index", "market_id"])
    result = store.query("SELECT * FROM trades_raw WHERE wallet_address = {w:String} "
                         "ORDER BY timestamp", {"w": WALLET})
    got = [dict(zip(result.column_names, r, strict=True)) for r in result.result_rows]
    assert [g["side"] for g in got] == ["BUY", "SELL"]
    assert {g["token_id"] for g in got} == {TOKEN}  # 77 digits, never through a float
    assert {g["condition_id"] for g in got} == {"0x" + "cd" * 32}
    assert {g["market_id"] for g in got} == {"512"}
    assert str(got[0]["shares"]) == "5.000000" and str(got[0]["usdc_value"]) == "2.500001"
    raw = store.rows("SELECT maker_amount_filled, taker_amount_filled FROM fills FINAL "
                     "ORDER BY timestamp")
    assert raw == [(2_500_001, 5_000_000), (5_000_000, 2_500_002)]


def test_unresolved_tokens_keep_their_fills_in_trades_raw(store):
    store.insert("fills", [fill(7)], FILL_COLUMNS)
    assert store.rows("SELECT condition_id, market_id FROM trades_raw") == [("", "")]


def test_values_only_reach_sql_as_bound_parameters(store):
    store.insert("fills", [fill(1)], FILL_COLUMNS)
    hostile = "x' OR '1'='1"
    assert store.scalar("SELECT count() FROM trades_raw WHERE wallet_address = {w:String}",
                        {"w": hostile}) == 0


def test_every_statement_runs_without_compiling_expressions(store):
    # (ENGINE_SETTINGS: compiling made every refresh round after the third ~1.6x slower; the
    # AND-chain rewrite took ~80 ms of the wallet rows' statement's planning)
    settings = dict(store.rows("SELECT name, value FROM system.settings WHERE name IN "
                               "('compile_expressions', 'compile_aggregate_expressions', "
                               "'compile_sort_description', 'optimize_and_compare_chain')"))
    assert settings == {"compile_expressions": "0", "compile_aggregate_expressions": "0",
                        "compile_sort_description": "0", "optimize_and_compare_chain": "0"}
    read = store.dicts("SELECT value FROM system.settings WHERE name = 'compile_expressions'")
    assert read == [{"value": "0"}]


def test_read_only_queries_cannot_write(store):
    with pytest.raises(StoreError, match="read-only"):
        store.query("INSERT INTO tags (id, label, slug) VALUES ('1', 'a', 'a')",
                    read_only=True)
    with pytest.raises(StoreError, match="read-only"):
        store.query("DROP TABLE fills", read_only=True)
    assert store.scalar("SELECT count() FROM system.tables WHERE name = 'fills' "
                        "AND database = currentDatabase()") == 1


def test_engine_errors_become_store_errors_with_the_statement(store):
    with pytest.raises(StoreError, match="no_such_table"):
        store.query("SELECT * FROM no_such_table")


def test_closed_store_says_so(store_dsn):
    st = Store.open(store_dsn)
    st.close()
    with pytest.raises(StoreError, match="closed"):
        st.query("SELECT 1")


def test_a_second_process_gets_a_clear_message_naming_the_folder(store, store_dsn):
    code = textwrap.dedent(f"""
        from polyrank.store import Store
        from polyrank.errors import StoreLockedError
        try:
            Store.open({store_dsn!r})
        except StoreLockedError as exc:
            print("LOCKED:", exc)
        else:
            print("OPENED")
    """)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)
    assert "LOCKED:" in done.stdout, done.stdout + done.stderr
    assert str(store.target.path) in done.stdout
    assert "in use by pid" in done.stdout and "polyrank status" in done.stdout


def test_the_lock_is_released_on_close(store_dsn):
    Store.open(store_dsn).close()
    with Store.open(store_dsn) as st:
        assert st.scalar("SELECT 1") == 1


def test_same_process_lock_is_exclusive_too(store, store_dsn):
    with pytest.raises(StoreLockedError):
        Store.open(store_dsn)
