"""The read-only HTTP API over the store (FastAPI)."""
