"""Shared fixtures. The developer's environment never leaks into tests (no POLYRANK_* vars)."""

from __future__ import annotations

import os
import shutil
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


@pytest.fixture(scope="session")
def migrated_store(tmp_path_factory) -> Path:
    """A store folder migrated once per test process: a test's `store` starts as a copy of
    it, since migrating a new folder takes over a second and copying this one a fifth of one.
    (The tests of opening and migrating a new folder open `store_dsn` themselves.)"""
    from polyrank.store import Store

    path = tmp_path_factory.mktemp("migrated") / "store"
    Store.open(f"chdb://{path}").close()
    return path


@pytest.fixture
def store(store_dsn: str, migrated_store: Path):
    from polyrank.store import Store

    # chDB's folder links its databases' metadata to their data by relative symlinks, kept
    # as links; the folder lock belongs to the one who holds it
    shutil.copytree(migrated_store, store_dsn.removeprefix("chdb://"), symlinks=True,
                    ignore=shutil.ignore_patterns("polyrank.lock"))
    st = Store.open(store_dsn)
    try:
        yield st
    finally:
        st.close()
