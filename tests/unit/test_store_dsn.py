from pathlib import Path

import pytest

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
