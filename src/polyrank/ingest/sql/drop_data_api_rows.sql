-- A wallet whose V2 era moves from the Data API to the chain: the Data API's rows (fee-less,
-- under derived ids) go, in the commit that stores the chain's rows for the same era.
DELETE FROM {table:Identifier}
WHERE {who:Identifier} IN {wallets:Array(String)} AND source = 'data_api'
