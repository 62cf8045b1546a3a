-- how many rows the leaderboard query matches (before paging)
SELECT count()
FROM wallet_metrics
WHERE run_id = {run:String} AND window = {window:String} AND category = {category:String}
  AND if({min_bets:Int64} < 0, eligibility = 'ranked', bets_closed >= {min_bets:Int64})
  AND position(wallet, {search:String}) > 0
