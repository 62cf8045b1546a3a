"""The store's SQL on a ClickHouse server: the same migrations and queries as embedded."""

from __future__ import annotations

import pytest

from polyrank.errors import StoreError
from polyrank.store import Store
from polyrank.store.migrations import discover
from tests.integration.test_store import FILL_COLUMNS, TOKEN, WALLET, fill

pytestmark = pytest.mark.server


def test_migrations_and_dedup_on_a_server(store_dsn):
    with Store.open(store_dsn) as st:
        assert not st.target.embedded
        assert [v for v, _ in st.applied_migrations()] == [m.version for m in discover()]
        rows = [fill(i) for i in range(4)]
        st.insert("fills", rows + rows[:2], FILL_COLUMNS)
        assert st.scalar("SELECT count() FROM trades_raw WHERE wallet_address = {w:String}",
                         {"w": WALLET}) == 4
        assert st.scalar("SELECT any(token_id) FROM trades_raw") == TOKEN
        with pytest.raises(StoreError, match="read-only"):
            st.query("DROP TABLE fills", read_only=True)
    with Store.open(store_dsn) as st:
        assert st.migrate() == []
