-- Polymarket's own P&L convention beside polyrank's (docs/metrics.md §4.5): per position and
-- per wallet (lifetime), with the difference split into its causes. realized (polyrank) =
-- pnl_polymarket + pnl_fee_effect + pnl_unredeemed.
ALTER TABLE position_work ADD COLUMN IF NOT EXISTS pnl_polymarket Float64 DEFAULT 0;
ALTER TABLE position_work ADD COLUMN IF NOT EXISTS pnl_fee_effect Float64 DEFAULT 0;
ALTER TABLE position_work ADD COLUMN IF NOT EXISTS pnl_unredeemed Float64 DEFAULT 0;
ALTER TABLE positions ADD COLUMN IF NOT EXISTS pnl_polymarket Float64 DEFAULT 0;
ALTER TABLE positions ADD COLUMN IF NOT EXISTS pnl_fee_effect Float64 DEFAULT 0;
ALTER TABLE positions ADD COLUMN IF NOT EXISTS pnl_unredeemed Float64 DEFAULT 0;
ALTER TABLE wallet_metrics ADD COLUMN IF NOT EXISTS pnl_polymarket Nullable(Float64);
ALTER TABLE wallet_metrics ADD COLUMN IF NOT EXISTS pnl_fee_effect Nullable(Float64);
ALTER TABLE wallet_metrics ADD COLUMN IF NOT EXISTS pnl_unredeemed Nullable(Float64);
