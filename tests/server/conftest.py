"""The server suite: the same SQL against a real ClickHouse server.

Runs only when POLYRANK_TEST_CLICKHOUSE_URL is set (e.g. http://default:@localhost:8123);
each test gets its own database, dropped afterwards."""

from __future__ import annotations

import os
import uuid

import pytest

URL = os.environ.get("POLYRANK_TEST_CLICKHOUSE_URL", "")


def pytest_collection_modifyitems(config, items):
    if URL:
        return
    skip = pytest.mark.skip(reason="server suite: set POLYRANK_TEST_CLICKHOUSE_URL to a "
                                   "ClickHouse server to run it")
    for item in items:
        if "tests/server/" in str(item.fspath):
            item.add_marker(skip)


@pytest.fixture
def store_dsn():
    import clickhouse_connect

    name = f"polyrank_test_{uuid.uuid4().hex[:12]}"
    admin = clickhouse_connect.get_client(dsn=URL)
    admin.command(f"CREATE DATABASE {name}")
    try:
        yield URL.rstrip("/") + "/" + name
    finally:
        admin.command(f"DROP DATABASE IF EXISTS {name}")
        admin.close()
