"""The offline replay server: Goldsky subgraphs, Gamma and the Data API over a world folder,
with seeded fault injection. See docs/replay.md.

    from polyrank.replay import FaultConfig, ReplayServer, serve
"""

from polyrank.replay.faults import FaultConfig, fault_help
from polyrank.replay.server import ReplayServer, ServiceLimits, serve

__all__ = ["FaultConfig", "ReplayServer", "ServiceLimits", "fault_help", "serve"]
