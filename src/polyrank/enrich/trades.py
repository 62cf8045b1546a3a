"""`polyrank enrich`: rebuild the enriched trades — every stored fill decoded from its maker's
side (`trade_rows`, numbers only), every traded token joined to the catalogue (market, event,
category, neg-risk bet, payout: `trade_tokens`) and every wallet's address (`trade_wallets`);
the `trades` view joins them. Splits, merges and neg-risk conversions become position events
too (`activity_rows`); a conversion's prices come from the fills and splits of the NO positions
it converts, so its rows are built last, from the new `trade_rows` and splits and merges.

Each table is rebuilt whole into `<name>_next` and swapped in with EXCHANGE TABLES, so readers
never see a half-built table, and a re-run after a catalogue update resolves what was missing.
An incremental enrich (`polyrank refresh`) appends only the newly loaded fills to `trade_rows`
(the bulk; a fill's row depends on the fill alone), builds the activity rows again only for
the wallets with new activities, new fills no later than one of their conversions (whose
prices read them), or an activity on a market whose tokens, question or neg-risk event
changed since the last enrich (`activity_wallets.sql`, against what that enrich read of the
markets: `enriched_markets`; the others' rows are copied, and with no such wallet the table
is kept as it is) — whole only when something new of the wallet is no later than its latest
enriched conversion, or a market changed; else its rows are kept and its new splits, merges
and conversions added — and rebuilds the small tables: the catalogue's columns live in
`trade_tokens`, so a catalogue change reaches every fill through it (its tokens are the last
enrich's that the trade rows hold and the new fills', not read again from every fill).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

from polyrank.categories import PRIORITY as CATEGORY_PRIORITY
from polyrank.progress import NullProgress, Progress, Steps
from polyrank.stages import STAGE_SQL, set_stage
from polyrank.store import Store, load_sql
from polyrank.store.dsn import StoreTarget
from polyrank.upstream.chain.abi import EXCHANGES_V1, EXCHANGES_V2

log = logging.getLogger(__name__)
SQL = "polyrank.enrich.sql"
# table -> the .sql files that fill it, in order (tokens and wallets first: the rows are the
# bulk; activity_rows last: its conversions read the new trade_rows; their legs are written
# once to the work table conversion_legs, then priced)
TABLES = {"trade_tokens": ("build_trade_tokens.sql",),
          "trade_wallets": ("build_trade_wallets.sql",),
          "trade_rows": ("build_trade_rows.sql",),
          "activity_rows": ("build_activity_rows.sql", "conversion_legs.sql",
                            "build_conversion_rows.sql")}


#: what the last enrich read of each market (enriched_markets.sql), replaced by each enrich
MARKETS = "enriched_markets"
EXCHANGES = (*EXCHANGES_V1, *EXCHANGES_V2)  # a fill naming one as taker is a taker's own row
# pipeline_state: the latest load an enrich covered, of a fill or an activity (an ingest
# writes a batch's activities after its fills: with the fills' latest alone, the last batch's
# activities were read again by the next enrich, and a load of activities after every fill,
# all of them)
ENRICHED_KEY = "enriched_fills_to"
LATEST_LOAD = ("SELECT greatest((SELECT max(loaded_at) FROM fills), "
               "(SELECT max(inserted_at) FROM activities))")
EPOCH = "1970-01-01 00:00:00.000"
# fills and activities loaded this long before the last enrich's latest are looked at again:
# room for a write whose load time was stamped (when its INSERT began) before that enrich read
# the latest, but committed after. It bounds how long one INSERT of a concurrent writer may
# take: a load commits each batch of wallets' new rows in one INSERT (ingest/writer.py),
# which takes seconds at most, and one process's loads end before its enrich begins. A fill
# keeps one row, and a wallet whose rows stand for all of them is not built again
# (activity_wallets.sql): what the margin costs is reading those rows again. An embedded
# store has no concurrent writer (one process opens it: store/lock.py, and its loads end
# before its enrich begins), so it needs no margin; refreshes seconds apart, as a test or a
# benchmark runs them, would otherwise read every fill of the margin again.
MARGIN_S = 120


def _next_table(store: Store, table: str) -> str:
    """A new empty `<table>_next` shaped like `table`, to be swapped in for it."""
    return store.empty_like(table, f"{table}_next")


def _run(store: Store, sql_files: tuple[str, ...], params: dict, step_s: dict[str, float],
         shown: Steps) -> None:
    """Run the .sql files in order; their seconds are added to `step_s` by file name, and
    each is shown as it runs (`shown`: the enrich's progress, which planned them)."""
    for sql_file in sql_files:
        t0 = time.monotonic()
        sql = load_sql(SQL, sql_file)
        name = sql_file.removesuffix(".sql")
        with shown.step(name):
            store.command(sql, {k: v for k, v in params.items() if "{" + k + ":" in sql})
        step_s[name] = step_s.get(name, 0.0) + time.monotonic() - t0


def _kept_activity_rows(after: str | None, built_whole: int | None) -> tuple[str, ...]:
    """What puts the kept activity rows into the table being built: nothing in a rebuild; in
    an incremental enrich the rows of the wallets it does not build whole, copied, or with
    none built whole every row, the table taking activity_rows' parts as they are."""
    if after is None:
        return ()
    return ("kept_activity_rows.sql",) if built_whole else ("attach_activity_rows.sql",)


def _enriched_to(store: Store) -> str | None:
    """Where an incremental enrich starts: the last enrich's latest load less the
    margin; None (rebuild everything) before any enrich or with no enriched rows."""
    last = store.scalar(STAGE_SQL, {"key": ENRICHED_KEY})
    if not last or not store.scalar("SELECT count() FROM trade_rows"):
        return None
    return store.scalar("SELECT toString(parseDateTime64BestEffort({t:String}, 3, 'UTC') - "
                        "toIntervalSecond({m:UInt32}))", {"t": last, "m": margin_s(store.target)})


def _log(store: Store, after: str | None) -> None:
    """Record what the enrich changed of the trade rows (enrich_log.sql): every one (a
    rebuild, `after` None), or rows appended for the fills loaded after `after`."""
    store.command(load_sql(SQL, "enrich_log.sql"), {"whole": int(after is None),
                                                    "loaded_after": after or EPOCH})


def margin_s(target: StoreTarget) -> int:
    """How long before the last enrich's latest load an incremental enrich looks again: none
    on an embedded store (no concurrent writer), MARGIN_S on a server."""
    return 0 if target.embedded else MARGIN_S


@dataclass
class EnrichReport:
    trades: int = 0
    unresolved_fills: int = 0
    unresolved_tokens: int = 0
    top_unresolved: list[tuple[str, int, int]] = field(default_factory=list)
    seconds: float = 0.0
    #: the wallets whose activity rows an incremental enrich built again or appended to
    #: (None: every one), and of those the ones it built whole
    activity_wallets: int | None = None
    activity_wallets_whole: int | None = None
    #: seconds per step (.sql file), and of the closing counts ("report")
    step_s: dict[str, float] = field(default_factory=dict)


def enrich(store: Store, *, list_limit: int = 20, incremental: bool = False,
           progress: Progress | None = None) -> EnrichReport:
    """Rebuild the enriched tables; `incremental` (with a previous enrich to build on) appends
    to `trade_rows` only the fills loaded since that enrich, builds the activity rows of the
    wallets that changed since then (keeping the others') and rebuilds the small tables
    (tokens, wallets). `progress` shows the statement that runs."""
    with (progress or NullProgress()).task("enrich") as task:
        return _enrich(store, list_limit, incremental, Steps(task, "enrich"))


def _enrich(store: Store, list_limit: int, incremental: bool, shown: Steps) -> EnrichReport:
    started = time.monotonic()
    set_stage(store, "enrich")
    report = EnrichReport()
    loaded_to = store.scalar(LATEST_LOAD)
    after = _enriched_to(store) if incremental else None
    rebuild = dict(TABLES)
    store.command("TRUNCATE TABLE conversion_legs")
    # what this enrich reads of the markets, taken before it reads them (activity_wallets.sql
    # compares it with the last enrich's; it replaces that one at the end)
    _next_table(store, MARKETS)
    # (the statements known so far; the tables' are planned once it is known which ones an
    # incremental enrich builds again)
    shown.plan(1 + (2 if after is not None else 0))
    _run(store, ("enriched_markets.sql",), {"target": f"{MARKETS}_next"}, report.step_s,
         shown)
    if after is not None:
        del rebuild["trade_rows"]
        # (before the append: a fill without a row yet is new)
        store.command("TRUNCATE TABLE enrich_wallets")
        _run(store, ("activity_wallets.sql",), {"loaded_after": after}, report.step_s, shown)
        report.activity_wallets, report.activity_wallets_whole = store.rows(
            "SELECT count(), countIf(whole) FROM enrich_wallets")[0]
        if not report.activity_wallets:
            # no wallet's activity rows can have changed: the table stays as it is
            del rebuild["activity_rows"]
        # (logged before the rows are appended: a metrics run that reads them reads the line)
        _log(store, after)
        _run(store, TABLES["trade_rows"], {"target": "trade_rows", "loaded_after": after,
                                           "exchanges": list(EXCHANGES), "every_wallet": 0},
             report.step_s, shown)
    trades = "trade_rows" if after is not None else "trade_rows_next"
    kept = _kept_activity_rows(after, report.activity_wallets_whole)
    built = {table: (*(kept if table == "activity_rows" else ()), *sql_files)
             for table, sql_files in rebuild.items()}
    shown.plan(sum(map(len, built.values())) + 2)   # and the swap, the report
    for table, sql_files in built.items():
        nxt = _next_table(store, table)
        # (loaded_after: the rebuild's build_trade_rows takes every fill; an incremental
        # enrich's build_trade_tokens, the tokens of the fills loaded since the last enrich)
        _run(store, sql_files, {"target": nxt, "trades": trades,
                                "loaded_after": EPOCH if after is None else after,
                                "priority": list(CATEGORY_PRIORITY),
                                "exchanges": list(EXCHANGES),
                                "every_wallet": int(after is None)}, report.step_s, shown)
    with shown.step("swap"):
        if after is None:
            _log(store, None)   # (before the new rows replace the old)
        for table in (*rebuild, MARKETS):
            store.command("EXCHANGE TABLES {t:Identifier} AND {n:Identifier}",
                          {"t": table, "n": f"{table}_next"})
            store.command("DROP TABLE {n:Identifier}", {"n": f"{table}_next"})
        store.insert("pipeline_state", [(ENRICHED_KEY, str(loaded_to))], ("key", "value"))
    t0 = time.monotonic()
    with shown.step("report"):
        report.trades = store.scalar("SELECT count() FROM trade_rows")
        report.unresolved_fills, report.unresolved_tokens = store.rows(
            "SELECT count(), uniqExact(token_key) FROM trade_rows WHERE token_key IN "
            "(SELECT token_key FROM trade_tokens WHERE condition_id = '')")[0]
        report.top_unresolved = store.rows(load_sql(SQL, "unresolved.sql"),
                                           {"limit": list_limit})
    report.step_s["report"] = time.monotonic() - t0
    set_stage(store, "enriched")
    report.seconds = time.monotonic() - started
    log.info("enrich: %d trades, %d fills of %d unresolved tokens%s, %.1f s", report.trades,
             report.unresolved_fills, report.unresolved_tokens,
             "" if report.activity_wallets is None
             else f", activity rows of {report.activity_wallets} wallets built again "
                  f"({report.activity_wallets_whole} whole, the others' new ones added)",
             report.seconds)
    return report
