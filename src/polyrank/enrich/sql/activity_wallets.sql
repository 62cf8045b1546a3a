-- The wallets whose activity rows an incremental enrich builds again, into enrich_wallets:
-- those with an activity the last enrich did not see, those with a fill the last enrich did
-- not see that is no later than one of their conversions (a conversion's prices fold the
-- wallet's fills of the tokens it converts, in time order, up to the conversion: a fill
-- after every conversion of its wallet changes none of them, and a split's or merge's rows
-- read no fill), and those with an activity on a market whose
-- signature (enriched_markets.sql) changed since the last enrich, or is new: a split's or
-- merge's outcome tokens are its market's, and a conversion's legs are the questions of its
-- neg-risk event (any market of the event counts, since a new question changes the event's
-- size).
-- Each is built whole, or only appended to (`whole`). Its enriched conversions' prices stay
-- what they were when everything new of it (fills, splits, merges, conversions) comes after
-- its latest enriched conversion (`last_conversion`, from activity_rows): then its rows are
-- kept, and only its new splits and merges and the conversions after that time are added
-- (build_activity_rows.sql, conversion_legs.sql), whose prices fold its kept rows too. A new
-- fill or activity no later than that conversion (one at the same second may come first in
-- the fold's order), or a changed market, and the wallet is built whole.
-- Run before the new fills are appended to trade_rows. {loaded_after} is the last enrich's
-- latest load less a margin (enrich/trades.py): the rows loaded since are candidates, and of
-- those the ones an enriched row already stands for are not new. A fill's row has its
-- maker's key and the fill id's keys (as build_trade_rows.sql derives them), an activity's
-- rows its wallet's key and cityHash64 of its id (a conversion the Data API reports as one
-- row per question: of its smallest id, so its other rows count as new while in the margin,
-- and, no later than the conversion they belong to, have their wallet built whole).
INSERT INTO enrich_wallets
WITH
    {loaded_after:DateTime64(3, 'UTC')} AS after,
    -- the markets whose signature this enrich took (enriched_markets_next) differs from the
    -- last enrich's (enriched_markets), with their events then and now: (conditions,
    -- events), one value worked out once (a scalar subquery; a CTE would be worked out again
    -- at each use: 0.05 s of 0.14 s on a 1M-fill store)
    (SELECT (groupUniqArray(condition_id), groupUniqArrayIf(event, event != ''))
     FROM (
        SELECT condition_id, event FROM enriched_markets_next
        WHERE (condition_id, signature) NOT IN (
            SELECT condition_id, signature FROM enriched_markets)
        UNION ALL
        SELECT condition_id, event FROM enriched_markets
        WHERE (condition_id, signature) NOT IN (
            SELECT condition_id, signature FROM enriched_markets_next)
     )) AS changed,
    -- the conditions of every market of a changed neg-risk event, and the events themselves
    -- (a conversion names its event, or, as the Data API reports it, one of its questions)
    touched AS (
        SELECT arrayJoin(changed.1) AS condition_id
        UNION ALL
        SELECT condition_id FROM enriched_markets_next WHERE has(changed.2, event)
        UNION ALL
        SELECT arrayJoin(changed.2)
    ),
    -- (the fills no later than their wallet's last conversion, stored before or now; one at
    -- the same second may come first in the fold's order)
    fills_since AS (
        SELECT maker, f.timestamp AS ts, cityHash64(maker) AS wallet_key,
               cityHash64(token_id) AS token_key,
               reinterpretAsUInt64(reverse(unhex(substring(id, 3, 16)))) AS tx_key,
               reinterpretAsUInt64(reverse(unhex(substring(
                   splitByChar('_', id)[2], 3, 16)))) AS order_key
        FROM fills AS f
        JOIN (SELECT wallet, max(timestamp) AS last_conversion FROM activities
              WHERE kind = 'conversion' GROUP BY wallet) AS c ON c.wallet = f.maker
        WHERE f.loaded_at > after AND f.timestamp <= c.last_conversion
    ),
    -- (redemptions make no activity rows: the metrics read them from activities)
    activities_since AS (
        SELECT wallet, timestamp AS ts, cityHash64(wallet) AS wallet_key,
               cityHash64(id) AS order_key
        FROM activities
        WHERE inserted_at > after AND kind IN ('split', 'merge', 'conversion')
    ),
    -- (the latest enriched conversion of each wallet with something loaded since)
    last_conversions AS (
        SELECT wallet_key, max(ts) AS last_conversion FROM activity_rows
        WHERE kind = 'conversion'
              AND wallet_key IN (SELECT cityHash64(maker) FROM fills WHERE loaded_at > after
                                 UNION ALL
                                 SELECT cityHash64(wallet) FROM activities
                                 WHERE inserted_at > after)
        GROUP BY wallet_key
    )
SELECT c.wallet_key, c.wallet,
       -- (no enriched conversion: last_conversion 0, and nothing of the wallet's is earlier)
       max(c.changed_market OR c.ts <= l.last_conversion) AS whole,
       any(l.last_conversion) AS last_conversion
FROM (
    SELECT cityHash64(wallet) AS wallet_key, wallet, ts, changed_market FROM (
        SELECT maker AS wallet, ts, 0 AS changed_market FROM fills_since
        WHERE (wallet_key, tx_key, order_key) NOT IN (
            -- (by wallet and token, the key's prefix: a market maker's rows are ~100k)
            SELECT wallet_key, tx_key, order_key FROM trade_rows
            WHERE (wallet_key, token_key) IN (SELECT wallet_key, token_key FROM fills_since))
        UNION ALL
        SELECT wallet, ts, 0 FROM activities_since
        WHERE (wallet_key, order_key) NOT IN (
            SELECT wallet_key, order_key FROM activity_rows
            WHERE wallet_key IN (SELECT wallet_key FROM activities_since))
        UNION ALL
        -- (no market changed: no activity read)
        SELECT wallet, toUInt32(0), 1 FROM activities
        WHERE notEmpty(changed.1) AND kind IN ('split', 'merge', 'conversion')
              AND (condition_id IN touched OR lower(condition_id) IN touched)
    )
) AS c
LEFT JOIN last_conversions AS l ON l.wallet_key = c.wallet_key
GROUP BY c.wallet_key, c.wallet
