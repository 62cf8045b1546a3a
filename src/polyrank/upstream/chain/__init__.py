"""Polygon itself as a source: `eth_getLogs` over the exchange and ConditionalTokens contracts.

    abi.py      pure: the contracts, the event topics, JSON-RPC log -> Fill / WalletActivity
    rpc.py      JSON-RPC over the shared Http (batches, error classification)
    logs.py     LogScanner: a block range covered by getLogs calls the provider accepts
    blocks.py   BlockClock: block timestamps (batched, cached) and block-at-time search

The chain is the ground truth the subgraphs and the Data API index: a fill read here has the
same id as the orderbook subgraph's, so loading it from both stores one row.
"""
