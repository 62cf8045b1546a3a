"""An incremental enrich (what `polyrank refresh` runs) equals a full one on every row of every
enriched table, while it builds the activity rows again only for the wallets that changed.

The suite's loaded world is split at T (at its last 1% of fills): a store holds the fills and
activities up to T and the catalogue without one neg-risk event's markets, loaded two days
ago (one quiet wallet's fill a day ago: the last load, which an enrich looks at again), and
is enriched; then the fills and activities after T, the held-back markets and one market
rewritten with new prices arrive, with two late arrivals from before T (a quiet wallet's
fills, which its conversions' prices read, and another's activities), and an incremental
enrich runs; then again, as if the first had been killed after its appends. A store holding
everything, enriched whole, is the reference. Leaving out any
of the three reasons to build a wallet's rows again (activity_wallets.sql) fails it; and it
builds again exactly the wallets with a reason (not the last load's again, not the
rewritten market's)."""

from __future__ import annotations

from collections import Counter

import pytest

from polyrank.enrich.trades import ENRICHED_KEY, TABLES, enrich
from polyrank.stages import STAGE_SQL
from polyrank.store import Store
from tests.metrics_support import CATALOGUE, export_rows

#: every table an enrich writes, with its columns in a fixed order
ENRICHED = tuple(TABLES)


@pytest.fixture(scope="module")
def parts(loaded, tmp_path_factory):
    """The loaded store's fills, activities and catalogue as Parquet files, and the split:
    T (the fills' 99th percentile time) and the neg-risk event held back (the one with the
    most conversions before T)."""
    _, source = loaded
    root = tmp_path_factory.mktemp("enrich-incremental")
    with Store.open(source) as src:
        for table in ("fills", "activities", *CATALOGUE):
            export_rows(src, root / f"{table}.parquet", f"SELECT * FROM {table}")
        t = src.scalar("SELECT toUInt32(quantileExact(0.99)(timestamp)) FROM fills")
        event = src.scalar(
            "SELECT lower(condition_id) FROM activities WHERE kind = 'conversion' "
            "AND timestamp <= {t:UInt32} GROUP BY 1 ORDER BY count() DESC, 1 LIMIT 1",
            {"t": t})
        # wallets with nothing after T: one whose fills up to T arrive late (its conversions'
        # prices read them), and one whose activities up to T do
        quiet = ("wallet NOT IN (SELECT wallet FROM activities WHERE timestamp > {t:UInt32}) "
                 "AND wallet NOT IN (SELECT maker FROM fills WHERE timestamp > {t:UInt32}) "
                 "AND wallet NOT IN (SELECT wallet FROM activities "
                 "WHERE lower(condition_id) = {event:String})")
        late_fills = src.scalar(
            f"SELECT wallet FROM activities WHERE kind = 'conversion' AND {quiet} "
            "GROUP BY wallet ORDER BY count() DESC, wallet LIMIT 1", {"t": t, "event": event})
        late_activities = src.scalar(
            f"SELECT wallet FROM activities WHERE kind != 'redeem' AND {quiet} "
            "AND wallet != {w:String} GROUP BY wallet ORDER BY count() DESC, wallet LIMIT 1",
            {"t": t, "event": event, "w": late_fills})
        # a question of the neg-risk event with the most other quiet converters: rewritten
        # with new prices
        others = f"{quiet} AND wallet NOT IN ({{lf:String}}, {{la:String}})"
        cases = {"t": t, "event": event, "lf": late_fills, "la": late_activities}
        repriced = src.scalar(
            "SELECT min(condition_id) FROM markets WHERE lower(neg_risk_market_id) = ("
            f"SELECT lower(condition_id) FROM activities WHERE kind = 'conversion' AND {others} "
            "AND lower(condition_id) != {event:String} "
            "GROUP BY 1 ORDER BY uniqExact(wallet) DESC, 1 LIMIT 1)", cases)
        # a token first traded in the fills that arrive later (all of its fills are held
        # back): of a market outside any neg-risk event, the one with the fewest fills; its
        # condition's splits and merges are left out of both stores (they would bring its
        # tokens into trade_tokens without a fill: build_trade_tokens.sql)
        fresh, fresh_condition = src.rows(
            "SELECT m.token_id, m.condition_id FROM (SELECT token_id, count() AS n FROM fills "
            "GROUP BY token_id) AS f JOIN (SELECT arrayJoin(token_ids) AS token_id, "
            "condition_id FROM markets WHERE neg_risk = 0) AS m ON m.token_id = f.token_id "
            "ORDER BY f.n, m.token_id LIMIT 1")[0]
        # the last load's fill: of a quiet wallet with activities (none of the token's)
        last = src.scalar(
            f"SELECT max(id) FROM fills WHERE maker IN (SELECT wallet FROM activities "
            f"WHERE {others} AND condition_id != {{m:String}}) AND maker NOT IN ("
            "SELECT maker FROM fills WHERE token_id = {f:String})",
            {**cases, "m": repriced, "f": fresh})
    assert event and late_fills and late_activities and repriced and fresh and last, \
        "the world lacks a case"
    return root, t, event, late_fills, late_activities, repriced, (fresh, fresh_condition), last


