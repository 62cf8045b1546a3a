"""polyrank: find the most skilled traders on Polymarket."""

__version__ = "0.1.0"
