"""The offline replay server: Goldsky subgraphs, Gamma, the Data API and Polygon JSON-RPC over
a world folder, with seeded fault injection. See docs/replay.md.

    from polyrank.sim.replay import FaultConfig, ReplayServer, serve

Names are imported on first use, so `polyrank --help` does not load the server stack.
"""

from __future__ import annotations

from importlib import import_module

_WHERE = {"FaultConfig": "faults", "fault_help": "faults", "ReplayServer": "server",
          "ServiceLimits": "server", "serve": "server", "ChainLimits": "chain"}

__all__ = sorted(_WHERE)


def __getattr__(name: str):
    if name in _WHERE:
        return getattr(import_module(f"polyrank.sim.replay.{_WHERE[name]}"), name)
    raise AttributeError(f"module 'polyrank.sim.replay' has no attribute {name!r}")
