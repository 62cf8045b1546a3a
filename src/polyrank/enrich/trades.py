"""`polyrank enrich`: rebuild the `trades` table — every stored fill decoded from its maker's
side and joined to the catalogue (market, event, category, tags, neg-risk bet, payout).

The table is rebuilt whole into `trades_next` and swapped in with EXCHANGE TABLES, so readers
never see a half-built table, and a re-run after a catalogue update resolves what was missing.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

from polyrank.metrics.config import CATEGORY_PRIORITY
from polyrank.stage import set_stage
from polyrank.store import Store, load_sql

log = logging.getLogger(__name__)
SQL = "polyrank.enrich.sql"
NEXT = "trades_next"


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
    store.command("DROP TABLE IF EXISTS {t:Identifier}", {"t": NEXT})
    store.command("CREATE TABLE {t:Identifier} AS trades", {"t": NEXT})
    store.command(load_sql(SQL, "build_trades.sql"),
                  {"target": NEXT, "priority": list(CATEGORY_PRIORITY)})
    store.command("EXCHANGE TABLES trades AND {t:Identifier}", {"t": NEXT})
    store.command("DROP TABLE {t:Identifier}", {"t": NEXT})
    report = EnrichReport()
    report.trades, report.unresolved_fills, report.unresolved_tokens = store.rows(
        "SELECT count(), countIf(condition_id = ''), uniqExactIf(token_id, condition_id = '') "
        "FROM trades")[0]
    report.top_unresolved = store.rows(load_sql(SQL, "unresolved.sql"), {"limit": list_limit})
    set_stage(store, "enriched")
    report.seconds = time.monotonic() - started
    log.info("enrich: %d trades, %d fills of %d unresolved tokens, %.1f s", report.trades,
             report.unresolved_fills, report.unresolved_tokens, report.seconds)
    return report
