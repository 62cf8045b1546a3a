-- Included in wallet_rows.sql and remarked_rows.sql (metrics/run.py: metrics_sql), in their
-- WITH after `run`, the slice (`wallet_lo`, `wallet_hi`), `tokens`, `remarked` (the wallets
-- a carrying run computes for a new price or a new day alone: changed_wallets.sql) and
-- `of_remarked` (1: the statement's wallets are those, 0: the others): per wallet and scope,
-- what its positions give, and its risk figures as arrays indexed like the windows.
    position_stats AS (
        SELECT p.wallet_key AS wallet_key, scope, sum(p.realized) AS realized_all,
               sum(p.unrealized) AS unrealized, countIf(p.unmatched_sell > 0) AS incomplete,
               sum(p.pnl_polymarket) AS pm, sum(p.pnl_fee_effect) AS fee_effect,
               sum(p.pnl_unredeemed) AS unredeemed
        FROM (SELECT * FROM position_rows
              WHERE run_id = run AND wallet_key BETWEEN wallet_lo AND wallet_hi
                    AND (wallet_key IN (SELECT wallet_key FROM remarked)) = of_remarked) AS p
        JOIN tokens AS t ON t.token_key = p.token_key
        ARRAY JOIN [0, t.category] AS scope
        GROUP BY wallet_key, scope
    ),
    risk_stats AS (
        -- risk_work's rows of the run, as arrays indexed like the windows
        SELECT wallet_key, scope,
               arrayMap(x -> (x.2, x.3, x.4, x.5), arraySort(x -> x.1, groupArray(
                   (wi, sharpe_daily, sortino_daily, max_drawdown, max_drawdown_pct)))) AS risk
        FROM risk_work
        WHERE run_id = run AND wallet_key BETWEEN wallet_lo AND wallet_hi
              AND (wallet_key IN (SELECT wallet_key FROM remarked)) = of_remarked
        GROUP BY wallet_key, scope
    ),