def load(store: Store, root, table: str, where: str, params: dict, stamp: str = "") -> None:
    """The rows of a table's file matching `where`, with its load time column set to `stamp`
    (an SQL expression; default: now, as a load would write it)."""
    column = {"fills": "loaded_at", "activities": "inserted_at", "markets": "updated_at"}
    replace = f" REPLACE ({stamp} AS {column[table]})" if stamp and table in column else ""
    store.command(f"INSERT INTO {{t:Identifier}} SELECT *{replace} FROM "
                  f"file({{path:String}}, Parquet) WHERE {where}",
                  {"t": table, "path": str(root / f"{table}.parquet"), **params})


def sold_again(store: Store) -> set[str]:
    """The wallets the last incremental enrich appended to whose new conversions sell (NO
    legs) a token one of their kept conversions sold too: those legs' prices fold the kept
    rows."""
    return {w for (w,) in store.rows(
        "SELECT DISTINCT wallet FROM (SELECT e.wallet AS wallet FROM activity_rows AS r "
        "JOIN enrich_wallets AS e ON e.wallet_key = r.wallet_key WHERE NOT e.whole AND "
        "r.kind = 'conversion' AND r.is_buy >= 2 GROUP BY e.wallet, r.token_key, "
        "e.last_conversion HAVING min(r.ts) <= e.last_conversion "
        "AND max(r.ts) > e.last_conversion)")}


def enriched(store: Store) -> dict[str, Counter]:
    return {table: Counter(store.rows("SELECT * FROM {t:Identifier}", {"t": table}))
            for table in ENRICHED}


