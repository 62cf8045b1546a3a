"""`polyrank enrich`: rebuild the enriched trades — every stored fill decoded from its maker's
side (`trade_rows`, numbers only), every traded token joined to the catalogue (market, event,
category, neg-risk bet, payout: `trade_tokens`) and every wallet's address (`trade_wallets`);
the `trades` view joins them. Splits, merges and neg-risk conversions become position events
too (`activity_rows`); a conversion's prices come from the fills and splits of the NO positions
it converts, so its rows are built last, from the new `trade_rows` and splits and merges.

Each table is rebuilt whole into `<name>_next` and swapped in with EXCHANGE TABLES, so readers
never see a half-built table, and a re-run after a catalogue update resolves what was missing.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

from polyrank.categories import PRIORITY as CATEGORY_PRIORITY
from polyrank.stages import set_stage
from polyrank.store import Store, load_sql

log = logging.getLogger(__name__)
SQL = "polyrank.enrich.sql"
# table -> the .sql files that fill it, in order (tokens and wallets first: the rows are the
# bulk; activity_rows last: its conversions read the new trade_rows)
TABLES = {"trade_tokens": ("build_trade_tokens.sql",),
          "trade_wallets": ("build_trade_wallets.sql",),
          "trade_rows": ("build_trade_rows.sql",),
          "activity_rows": ("build_activity_rows.sql", "build_conversion_rows.sql")}


@dataclass
class EnrichReport:
    trades: int = 0
    unresolved_fills: int = 0
    unresolved_tokens: int = 0
    top_unresolved: list[tuple[str, int, int]] = field(default_factory=list)
    seconds: float = 0.0


def enrich(store: Store, *, list_limit: int = 20) -> EnrichReport:
    started = time.monotonic()
    set_stage(store, "enrich")
    for table, sql_files in TABLES.items():
        nxt = f"{table}_next"
        store.command("DROP TABLE IF EXISTS {t:Identifier}", {"t": nxt})
        # (CREATE ... AS takes no parameter for its source; `table` is one of ours)
        store.command(f"CREATE TABLE {{t:Identifier}} AS {table}", {"t": nxt})
        params = {"target": nxt, "trades": "trade_rows_next",
                  "priority": list(CATEGORY_PRIORITY)}
        for sql_file in sql_files:
            sql = load_sql(SQL, sql_file)
            store.command(sql, {k: v for k, v in params.items() if "{" + k + ":" in sql})
    for table in TABLES:
        store.command("EXCHANGE TABLES {t:Identifier} AND {n:Identifier}",
                      {"t": table, "n": f"{table}_next"})
        store.command("DROP TABLE {n:Identifier}", {"n": f"{table}_next"})
    report = EnrichReport()
    report.trades = store.scalar("SELECT count() FROM trade_rows")
    report.unresolved_fills, report.unresolved_tokens = store.rows(
        "SELECT count(), uniqExact(token_key) FROM trade_rows WHERE token_key IN "
        "(SELECT token_key FROM trade_tokens WHERE condition_id = '')")[0]
    report.top_unresolved = store.rows(load_sql(SQL, "unresolved.sql"), {"limit": list_limit})
    set_stage(store, "enriched")
    report.seconds = time.monotonic() - started
    log.info("enrich: %d trades, %d fills of %d unresolved tokens, %.1f s", report.trades,
             report.unresolved_fills, report.unresolved_tokens, report.seconds)
    return report
