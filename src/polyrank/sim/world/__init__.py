"""The synthetic Polymarket world: generator (`generate_world`) and ground-truth ledger.

Folder format: docs/world-format.md. Ledger conventions: `polyrank.sim.world.ledger`,
`polyrank.sim.world.metrics`, `polyrank.sim.world.specialists`.
"""

from polyrank.sim.world.generate import generate_world
from polyrank.sim.world.ledger import LedgerConfig
from polyrank.sim.world.params import WorldParams, param_help

__all__ = ["LedgerConfig", "WorldParams", "generate_world", "param_help"]
