"""The simulator, apart from the product: a world generator with a ground-truth ledger
(`polyrank.sim.world`), a replay server speaking the real Goldsky / Gamma / Data API protocols
over a world with fault injection (`polyrank.sim.replay`) and the offline demo
(`polyrank.sim.demo`).

It needs the `sim` extra (`pip install 'polyrank[sim]'`). The product never imports it; it
imports the product (the demo runs the real client code against the replay)."""
