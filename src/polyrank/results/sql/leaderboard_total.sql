-- how many rows the leaderboard query matches (before paging)
SELECT count()
FROM wallet_metrics
WHERE run_id = {run:String} AND window = {window:String} AND category = {category:String}
  AND if({min_bets:Int64} < 0, eligibility = 'ranked', bets_closed >= {min_bets:Int64})
  AND (NOT {skilled:Bool} OR skilled)
  AND NOT (market_maker AND has({hide:Array(String)}, 'market_maker'))
  AND NOT (high_frequency AND has({hide:Array(String)}, 'high_frequency'))
  AND NOT (favourite_buyer AND has({hide:Array(String)}, 'favourite_buyer'))
  AND position(wallet, {search:String}) > 0
