-- The wallets whose figures can differ from the base run's (metrics/incremental.py), into
-- run_wallets; the base run has the same settings, as of no later than this run. A wallet
-- is computed again when
--   its own inputs changed (wallet_inputs: new, changed or gone fills, activities,
--   redemptions, truncation): whole, every position folded again, when it is new or its
--   history up to the base run's as-of time changed (a late fill, a truncation); else only
--   its positions that moved since (moved_positions.sql), the others copied;
--   it held a token whose catalogue row, resolution or prices changed (run_changed_tokens,
--   changed_tokens.sql): its positions on those tokens folded again, the others copied
--   (carried_positions.sql); its fill figures computed again only if the token's
--   catalogue row changed (which of its fills count in which category, market and bet),
--   else copied (wallet_rows.sql);
--   a fill of its, or a closing of one of its bets, left a window since the base run: with
--   windows ending at the as-of time, what happened in (base as-of - d days, as-of - d days]
--   (positions do not depend on the windows: copied too; fill figures too for a bet, and
--   for a fill those of the windows it did not leave);
--   the run is of a later UTC day than the base run: every wallet the base run reads, for
--   its risk figures (their windows count the days up to the as-of day): its positions and
--   its fill figures copied, and its equity curve's days from the base run's day built.
-- `past`: nothing the wallet's equity curve reads before the base run's as-of day changed,
-- so the curve's days before it are the base run's (risk_curves.sql): its own inputs up to
-- the base run's as-of time (wallet_inputs.prefix) and every curve before that day of a
-- token it held by then (run_changed_tokens.past; a token it first holds later counts from
-- later on).
-- `fill_windows`: the windows whose fill figures are computed, as bits (bit i - 1 for the
-- i-th window): every one for a change of its own inputs or a catalogue row, those a fill
-- left for a window's edge, none for the rest.
-- Everything else a wallet's rows read is the same for both runs, so its rows are too.
INSERT INTO run_wallets (run_id, wallet_key, whole, fill_windows, past)
WITH
    {as_of:UInt32} AS as_of,
    {base_as_of:UInt32} AS base_as_of,
    {window_days:Array(UInt32)} AS window_days,
    arrayFilter(d -> d > 0, window_days) AS windows,
    arrayReduce('groupBitOr', arrayMap(i -> bitShiftLeft(toUInt64(1), toUInt8(i - 1)),
                                       arrayEnumerate(window_days))) AS all_windows,
    -- where the base run read each wallet's positions and bets (run_sources.sql)
    base_rows AS (SELECT source_run, wallet_key FROM run_sources
                  WHERE run_id = {base_run:String})
SELECT {run_id:String}, wallet_key, max(whole), groupBitOr(fill_windows), min(past)
FROM (
    SELECT wallet_key, NOT past AS whole, all_windows AS fill_windows,
           countIf(run_id = {base_run:String}) = 1
               AND anyIf(prefix, run_id = {run_id:String})
                   = anyIf(digest, run_id = {base_run:String}) AS past
    FROM wallet_inputs
    WHERE run_id IN ({run_id:String}, {base_run:String})
    GROUP BY wallet_key
    HAVING count() = 1 OR min(digest) != max(digest)
    UNION ALL
    SELECT p.wallet_key, 0, if(t.catalogue, all_windows, 0), NOT t.past
    FROM position_rows AS p
    JOIN (SELECT token_key, catalogue, past FROM run_changed_tokens
          WHERE run_id = {run_id:String}) AS t ON t.token_key = p.token_key
    WHERE (p.run_id, p.wallet_key) IN base_rows
    UNION ALL
    SELECT wallet_key, 0,
           arrayReduce('groupBitOr', arrayMap(
               i -> if(window_days[i] > 0 AND ts > base_as_of - window_days[i] * 86400
                       AND ts <= as_of - window_days[i] * 86400,
                       bitShiftLeft(toUInt64(1), toUInt8(i - 1)), toUInt64(0)),
               arrayEnumerate(window_days))), 1
    FROM trade_rows
    WHERE ts <= as_of
          AND arrayExists(d -> ts > base_as_of - d * 86400 AND ts <= as_of - d * 86400, windows)
    UNION ALL
    SELECT wallet_key, 0, 0, 1
    FROM bet_rows
    WHERE (run_id, wallet_key) IN base_rows AND closed
          AND arrayExists(d -> ifNull(closed_ts, 0) > base_as_of - d * 86400
                               AND ifNull(closed_ts, 0) <= as_of - d * 86400, windows)
    UNION ALL
    SELECT wallet_key, 0, 0, 1
    FROM base_rows
    WHERE intDiv(base_as_of, 86400) < intDiv(as_of, 86400)
)
GROUP BY wallet_key