def test_an_incremental_enrich_equals_a_full_one(parts, tmp_path):
    root, t, event, late_fills, late_activities, repriced, (fresh, fresh_condition), \
        last_fill = parts
    # (the fills' file has no materialized token_id)
    of_fresh = "if(maker_asset_id = '0', taker_asset_id, maker_asset_id) = {fresh:String}"
    kept = {"fc": fresh_condition}
    no_splits = "condition_id != {fc:String}"
    held_back = ("lower(neg_risk_market_id) = {event:String}", {"event": event})
    with Store.open(f"chdb://{tmp_path / 'whole'}") as whole:
        for table in ("fills", "activities", *CATALOGUE):
            load(whole, root, table, no_splits if table == "activities" else "1", kept)
        enrich(whole)
        expected = enriched(whole)
        wallets_with_activity_rows = whole.scalar(
            "SELECT uniqExact(wallet_key) FROM activity_rows")

    with Store.open(f"chdb://{tmp_path / 'refreshed'}") as store:
        before_t, after_t = "timestamp <= {split:UInt32}", "timestamp > {split:UInt32}"
        old = "now64(3) - INTERVAL 2 DAY"
        for table in CATALOGUE:
            if table != "markets":
                load(store, root, table, "1", {}, old)
        load(store, root, "markets", f"NOT ({held_back[0]})", held_back[1], old)
        early = {"split": t, "lf": late_fills, "la": late_activities, "last": last_fill,
                 "fresh": fresh, **kept}
        load(store, root, "fills", f"{before_t} AND maker != {{lf:String}} AND id != "
             f"{{last:String}} AND NOT {of_fresh}", early, old)
        load(store, root, "fills", "id = {last:String}", early, "now64(3) - INTERVAL 1 DAY")
        load(store, root, "activities", f"{before_t} AND wallet != {{la:String}} AND "
             f"{no_splits}", early, old)
        first = enrich(store)
        assert first.activity_wallets is None  # the first enrich builds every wallet's rows
        # each wallet's latest conversion the first enrich priced
        priced_to = dict(store.rows(
            "SELECT w.wallet, max(r.ts) FROM activity_rows AS r JOIN trade_wallets AS w "
            "ON w.wallet_key = r.wallet_key WHERE r.kind = 'conversion' GROUP BY w.wallet"))
        missing = store.scalar("SELECT count() FROM activity_rows")
        assert not store.scalar("SELECT count() FROM trade_tokens WHERE token_id = "
                                "{f:String}", {"f": fresh})

        load(store, root, "fills", f"({after_t} OR maker = {{lf:String}} OR {of_fresh}) "
             f"AND id != {{last:String}}", early)
        load(store, root, "activities", f"({after_t} OR wallet = {{la:String}}) AND "
             f"{no_splits}", early)
        load(store, root, "markets", held_back[0], held_back[1])
        # a market rewritten by a catalogue sync with new prices: no activity row changes
        store.command("INSERT INTO markets SELECT * REPLACE (arrayMap(p -> '0.5', "
                      "outcome_prices) AS outcome_prices, now64(3) AS updated_at) FROM "
                      "file({path:String}, Parquet) WHERE condition_id = {m:String}",
                      {"path": str(root / "markets.parquet"), "m": repriced})
        covered = store.scalar(STAGE_SQL, {"key": ENRICHED_KEY})
        report = enrich(store, incremental=True)
        got = enriched(store)
        built = {w for (w,) in store.rows("SELECT wallet FROM enrich_wallets")}
        built_whole = {w for (w,) in store.rows(
            "SELECT wallet FROM enrich_wallets WHERE whole")}
        # what each wallet had loaded now (not a redemption): its times
        loaded_now = store.rows(
            "SELECT maker, timestamp FROM fills WHERE loaded_at > now64(3) - INTERVAL 1 HOUR "
            "UNION ALL SELECT wallet, timestamp FROM activities WHERE inserted_at > "
            "now64(3) - INTERVAL 1 HOUR AND kind != 'redeem'")
        event_wallets = {w for (w,) in store.rows(
            "SELECT wallet FROM activities WHERE lower(condition_id) = {e:String} OR "
            "condition_id IN (SELECT condition_id FROM markets "
            "WHERE lower(neg_risk_market_id) = {e:String})", {"e": event})}
        # the reasons: an activity loaded now (not a redemption: it makes no activity row),
        # a fill loaded now no later than a conversion of its wallet (whose prices read the
        # fills before it), an activity on the held-back event
        converts_later = ("(maker, timestamp) IN (SELECT f.maker, f.timestamp FROM fills AS f "
                          "JOIN activities AS a ON a.wallet = f.maker WHERE a.kind = "
                          "'conversion' AND f.timestamp <= a.timestamp)")
        reasons = {w for (w,) in store.rows(
            "SELECT maker FROM fills WHERE loaded_at > now64(3) - INTERVAL 1 HOUR AND "
            f"{converts_later} UNION ALL "
            "SELECT wallet FROM activities WHERE inserted_at > now64(3) - INTERVAL 1 HOUR "
            "AND kind != 'redeem' "
            "UNION ALL SELECT wallet FROM activities WHERE lower(condition_id) = {e:String} "
            "OR condition_id IN (SELECT condition_id FROM markets "
            "WHERE lower(neg_risk_market_id) = {e:String})", {"e": event})}
        repriced_wallets = {w for (w,) in store.rows(
            "SELECT wallet FROM activities WHERE lower(condition_id) IN (SELECT "
            "lower(neg_risk_market_id) FROM markets WHERE condition_id = {m:String})",
            {"m": repriced})}
        last_maker = store.scalar("SELECT maker FROM fills WHERE id = {i:String}",
                                  {"i": last_fill})
        # killed after its appends, before it recorded what it covered: the rerun appends
        # the same fills again, and must double none of them
        store.insert("pipeline_state", [(ENRICHED_KEY, covered)], ("key", "value"))
        enrich(store, incremental=True)
        rerun = enriched(store)
        # the wallets with fills loaded now after each of their conversions, if any (none
        # changes a conversion's prices), of which some have no reason to be built again
        fillers = {w for (w,) in store.rows(
            "SELECT maker FROM fills WHERE loaded_at > now64(3) - INTERVAL 1 HOUR AND NOT "
            f"{converts_later} AND maker IN (SELECT wallet FROM activities)")}
        converters = {w for (w,) in store.rows(
            "SELECT DISTINCT wallet FROM activities WHERE kind = 'conversion'")}
        # nothing new since: no wallet to build again, and the activity rows kept as they are
        quiet = enrich(store, incremental=True)
        kept_rows = enriched(store)["activity_rows"]

    for table in ENRICHED:
        for run, rows in (("incremental", got), ("rerun", rerun)):
            extra, lacking = rows[table] - expected[table], expected[table] - rows[table]
            assert not extra and not lacking, (
                f"{run}, {table}: {sum(extra.values())} rows not in a full enrich's, "
                f"{sum(lacking.values())} missing; e.g. {list(extra)[:2]} {list(lacking)[:2]}")
    # the held-back event's activities had no rows before its markets arrived; the token
    # first traded in the new fills has its row (compared above)
    assert missing < sum(expected["activity_rows"].values())
    assert any(row[1] == fresh for row in got["trade_tokens"])
    # each enrich reports the steps it ran: the whole one every table's, the incremental one
    # its appended trade rows and the wallets it built again, not the trade rows rebuilt
    assert set(first.step_s) == {"enriched_markets", "build_trade_tokens", "build_trade_wallets",
                                 "build_trade_rows", "build_activity_rows", "conversion_legs",
                                 "build_conversion_rows", "report"}
    assert set(report.step_s) == set(first.step_s) | {"activity_wallets", "kept_activity_rows"}
    assert all(s >= 0 for s in (*first.step_s.values(), *report.step_s.values()))
    # only the wallets that changed were built again
    assert report.activity_wallets is not None
    assert 0 < report.activity_wallets < wallets_with_activity_rows
    assert built == reasons
    # built whole: a market changed under its activities (the held-back event's), or it had
    # something loaded now no later than its latest priced conversion (the late fills'
    # wallet); the others' rows were kept and their new ones added
    earlier = {w for w, ts in loaded_now if w in priced_to and ts <= priced_to[w]}
    assert late_fills in earlier
    assert built_whole == (event_wallets | earlier) & built
    assert report.activity_wallets_whole == len(built_whole)
    assert built - built_whole, "no wallet appended to"
    # the cases that have no reason: the last load's wallet (its fill has its row) and the
    # repriced market's quiet wallets
    assert last_maker not in built and repriced_wallets - reasons
    # (built == reasons: none of them was built again), with and without conversions
    assert (fillers - reasons) & converters and (fillers - reasons) - converters
    assert quiet.activity_wallets == 0 and kept_rows == expected["activity_rows"]
    assert "build_activity_rows" not in quiet.step_s
    assert "kept_activity_rows" not in quiet.step_s


