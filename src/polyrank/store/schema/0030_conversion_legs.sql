-- A neg-risk conversion's legs, one row per question it converts from (a NO leg) or into (a
-- YES leg), as enrich/sql/conversion_legs.sql reads them from the activities and the
-- catalogue; build_conversion_rows.sql prices them. Work: emptied and filled by each enrich,
-- so the legs are read once, not once per place the pricing uses them.
CREATE TABLE IF NOT EXISTS conversion_legs (
    wallet_key UInt64,
    token_key  UInt64,
    ts         UInt32,
    tx_key     UInt64,
    order_key  UInt64,
    n          Int64,      -- the amount converted (micro shares)
    k          Int64,      -- the questions converted from
    q          Int64,      -- the questions of the event
    is_no      UInt8,
    question   UInt32
) ENGINE = MergeTree
ORDER BY (wallet_key, token_key);
