-- Skill, risk and behaviour (docs/metrics.md §4.6-§4.8).
-- A fill's side of the match: 0 the wallet's order took liquidity (its own row names the
-- exchange as counterparty), 1 it rested and was matched (passive), 2 unknown (the Data API
-- does not say). Rows enriched before this migration are unknown until the next enrich,
-- which rebuilds trade_rows whole (the enriched-to marker is cleared below).
ALTER TABLE trade_rows ADD COLUMN IF NOT EXISTS role UInt8 DEFAULT 2;
INSERT INTO pipeline_state (key, value) VALUES ('enriched_fills_to', '');
-- Per bet: the shares it acquired and its event (the cluster of the edge's standard error).
ALTER TABLE bets ADD COLUMN IF NOT EXISTS shares_bought Float64 DEFAULT 0;
ALTER TABLE bets ADD COLUMN IF NOT EXISTS event_id String DEFAULT '';
-- Per wallet row: skill against the price paid, risk from the daily equity curve, behaviour.
ALTER TABLE wallet_metrics ADD COLUMN IF NOT EXISTS edge Nullable(Float64);
ALTER TABLE wallet_metrics ADD COLUMN IF NOT EXISTS edge_se Nullable(Float64);
ALTER TABLE wallet_metrics ADD COLUMN IF NOT EXISTS skill_z Nullable(Float64);
ALTER TABLE wallet_metrics ADD COLUMN IF NOT EXISTS edge_lb Nullable(Float64);
ALTER TABLE wallet_metrics ADD COLUMN IF NOT EXISTS skill_p Nullable(Float64);
ALTER TABLE wallet_metrics ADD COLUMN IF NOT EXISTS skilled UInt8 DEFAULT 0;
ALTER TABLE wallet_metrics ADD COLUMN IF NOT EXISTS sharpe_daily Nullable(Float64);
ALTER TABLE wallet_metrics ADD COLUMN IF NOT EXISTS sortino_daily Nullable(Float64);
ALTER TABLE wallet_metrics ADD COLUMN IF NOT EXISTS max_drawdown Nullable(Float64);
ALTER TABLE wallet_metrics ADD COLUMN IF NOT EXISTS max_drawdown_pct Nullable(Float64);
ALTER TABLE wallet_metrics ADD COLUMN IF NOT EXISTS passive_share Nullable(Float64);
ALTER TABLE wallet_metrics ADD COLUMN IF NOT EXISTS both_sides_share Nullable(Float64);
ALTER TABLE wallet_metrics ADD COLUMN IF NOT EXISTS median_gap_s Nullable(Float64);
ALTER TABLE wallet_metrics ADD COLUMN IF NOT EXISTS median_entry Nullable(Float64);
ALTER TABLE wallet_metrics ADD COLUMN IF NOT EXISTS market_maker UInt8 DEFAULT 0;
ALTER TABLE wallet_metrics ADD COLUMN IF NOT EXISTS high_frequency UInt8 DEFAULT 0;
ALTER TABLE wallet_metrics ADD COLUMN IF NOT EXISTS favourite_buyer UInt8 DEFAULT 0;
