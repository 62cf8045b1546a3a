"""A wallet list that cannot be read is a ConfigError naming the path and what is wrong, never
a raw OSError or UnicodeDecodeError."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from polyrank.cli import app
from polyrank.errors import ConfigError
from polyrank.ingest.wallets import read_wallet_list

A = "0x" + "ab" * 20


def _error(path: Path) -> str:
    with pytest.raises(ConfigError) as caught:
        read_wallet_list(path)
    message = str(caught.value)
    assert str(path) in message, message
    return message


def test_a_directory(tmp_path):
    assert "is a directory" in _error(tmp_path)


def test_a_missing_file(tmp_path):
    assert "does not exist" in _error(tmp_path / "nope.txt")


def test_a_path_through_a_file(tmp_path):
    (tmp_path / "plain.txt").write_text(A)
    assert "cannot be read: Not a directory" in _error(tmp_path / "plain.txt" / "wallets.txt")


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads a file whatever its mode")
def test_an_unreadable_file(tmp_path):
    path = tmp_path / "secret.txt"
    path.write_text(A)
    path.chmod(0)
    assert "cannot be read: permission denied" in _error(path)


def test_permission_denied(tmp_path, monkeypatch):
    def refuse(self):
        raise PermissionError(13, "Permission denied", str(self))

    path = tmp_path / "secret.txt"
    path.write_text(A)
    monkeypatch.setattr(Path, "read_bytes", refuse)
    assert "cannot be read: permission denied" in _error(path)


def test_a_non_utf8_file(tmp_path):
    path = tmp_path / "latin1.txt"
    path.write_bytes(A.encode() + b"\n\xff\xfe caf\xe9\n")
    message = _error(path)
    assert "is not UTF-8 text (byte 0xff at offset 43)" in message
    assert "one 0x wallet address per line" in message


def test_a_binary_file(tmp_path):
    path = tmp_path / "data.bin"
    path.write_bytes(A.encode() + b"\n\x00\x01\x02")
    assert "is a binary file" in _error(path)


def test_the_cli_says_it_in_one_message(tmp_path):
    res = CliRunner().invoke(app, ["ingest", "--wallets", str(tmp_path), "--store",
                                   f"chdb://{tmp_path / 'store'}"])
    assert isinstance(res.exception, ConfigError), res.output
    assert f"wallet list {tmp_path} is a directory" in str(res.exception)
