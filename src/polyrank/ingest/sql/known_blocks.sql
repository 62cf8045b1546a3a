-- block timestamps read from headers before (the chain source's cache)
SELECT number, timestamp FROM chain_blocks FINAL
