-- One wallet's loading: its latest ingest state (status; loaded_to, the upstream time up to
-- which its history is stored, null while unknown (0); when that state was written, unix
-- seconds) and what the wallet registry says of it (the discovery sources that found it,
-- first and last seen: empty and null for a wallet that came from a wallet list only).
SELECT state.status AS status, state.loaded_to AS loaded_to, state.loaded_at AS loaded_at,
       registry.sources AS discovered_by, registry.first_seen AS first_seen,
       registry.last_seen AS last_seen
FROM (
    SELECT nullIf(toString(argMax(status, updated_at)), '') AS status,
           nullIf(argMax(loaded_to, updated_at), 0) AS loaded_to,
           if(count() = 0, NULL, toUnixTimestamp(max(updated_at))) AS loaded_at
    FROM ingest_wallets
    WHERE wallet = {wallet:String}
) AS state
CROSS JOIN (
    SELECT arraySort(groupUniqArrayArray(sources)) AS sources,
           nullIf(min(first_seen), 0) AS first_seen, nullIf(max(last_seen), 0) AS last_seen
    FROM wallet_registry
    WHERE address = {wallet:String}
) AS registry
