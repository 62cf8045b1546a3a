-- Neg-risk conversions folded into positions (docs/metrics.md §2).
-- activities.question_count: the activity subgraph's questionCount, the number of questions
-- of the neg-risk event when the conversion happened (q). 0 on every other row, and on the
-- Data API's conversion rows (one row per converted question; q is then read from the
-- catalogue), which is how the two forms are told apart.
ALTER TABLE activities ADD COLUMN IF NOT EXISTS question_count UInt16 DEFAULT 0;
-- activity_rows also holds conversion legs (kind 'conversion', build_conversion_rows.sql):
-- a YES leg is a BUY (is_buy 1) of n at the computed YES price; a NO leg is is_buy 2, a sell
-- of n at the position's own average price (nothing realized), whose `cash` is only its share
-- of the USDC the conversion paid out, for the P&L curve.
-- activity_rows.gross_cash: the cash of the fee-less replay (Polymarket's convention,
-- docs/metrics.md §4.5). Equal to `cash` for splits and merges (the default keeps rows built
-- before this column right); a conversion's YES leg is paid from the fee-less average prices
-- of the converted NO positions, which differ from ours when fees were paid.
ALTER TABLE activity_rows ADD COLUMN IF NOT EXISTS gross_cash Float64 DEFAULT cash;
