-- A neg-risk conversion's legs (the forms and the arithmetic: build_conversion_rows.sql),
-- into conversion_legs, which that file prices: every wallet's conversions, or in an
-- incremental enrich those of enrich_wallets (activity_wallets.sql; the others' rows are
-- kept). Legs exist only for questions the catalogue knows.
INSERT INTO conversion_legs
WITH
    questions AS (
        SELECT lower(neg_risk_market_id) AS event, condition_id,
               toUInt32(reinterpretAsUInt8(unhex(substring(question_id, 65, 2)))) AS question,
               token_ids[1] AS yes_token, token_ids[2] AS no_token
        FROM markets FINAL
        WHERE neg_risk = 1 AND neg_risk_market_id != '' AND length(question_id) = 66
              AND length(token_ids) = 2
    ),
    event_sizes AS (
        SELECT lower(neg_risk_market_id) AS event, count() AS questions FROM markets FINAL
        WHERE neg_risk = 1 AND neg_risk_market_id != '' GROUP BY event
    ),
    -- every wallet's conversions, or in an incremental enrich those of enrich_wallets
    -- (activity_wallets.sql; the others' rows are kept)
    converted AS (
        SELECT * FROM activities FINAL
        -- (before FINAL merges: every copy of an activity has its kind, so this keeps the
        -- same rows, and FINAL merges only the conversions, not every activity)
        PREWHERE kind = 'conversion'
        WHERE {every_wallet:UInt8} OR wallet IN (SELECT wallet FROM enrich_wallets)
    ),
    conversions AS (
        SELECT wallet, id, timestamp AS ts, tx_hash, lower(condition_id) AS event,
               toInt64(amount) AS n,
               arrayFilter(i -> bitAnd(bitShiftRight(index_set, i), 1) = 1,
                           range(toUInt32(question_count))) AS converted,
               toInt64(question_count) AS q,
               toUInt32(question_count) AS bound          -- legs: questions below q only
        FROM converted
        WHERE question_count > 0
        UNION ALL
        SELECT a.wallet, a.id, a.timestamp, a.tx_hash, a.event, toInt64(a.amount),
               arrayFilter(i -> bitAnd(bitShiftRight(a.index_set, i), 1) = 1,
                           range(toUInt32(es.questions))),
               toInt64(es.questions), toUInt32(es.questions)
        FROM (
            SELECT wallet, id, timestamp, tx_hash, lower(condition_id) AS event, amount,
                   index_set
            FROM converted
            WHERE question_count = 0 AND index_set > 0
        ) AS a
        INNER JOIN event_sizes AS es ON es.event = a.event
        UNION ALL
        SELECT a.wallet, min(a.id), min(a.timestamp), a.tx_hash, qs.event,
               toInt64(min(a.amount)), arraySort(groupUniqArray(qs.question)),
               toInt64(any(es.questions)), toUInt32(256)
        FROM (
            SELECT wallet, id, timestamp, tx_hash, condition_id, amount FROM converted
            WHERE question_count = 0 AND index_set = 0
        ) AS a
        INNER JOIN questions AS qs ON qs.condition_id = a.condition_id
        INNER JOIN event_sizes AS es ON es.event = qs.event
        GROUP BY a.wallet, a.tx_hash, qs.event
    ),
    legs AS (
        SELECT cityHash64(c.wallet) AS wallet_key,
               cityHash64(if(is_no, qs.no_token, qs.yes_token)) AS token_key,
               c.ts AS ts,
               reinterpretAsUInt64(reverse(unhex(substring(c.tx_hash, 3, 16)))) AS tx_key,
               cityHash64(c.id) AS order_key,
               c.n AS n, toInt64(length(c.converted)) AS k, c.q AS q,
               has(c.converted, qs.question) AS is_no, qs.question AS question
        FROM conversions AS c
        INNER JOIN questions AS qs ON qs.event = c.event
        WHERE qs.question < c.bound AND notEmpty(c.converted)
    )
SELECT * FROM legs
