-- A run that carries over from a base run (metrics/incremental.py) no longer copies the wallet
-- rows of the wallets it did not compute: each run's rows are written once, by the run that
-- computed them, and a run reads every wallet's rows from the run that last computed it.
--   wallet_metric_rows: the rows as computed (what wallet_metrics was), by the run that
--                       computed them; its `skilled` column is not read (see the view)
--   run_sources:        per run and wallet, the run whose rows it holds (itself for the
--                       wallets it computed, its base run's source for the others)
--   board_thresholds:   per run and board (window x category), the Benjamini-Hochberg
--                       threshold of its skilled badge (skilled.sql): a decision over every
--                       wallet's rows, which a new run takes again even for rows it kept
--   wallet_metrics:     a view, every run's rows as before: each wallet's rows from its
--                       source run, under the reading run's id, badged by its thresholds
RENAME TABLE wallet_metrics TO wallet_metric_rows;

CREATE TABLE IF NOT EXISTS run_sources (
    run_id     String,
    wallet_key UInt64,                 -- cityHash64(wallet)
    source_run String
) ENGINE = MergeTree
PARTITION BY run_id
ORDER BY wallet_key;

CREATE TABLE IF NOT EXISTS board_thresholds (
    run_id    String,
    window    LowCardinality(String),
    category  LowCardinality(String),
    threshold Float64                  -- badged: ranked rows with skill_p <= threshold
) ENGINE = MergeTree
PARTITION BY run_id
ORDER BY (window, category);

-- the runs the store keeps: each holds every one of its wallets' rows, badged as it decided
-- (the largest badged p of a board is its threshold: every ranked row at or below it was
-- badged; -1 for a board that badged none)
INSERT INTO run_sources
SELECT DISTINCT run_id, cityHash64(wallet), run_id FROM wallet_metric_rows;

INSERT INTO board_thresholds
SELECT run_id, window, category,
       if(countIf(skilled) > 0, maxIf(assumeNotNull(skill_p), skilled), -1)
FROM wallet_metric_rows
WHERE eligibility = 'ranked'
GROUP BY run_id, window, category;

CREATE VIEW IF NOT EXISTS wallet_metrics AS
SELECT m.* REPLACE (s.run_id AS run_id,
                    toUInt8(m.eligibility = 'ranked'
                            AND ifNull(m.skill_p <= t.threshold, 0)) AS skilled)
FROM wallet_metric_rows AS m
JOIN run_sources AS s ON s.source_run = m.run_id AND s.wallet_key = cityHash64(m.wallet)
LEFT JOIN (
    SELECT run_id AS board_run, window AS board_window, category AS board_category, threshold
    FROM board_thresholds
) AS t ON t.board_run = s.run_id AND t.board_window = m.window
          AND t.board_category = m.category;
