-- A run that carries over from a base run no longer copies the positions and bets of the
-- wallets it did not compute either (0035 did so for their wallet rows): they stay in
-- position_rows and bet_rows under the run that computed them, and run_sources names that run
-- for every wallet of a run, those with positions or bets but no wallet row too. The
-- `positions` and `bets` views read each wallet's rows from its source run, under the
-- reading run's id, with the strings the reading run keeps of their tokens and bets
-- (run_tokens and run_bets stay whole per run: a few rows per token and bet).
INSERT INTO run_sources
SELECT run_id, wallet_key, run_id
FROM (
    SELECT DISTINCT run_id, wallet_key FROM position_rows
    UNION DISTINCT
    SELECT DISTINCT run_id, wallet_key FROM bet_rows
)
WHERE (run_id, wallet_key) NOT IN (SELECT run_id, wallet_key FROM run_sources);

DROP VIEW IF EXISTS positions;

CREATE VIEW IF NOT EXISTS positions AS
SELECT s.run_id AS run_id, w.wallet AS wallet, t.token_id AS token_id,
       t.condition_id AS condition_id, t.bet_key AS bet_key, t.category AS category,
       p.amount AS amount, p.avg_price AS avg_price, p.realized AS realized, p.cost AS cost,
       p.bought AS bought, p.unmatched_sell AS unmatched_sell, p.fills AS fills,
       p.is_open AS is_open, p.closed_ts AS closed_ts, p.mark AS mark,
       p.unrealized AS unrealized, p.pnl_polymarket AS pnl_polymarket,
       p.pnl_fee_effect AS pnl_fee_effect, p.pnl_unredeemed AS pnl_unredeemed
FROM position_rows AS p
JOIN run_sources AS s ON s.source_run = p.run_id AND s.wallet_key = p.wallet_key
JOIN run_tokens AS t ON t.run_id = s.run_id AND t.token_key = p.token_key
JOIN trade_wallets AS w ON w.wallet_key = p.wallet_key;

DROP VIEW IF EXISTS bets;

CREATE VIEW IF NOT EXISTS bets AS
SELECT s.run_id AS run_id, w.wallet AS wallet, k.bet_key AS bet_key, k.category AS category,
       b.pnl AS pnl, b.cost AS cost, b.closed AS closed, b.closed_ts AS closed_ts,
       b.positions AS positions, b.pnl_polymarket AS pnl_polymarket,
       b.pnl_fee_effect AS pnl_fee_effect, b.pnl_unredeemed AS pnl_unredeemed,
       b.shares_bought AS shares_bought, k.event_id AS event_id
FROM bet_rows AS b
JOIN run_sources AS s ON s.source_run = b.run_id AND s.wallet_key = b.wallet_key
JOIN run_bets AS k ON k.run_id = s.run_id AND k.bet_hash = b.bet_hash
JOIN trade_wallets AS w ON w.wallet_key = b.wallet_key;
