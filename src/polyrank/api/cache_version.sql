-- What the API's cached answers are of (api/cache.py), read at most once a check interval:
-- `run`, the readable metrics run ('' before the first), and `data`, a fingerprint of the
-- tables a wallet's page and its trades read beyond the run (its fills, its load state, the
-- registry, the token and market names): their active parts' count, rows and latest change.
-- Table metadata only, nothing scanned; a merge changes it too (a spurious refresh, never a
-- missed one).
SELECT (SELECT argMax(value, updated_at) FROM pipeline_state WHERE key = 'metrics_run') AS run,
       (SELECT concat(toString(count()), '|', toString(sum(rows)), '|',
                      toString(max(modification_time)))
        FROM system.parts
        WHERE database = currentDatabase() AND active
          AND table IN ('fills', 'ingest_wallets', 'discovered', 'tokens', 'markets')) AS data