def test_an_incremental_enrich_appends_to_converters(parts, tmp_path):
    """Fills and activities up to the median conversion's time, enriched, then the rest: every
    wallet with something new has it all after its priced conversions, so none is built whole.
    Its rows are kept as they are (the table's parts taken as they stand) and only its new
    rows added: the new conversions priced from its kept rows too, which must give every row
    a full enrich gives."""
    root = parts[0]
    with Store.open(f"chdb://{tmp_path / 'whole'}") as whole:
        for table in ("fills", "activities", *CATALOGUE):
            load(whole, root, table, "1", {})
        enrich(whole)
        expected = enriched(whole)
        t = whole.scalar("SELECT toUInt32(quantileExactLow(0.5)(timestamp)) FROM activities "
                         "WHERE kind = 'conversion'")
    with Store.open(f"chdb://{tmp_path / 'appended'}") as store:
        old = "now64(3) - INTERVAL 2 DAY"
        for table in CATALOGUE:
            load(store, root, table, "1", {}, old)
        for table in ("fills", "activities"):
            load(store, root, table, "timestamp <= {split:UInt32}", {"split": t}, old)
        enrich(store)
        # what the enrich covered: the activities too, loaded after every fill (else the next
        # enrich reads them all again, as candidates)
        assert store.scalar(
            "SELECT parseDateTime64BestEffort({c:String}, 3, 'UTC') >= max(inserted_at) "
            "AND max(inserted_at) > (SELECT max(loaded_at) FROM fills) FROM activities",
            {"c": store.scalar(STAGE_SQL, {"key": ENRICHED_KEY})})
        for table in ("fills", "activities"):
            load(store, root, table, "timestamp > {split:UInt32}", {"split": t})
        report = enrich(store, incremental=True)
        got = enriched(store)
        appended = {w for (w,) in store.rows(
            "SELECT wallet FROM enrich_wallets WHERE NOT whole AND last_conversion > 0")}
        sold = sold_again(store)
    for table in ENRICHED:
        extra, lacking = got[table] - expected[table], expected[table] - got[table]
        assert not extra and not lacking, (
            f"{table}: {sum(extra.values())} rows not in a full enrich's, "
            f"{sum(lacking.values())} missing; e.g. {list(extra)[:2]} {list(lacking)[:2]}")
    assert report.activity_wallets and report.activity_wallets_whole == 0
    assert "attach_activity_rows" in report.step_s and "kept_activity_rows" not in report.step_s
    # wallets with priced conversions appended to, some selling a token again
    assert len(appended) >= 10 and sold & appended, (len(appended), len(sold))
