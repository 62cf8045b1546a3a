"""Shared fixtures. The developer's environment never leaks into tests (no POLYRANK_* vars)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

#: Real upstream captures copied into the repository (origin and licence: fixtures/README.md).
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in list(os.environ):
        if key.startswith("POLYRANK_") and key != "POLYRANK_TEST_CLICKHOUSE_URL":
            monkeypatch.delenv(key, raising=False)


@pytest.fixture
def store_dsn(tmp_path: Path) -> str:
    return f"chdb://{tmp_path / 'store'}"


@pytest.fixture
def store(store_dsn: str):
    from polyrank.store import Store

    st = Store.open(store_dsn)
    try:
        yield st
    finally:
        st.close()
