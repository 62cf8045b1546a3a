"""The synthetic Polymarket world: generator (`generate_world`) and ground-truth ledger.

Folder format: docs/world-format.md. Ledger conventions: `polyrank.world.ledger`,
`polyrank.world.metrics`, `polyrank.world.specialists`.
"""

from polyrank.world.generate import generate_world
from polyrank.world.ledger import LedgerConfig
from polyrank.world.params import WorldParams, param_help

__all__ = ["LedgerConfig", "WorldParams", "generate_world", "param_help"]
