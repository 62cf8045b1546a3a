-- Wallet metrics (METRICS.md §4-§5, ledger rules 12-22) for every window x scope, where the
-- scopes of a wallet are 'all' and each category it has a fill in. Windows end at as_of;
-- a window of d days holds what happened in (as_of - d days, as_of]; d = 0 is lifetime.
INSERT INTO wallet_metrics
WITH
    {as_of:UInt32} AS as_of,
    {run_id:String} AS run,
    arrayZip({window_names:Array(String)}, {window_days:Array(UInt32)}) AS windows,
    scopes AS (
        SELECT DISTINCT wallet, scope, cityHash64(toString(wallet), scope) AS k
        FROM trades ARRAY JOIN ['all', toString(category)] AS scope
        WHERE ts <= as_of
    ),
    skeleton AS (
        SELECT wallet, scope, k, w.1 AS window, w.2 AS days, wi
        FROM scopes ARRAY JOIN windows AS w, arrayEnumerate(windows) AS wi
    ),
    -- every statistic below is keyed by k = cityHash64(wallet, scope) and the window index:
    -- compact integer keys for the grouping and the joins (not ~50-byte strings)
    fill_stats AS (
        SELECT cityHash64(toString(wallet), scope) AS k, wi,
               count() AS trades, sum(usdc) / 1000000 AS volume_usdc,
               uniqExact(condition_id) AS markets_traded,
               uniqExact(intDiv(ts, 86400)) AS active_days,
               min(ts) AS first_trade_at, max(ts) AS last_trade_at
        FROM trades ARRAY JOIN ['all', toString(category)] AS scope
             ARRAY JOIN windows AS w, arrayEnumerate(windows) AS wi
        WHERE ts <= as_of AND (w.2 = 0 OR ts > as_of - w.2 * 86400)
        GROUP BY k, wi
    ),
    bet_stats AS (
        SELECT cityHash64(toString(wallet), scope) AS k, wi,
               count() AS bets_closed, sum(cost) AS cost_sum, sum(pnl) AS pnl_sum,
               countIf(pnl > 0) AS bets_won, countIf(pnl < 0) AS bets_lost,
               sumIf(pnl, pnl > 0) AS gains, -sumIf(pnl, pnl < 0) AS losses,
               quantileExactInclusive(0.5)(cost) AS median_cost,
               sum(pnl * pnl) AS spp, sum(pnl * cost) AS spc, sum(cost * cost) AS scc,
               maxIf(pnl, pnl > 0) AS max_win_raw, maxIf(-pnl, pnl < 0) AS max_loss_raw
        FROM bets ARRAY JOIN ['all', toString(category)] AS scope
             ARRAY JOIN windows AS w, arrayEnumerate(windows) AS wi
        WHERE run_id = run AND closed AND closed_ts <= as_of
              AND (w.2 = 0 OR closed_ts > as_of - w.2 * 86400)
        GROUP BY k, wi
    ),
    open_stats AS (
        SELECT cityHash64(toString(wallet), scope) AS k, countIf(NOT closed) AS bets_open
        FROM bets ARRAY JOIN ['all', toString(category)] AS scope
        WHERE run_id = run
        GROUP BY k
    ),
    position_stats AS (
        SELECT cityHash64(toString(wallet), scope) AS k, sum(realized) AS realized_all,
               sum(unrealized) AS unrealized, countIf(unmatched_sell > 0) AS incomplete
        FROM positions ARRAY JOIN ['all', toString(category)] AS scope
        WHERE run_id = run
        GROUP BY k
    ),
    truncated_wallets AS (
        SELECT wallet, argMax(truncated, updated_at) AS truncated
        FROM ingest_wallets GROUP BY wallet
    ),
    joined AS (
        SELECT s.wallet AS wallet, s.window AS window, s.scope AS category, s.days AS days,
               f.trades AS trades, f.volume_usdc AS volume_usdc,
               f.markets_traded AS markets_traded, f.active_days AS active_days,
               if(f.trades > 0, f.first_trade_at, NULL) AS first_trade_at,
               if(f.trades > 0, f.last_trade_at, NULL) AS last_trade_at,
               b.bets_closed AS bets_closed, o.bets_open AS bets_open,
               b.bets_won AS bets_won, b.bets_lost AS bets_lost, b.cost_sum AS cost,
               b.pnl_sum AS realized_pnl, b.gains AS gains, b.losses AS losses,
               b.median_cost AS median_cost, b.spp AS spp, b.spc AS spc, b.scc AS scc,
               b.max_win_raw AS max_win_raw, b.max_loss_raw AS max_loss_raw,
               p.realized_all AS realized_all, p.unrealized AS unrealized_all,
               p.incomplete AS incomplete, t.truncated AS truncated
        FROM skeleton AS s
        LEFT JOIN fill_stats AS f ON f.k = s.k AND f.wi = s.wi
        LEFT JOIN bet_stats AS b ON b.k = s.k AND b.wi = s.wi
        LEFT JOIN open_stats AS o ON o.k = s.k
        LEFT JOIN position_stats AS p ON p.k = s.k
        LEFT JOIN truncated_wallets AS t ON t.wallet = s.wallet
    )
