-- The categories of the enriched tokens, by name: the wallet steps number them in this order
-- (metrics/run.py: numbered).
SELECT arraySort(groupUniqArray(toString(category))) FROM trade_tokens
