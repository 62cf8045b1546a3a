from pathlib import Path

import pytest

from polyrank.enrich.trades import MARGIN_S, margin_s
from polyrank.errors import ConfigError
from polyrank.store.dsn import parse_dsn


def test_embedded_absolute_and_relative_paths():
    assert parse_dsn("chdb:///var/x").path == Path("/var/x")
    rel = parse_dsn("chdb://./data/polyrank")
    assert rel.embedded and rel.path == (Path.cwd() / "data/polyrank").resolve()


def test_server_dsns():
    for dsn in ("clickhouse://u:p@db.example:8123/polyrank", "http://localhost:8123",
                "https://ch.example:8443"):
        target = parse_dsn(dsn)
        assert not target.embedded and target.path is None
    assert "db.example:8123/polyrank" in parse_dsn(
        "clickhouse://u:secret@db.example:8123/polyrank").describe()
    assert "secret" not in parse_dsn("clickhouse://u:secret@db.example:8123/x").describe()


@pytest.mark.parametrize("dsn", ["", "data/polyrank", "sqlite:///x.db", "chdb://"])
def test_bad_dsns_say_what_is_accepted(dsn):
    with pytest.raises(ConfigError, match="chdb"):
        parse_dsn(dsn)


def test_server_dsn_without_host():
    with pytest.raises(ConfigError, match="no host"):
        parse_dsn("http://")


def test_only_a_server_store_has_an_incremental_enrich_look_again_at_recent_loads():
    # an embedded store has one writer, whose loads end before its enrich: nothing loaded
    # before the last enrich's latest load can still be arriving
    assert margin_s(parse_dsn("chdb:///var/x")) == 0
    assert margin_s(parse_dsn("clickhouse://u:p@db.example:8123/polyrank")) == MARGIN_S > 0
