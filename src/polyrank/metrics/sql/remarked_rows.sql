-- The wallet rows of the wallets a carrying run computes for a new price of a token they
-- hold or a new day alone (run_wallets: fill_windows = 0 and not bets; changed_wallets.sql),
-- into wallet_metric_rows, once after the wallet steps' slices (metrics/run.py): their base
-- run's rows, with what their positions give (lifetime P&L, incomplete positions) and their
-- risk figures computed as wallet_rows.sql computes them. Nothing else of theirs can differ:
-- neither their fills nor their closed bets, nor the windows those fall in, changed.
INSERT INTO wallet_metric_rows (
       run_id, wallet, window, category, trades, volume_usdc, markets_traded, active_days,
       first_trade_at, last_trade_at, bets_closed, bets_open, bets_won, bets_lost, cost,
       realized_pnl, realized_pnl_all, unrealized_pnl, total_pnl, pnl_polymarket,
       pnl_fee_effect, pnl_unredeemed, gains, losses, omega, omega_unbounded, omega_score,
       win_rate, win_rate_lb, roi, roi_se, avg_win, avg_loss, max_win, max_loss,
       incomplete_positions, truncated, eligibility, edge, edge_se, skill_z, edge_lb,
       skill_p, sharpe_daily, sortino_daily, max_drawdown, max_drawdown_pct,
       passive_share, both_sides_share, median_gap_s, median_entry, market_maker,
       high_frequency, favourite_buyer)
WITH
    {run_id:String} AS run,
    {window_names:Array(String)} AS window_names,
    {window_days:Array(UInt32)} AS window_days,
    {wallet_lo:UInt64} AS wallet_lo, {wallet_hi:UInt64} AS wallet_hi,
    -- the categories by number (1, 2, ...; 0 is the scope 'all'; metrics/run.py: numbered)
    {categories:Array(String)} AS categories,
    1 AS of_remarked,
    remarked AS (
        SELECT wallet_key FROM run_wallets
        WHERE run_id = run AND fill_windows = 0 AND NOT bets
              AND wallet_key BETWEEN wallet_lo AND wallet_hi
    ),
    tokens AS (
        SELECT token_key, toUInt8(indexOf(categories, toString(category))) AS category
        FROM trade_tokens
    ),
-- include: wallet_stats.sql
    base_rows AS (
        -- their base run's rows (where it read them: run_sources), with their scopes and
        -- windows by number
        SELECT m.*, cityHash64(m.wallet) AS wallet_key,
               toUInt8(if(m.category = 'all', 0, indexOf(categories, toString(m.category))))
                   AS scope,
               toUInt32(indexOf(window_names, toString(m.window))) AS wi,
               window_days[wi] AS days
        FROM wallet_metric_rows AS m
        WHERE (m.run_id, cityHash64(m.wallet)) IN (
                  SELECT source_run, wallet_key FROM run_sources
                  WHERE run_id = {base_run:String} AND wallet_key BETWEEN wallet_lo AND wallet_hi
                        AND wallet_key IN (SELECT wallet_key FROM remarked))
    )
SELECT run, m.wallet, m.window, m.category, m.trades, m.volume_usdc, m.markets_traded,
       m.active_days, m.first_trade_at, m.last_trade_at, m.bets_closed, m.bets_open,
       m.bets_won, m.bets_lost, m.cost, m.realized_pnl,
       -- (as wallet_rows.sql: lifetime rows from the positions, a window's as they were)
       if(m.days = 0, p.realized_all, NULL), if(m.days = 0, p.unrealized, NULL),
       if(m.days = 0, p.realized_all + p.unrealized, NULL),
       if(m.days = 0, p.pm, m.pnl_polymarket), if(m.days = 0, p.fee_effect, m.pnl_fee_effect),
       if(m.days = 0, p.unredeemed, m.pnl_unredeemed), m.gains, m.losses, m.omega,
       m.omega_unbounded, m.omega_score, m.win_rate, m.win_rate_lb, m.roi, m.roi_se,
       m.avg_win, m.avg_loss, m.max_win, m.max_loss, p.incomplete, m.truncated,
       m.eligibility, m.edge, m.edge_se, m.skill_z, m.edge_lb, m.skill_p,
       rk.risk[m.wi].1, rk.risk[m.wi].2, rk.risk[m.wi].3, rk.risk[m.wi].4,
       m.passive_share, m.both_sides_share, m.median_gap_s, m.median_entry, m.market_maker,
       m.high_frequency, m.favourite_buyer
FROM base_rows AS m
LEFT JOIN position_stats AS p ON p.wallet_key = m.wallet_key AND p.scope = m.scope
LEFT JOIN risk_stats AS rk ON rk.wallet_key = m.wallet_key AND rk.scope = m.scope
