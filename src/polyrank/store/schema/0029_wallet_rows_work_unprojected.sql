-- wallet_rows_work was created AS wallet_metrics, and so took its by_wallet projection
-- (0009): every slice's wallet rows were written twice, the second copy sorted by wallet for
-- wallet pages that never read this table. The skilled step reads the run's rows whole and
-- writes them into wallet_metrics, which keeps its own projection.
ALTER TABLE wallet_rows_work DROP PROJECTION IF EXISTS by_wallet;
