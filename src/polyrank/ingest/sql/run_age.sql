-- The readable metrics run: its as-of time, when it finished and how long ago (unix seconds).
SELECT as_of, toUnixTimestamp(done) AS finished_at,
       (toUnixTimestamp64Milli(now64(3)) - toUnixTimestamp64Milli(done)) / 1000 AS age_s
FROM (SELECT as_of, finished_at AS done FROM metrics_runs FINAL
      WHERE run_id = {run:String} ORDER BY finished_at DESC LIMIT 1)
