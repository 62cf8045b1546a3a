-- The wallets whose activity rows an incremental enrich builds again, into enrich_wallets:
-- those with a fill or an activity loaded since {loaded_after} (a conversion's prices fold the
-- wallet's fills of the tokens it converts), and those with an activity on a market the
-- catalogue wrote since then: a split's or merge's outcome tokens are its market's, and a
-- conversion's legs are the questions of its neg-risk event (any market of the event counts,
-- since a new question changes the event's size).
INSERT INTO enrich_wallets
WITH
    {loaded_after:DateTime64(3, 'UTC')} AS after,
    changed AS (
        SELECT condition_id, lower(neg_risk_market_id) AS event FROM markets
        WHERE updated_at > after
    ),
    -- the conditions of every market of a changed neg-risk event, and the events themselves
    -- (a conversion names its event, or, as the Data API reports it, one of its questions)
    touched AS (
        SELECT condition_id FROM changed
        UNION ALL
        SELECT condition_id FROM markets
        WHERE neg_risk_market_id != ''
              AND lower(neg_risk_market_id) IN (SELECT event FROM changed WHERE event != '')
        UNION ALL
        SELECT event FROM changed WHERE event != ''
    )
SELECT DISTINCT cityHash64(wallet), wallet
FROM (
    SELECT maker AS wallet FROM fills WHERE loaded_at > after
    UNION ALL
    SELECT wallet FROM activities WHERE inserted_at > after
    UNION ALL
    SELECT wallet FROM activities
    WHERE kind IN ('split', 'merge', 'conversion')
          AND (condition_id IN touched OR lower(condition_id) IN touched)
)
