"""Library errors name the parameter; the CLI names its option (never another command's)."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from polyrank.cli import app
from polyrank.errors import ConfigError, InvalidArgument
from polyrank.ingest.options import IngestOptions
from polyrank.ingest.report import parse_rate, parse_time


def test_metrics_as_of_names_as_of_not_since(store_dsn):
    res = CliRunner().invoke(app, ["metrics", "--as-of", "yesterday", "--store", store_dsn])
    assert isinstance(res.exception, ConfigError), res.output
    message = str(res.exception)
    assert message == ("--as-of: 'yesterday' is not a date (YYYY-MM-DD, ISO time or unix "
                       "seconds)")
    assert "since" not in message


def test_ingest_flags_are_named_by_the_cli(tmp_path):
    wallets = tmp_path / "w.txt"
    wallets.write_text("0x" + "ab" * 20 + "\n")
    base = ["ingest", "--wallets", str(wallets), "--store", f"chdb://{tmp_path / 's'}"]
    for extra, name in ((["--since", "soon"], "--since: 'soon'"),
                        (["--rate-limit", "fast"], "--rate-limit: 'fast'"),
                        (["--data-rate-limit", "5/0"], "--data-rate-limit: '5/0'")):
        res = CliRunner().invoke(app, [*base, *extra])
        assert isinstance(res.exception, ConfigError), res.output
        assert str(res.exception).startswith(name), str(res.exception)


def test_library_functions_name_their_parameters():
    with pytest.raises(InvalidArgument, match=r"^as_of: 'yesterday' is not a date") as caught:
        parse_time("yesterday", name="as_of")
    assert caught.value.name == "as_of"
    with pytest.raises(InvalidArgument, match=r"^since: 'x'"):
        parse_time("x")
    with pytest.raises(InvalidArgument, match=r"^rate_limit: '50'"):
        parse_rate("50")
    for field in ("workers", "batch_wallets", "max_trades"):
        with pytest.raises(InvalidArgument, match=rf"^{field} must be at least 1, got 0$"):
            IngestOptions(**{field: 0})
