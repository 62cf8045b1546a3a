-- Polymarket's convention per bet (the sums over its positions), so that each window's
-- wallet figures can show it beside that window's realized P&L (docs/metrics.md §4.5).
ALTER TABLE bets ADD COLUMN IF NOT EXISTS pnl_polymarket Float64 DEFAULT 0;
ALTER TABLE bets ADD COLUMN IF NOT EXISTS pnl_fee_effect Float64 DEFAULT 0;
ALTER TABLE bets ADD COLUMN IF NOT EXISTS pnl_unredeemed Float64 DEFAULT 0;
