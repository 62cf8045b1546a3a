-- The chain source (docs/protocols.md §7): block timestamps read from block headers, kept so
-- that a block's header is read once per store, not once per run (a log carries its block
-- number, not its time). A block's timestamp never changes once it is final.
CREATE TABLE IF NOT EXISTS chain_blocks (
    number    UInt64,
    timestamp UInt32,
    read_at   DateTime64(3, 'UTC') DEFAULT now64(3)
) ENGINE = ReplacingMergeTree
ORDER BY number;