SELECT run_id, wallet, window, category, trades, volume_usdc, markets_traded, active_days,
       first_trade_at, last_trade_at, bets_closed, bets_open, bets_won, bets_lost, cost,
       realized_pnl, realized_pnl_all, unrealized_pnl, total_pnl, gains, losses, omega,
       omega_unbounded, omega_score, win_rate, win_rate_lb, roi, roi_se, avg_win, avg_loss,
       max_win, max_loss, incomplete_positions, truncated, eligibility
FROM (
    SELECT
        run AS run_id, wallet, window, category,
        trades, volume_usdc, markets_traded, active_days, first_trade_at, last_trade_at,
        bets_closed, bets_open, bets_won, bets_lost, cost, realized_pnl,
        if(days = 0, realized_all, NULL)                            AS realized_pnl_all,
        if(days = 0, unrealized_all, NULL)                          AS unrealized_pnl,
        if(days = 0, realized_all + unrealized_all, NULL)           AS total_pnl,
        gains, losses,
        if(losses > 0, gains / losses, NULL)                        AS omega,
        losses = 0 AND gains > 0                                    AS omega_unbounded,
        {cbar_fraction:Float64} * median_cost                       AS cbar,
        if(bets_closed = 0 OR losses + {omega_k:Float64} * cbar = 0, NULL,
           (gains + {omega_k:Float64} * cbar) / (losses + {omega_k:Float64} * cbar)) AS omega_score,
        bets_won + bets_lost                                        AS decided,
        if(decided = 0, NULL, bets_won / decided)                   AS win_rate,
        {wilson_z:Float64} AS z,
        if(decided = 0, NULL,
           (win_rate + z * z / (2 * decided)
            - z * sqrt(win_rate * (1 - win_rate) / decided + z * z / (4 * decided * decided)))
           / (1 + z * z / decided))                                 AS win_rate_lb,
        if(cost = 0, NULL, realized_pnl / cost)                     AS roi,
        if(cost = 0 OR bets_closed < 2, NULL,
           sqrt(bets_closed / (bets_closed - 1)
                * greatest(spp - 2 * roi * spc + roi * roi * scc, 0)) / cost) AS roi_se,
        if(bets_won = 0, NULL, gains / bets_won)                    AS avg_win,
        if(bets_lost = 0, NULL, losses / bets_lost)                 AS avg_loss,
        if(bets_won = 0, NULL, max_win_raw)                         AS max_win,
        if(bets_lost = 0, NULL, max_loss_raw)                       AS max_loss,
        incomplete                                                  AS incomplete_positions,
        truncated,
        multiIf(
            category != 'all',
                if(bets_closed >= {category_min_bets:UInt32} AND cost >= {category_min_cost:Float64},
                   'ranked', 'unranked'),
            bets_closed >= {ranked_min_bets:UInt32} AND cost >= {ranked_min_cost:Float64}
                AND last_trade_at - first_trade_at >= {ranked_min_span_s:UInt32}, 'ranked',
            bets_closed >= {provisional_min_bets:UInt32} AND bets_closed < {ranked_min_bets:UInt32},
                'provisional',
            'unranked')                                             AS eligibility
    FROM joined
)
