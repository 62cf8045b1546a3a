-- Positions (wallet x token) of the run: position_work with the wallet's address and what
-- the catalogue says about the token (the run's slice of the wallets: metrics/run.py).
INSERT INTO positions
SELECT {run_id:String} AS this_run, w.wallet, t.token_id, t.condition_id, t.bet_key, t.category,
       p.amount, p.avg_price, p.realized, p.cost, p.bought, p.unmatched_sell, p.fills,
       p.is_open, p.closed_ts, p.mark, p.unrealized, p.pnl_polymarket, p.pnl_fee_effect,
       p.pnl_unredeemed
FROM (SELECT * FROM position_work
      WHERE run_id = {run_id:String} AND wallet_key BETWEEN {wallet_lo:UInt64} AND {wallet_hi:UInt64}) AS p
-- (the wallets first: a join's left rows are copied, and those of a second join carry the
-- first one's strings; the tokens bring four, the wallets one)
JOIN trade_wallets AS w ON w.wallet_key = p.wallet_key
JOIN trade_tokens AS t ON t.token_key = p.token_key
