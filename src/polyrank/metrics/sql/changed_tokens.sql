-- The tokens whose inputs (token_inputs.sql: catalogue row, resolution by the as-of, prices)
-- differ from the base run's, or that only one of the runs has, into run_changed_tokens
-- (metrics/incremental.py): their holders are computed again, and their positions folded
-- again; `catalogue` when their catalogue row changed (or only one run has them): their
-- holders' fill figures are computed again too; `past` when their value curve before the
-- base run's as-of day (token_curves.sql) changed too, or their catalogue row (which of their
-- holders' scopes they count in): their holders' equity curves are built whole
-- (risk_curves.sql; else only their days from that day on). A token only one run has a
-- curve for changed before the day if that curve has days then.
INSERT INTO run_changed_tokens (run_id, token_key, catalogue, past)
WITH
    intDiv({base_as_of:UInt32}, 86400) AS base_day,
    curves AS (
        SELECT token_key, count() = 2 AND min(h) != max(h) OR count() = 1 AND max(n) > 0
                              AS past
        FROM (
            SELECT token_key, length(arrayFilter(d -> d < base_day, days)) AS n,
                   cityHash64(arraySlice(days, 1, n), arraySlice(vals, 1, n),
                              arraySlice(prevs, 1, n)) AS h
            FROM token_curves
            WHERE run_id IN ({run_id:String}, {base_run:String})
        )
        GROUP BY token_key
    )
SELECT {run_id:String}, i.token_key, i.catalogue, i.catalogue OR c.past
FROM (
    SELECT token_key, count() = 1 OR min(catalogue) != max(catalogue) AS catalogue
    FROM token_inputs
    WHERE run_id IN ({run_id:String}, {base_run:String})
    GROUP BY token_key
    HAVING count() = 1 OR min(digest) != max(digest)
) AS i
LEFT JOIN curves AS c ON c.token_key = i.token_key
