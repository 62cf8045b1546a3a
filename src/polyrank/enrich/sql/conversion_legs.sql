-- A neg-risk conversion's legs (the forms and the arithmetic: build_conversion_rows.sql),
-- into conversion_legs, which that file prices: every wallet's conversions, or in an
-- incremental enrich those it builds again (below; the others' rows are kept). Legs exist
-- only for questions the catalogue knows.
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
    -- every wallet's conversions, or in an incremental enrich those of the wallets of
    -- enrich_wallets it builds whole and, of those it appends to, the ones after the wallet's
    -- latest enriched conversion (activity_wallets.sql; the others' rows are kept)
    converted AS (
        SELECT a.* FROM (
            SELECT * FROM activities FINAL
            -- (before FINAL merges: every copy of an activity has its kind, so this keeps the
            -- same rows, and FINAL merges only the conversions, not every activity)
            PREWHERE kind = 'conversion'
            WHERE {every_wallet:UInt8} OR wallet IN (SELECT wallet FROM enrich_wallets)
        ) AS a
        LEFT JOIN enrich_wallets AS e ON e.wallet = a.wallet
        WHERE {every_wallet:UInt8} OR e.whole OR a.timestamp > e.last_conversion
    ),
    conversions AS (
        -- the three forms of a conversion's row (build_conversion_rows.sql), from one read of
        -- the conversions: (1) with the question count q at the time, the questions below q
        -- whose bits index_set sets; (2) with index_set but no q, the same against the
        -- event's questions now; (3) neither, a row per question converted (its condition),
        -- grouped by transaction and event. A row of the first two forms is a group of its
        -- own (its id), the third form's rows group by ''.
        SELECT wallet, min(row_id) AS id, min(ts0) AS ts, tx_hash, event,
               toInt64(min(amount)) AS n,
               if(any(form) = 3, arraySort(groupUniqArray(question)), any(bits)) AS converted,
               toInt64(any(questions)) AS q,
               toUInt32(if(any(form) = 3, 256, any(questions))) AS bound  -- legs: below it only
        FROM (
            SELECT a.wallet AS wallet, a.id AS row_id, a.timestamp AS ts0, a.tx_hash AS tx_hash,
                   a.amount AS amount, a.form AS form, a.event AS event,
                   a.question AS question,
                   if(a.form = 1, toUInt32(a.question_count), toUInt32(es.questions))
                       AS questions,
                   arrayFilter(i -> bitAnd(bitShiftRight(a.index_set, i), 1) = 1,
                               range(if(a.form = 3, 0, questions))) AS bits
            FROM (
                SELECT c.wallet AS wallet, c.id AS id, c.timestamp AS timestamp,
                       c.tx_hash AS tx_hash, c.amount AS amount, c.index_set AS index_set,
                       c.question_count AS question_count,
                       multiIf(c.question_count > 0, 1, c.index_set > 0, 2, 3) AS form,
                       -- (the first two forms name the event; the third, its question)
                       if(form = 3, qs.event, lower(c.condition_id)) AS event,
                       qs.question AS question, qs.event != '' AS asked
                FROM converted AS c
                LEFT JOIN questions AS qs ON qs.condition_id = c.condition_id
                WHERE form != 3 OR asked
            ) AS a
            LEFT JOIN event_sizes AS es ON es.event = a.event
            WHERE a.form = 1 OR es.questions > 0
        )
        GROUP BY wallet, tx_hash, event, if(form = 3, '', row_id)
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
