-- Resolved conditions whose payout is still Gamma's outcomePrices (the pnl-subgraph did not
-- answer for them yet), with their resolution time: the next sync asks the subgraph again.
SELECT condition_id, toUInt32(resolved_at) AS resolved_at
FROM conditions FINAL
WHERE resolved = 1 AND source = 'gamma'
