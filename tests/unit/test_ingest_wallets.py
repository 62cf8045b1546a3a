import pytest

from polyrank.errors import ConfigError
from polyrank.ingest.wallets import parse_wallet_list, read_wallet_list, shard

A = "0x" + "a1" * 20
B = "0x" + "b2" * 20


def test_comments_blanks_case_and_duplicates():
    text = f"# my wallets\n\n{A.upper().replace('0X', '0x')}\n  {B}  # whale\n{A}\n"
    parsed = parse_wallet_list(text)
    assert parsed.wallets == (A, B)
    assert parsed.duplicates == 1 and parsed.bad == ()


def test_bad_lines_are_reported_with_their_numbers():
    text = f"{A}\n0x123\nnot-an-address\n0x{'zz' * 20}\n{B}\n"
    parsed = parse_wallet_list(text)
    assert parsed.wallets == (A, B)
    assert [(b.line, b.reason.split(":")[0]) for b in parsed.bad] == [
        (2, "wrong length"), (3, "does not start with 0x"), (4, "not hexadecimal")]
    assert "line 2" in str(parsed.bad[0])


def test_strict_refuses_and_lenient_skips(tmp_path):
    path = tmp_path / "w.txt"
    path.write_text(f"{A}\n0xnope\n")
    assert read_wallet_list(path).wallets == (A,)
    with pytest.raises(ConfigError, match="line 2"):
        read_wallet_list(path, strict=True)


def test_missing_empty_and_binary_files(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        read_wallet_list(tmp_path / "nope.txt")
    (tmp_path / "empty.txt").write_text("# nothing\n\n")
    with pytest.raises(ConfigError, match="no valid wallet"):
        read_wallet_list(tmp_path / "empty.txt")
    (tmp_path / "bin.txt").write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(ConfigError, match="not UTF-8"):
        read_wallet_list(tmp_path / "bin.txt")


def test_shards_partition_the_list():
    wallets = tuple(f"0x{i:040x}" for i in range(1000))
    parts = [shard(wallets, f"{k}/4") for k in range(1, 5)]
    assert sorted(sum(parts, ())) == sorted(wallets)
    assert all(200 < len(p) < 300 for p in parts)
    assert shard(wallets, None) == wallets
    for bad in ("0/4", "5/4", "x", "1-4"):
        with pytest.raises(ConfigError, match="K/N"):
            shard(wallets, bad)
