import pytest

from polyrank.errors import MigrationError
from polyrank.store.migrations import Migration, discover, pending, split_statements


def test_split_statements_on_line_ending_semicolons_only():
    sql = "-- header\nCREATE TABLE a (x String DEFAULT ';');\n\n-- only a comment;\nSELECT 1;\n"
    assert split_statements(sql) == ["CREATE TABLE a (x String DEFAULT ';')", "SELECT 1"]


def test_packaged_migrations_are_numbered_in_order():
    found = discover()
    versions = [m.version for m in found]
    assert versions == sorted(versions) and versions[0] == 1
    assert len(set(versions)) == len(versions)
    assert all(m.statements() for m in found)


def test_pending_skips_applied_and_refuses_edited_files():
    a, b = Migration(1, "a", "SELECT 1"), Migration(2, "b", "SELECT 2")
    assert pending({}, [a, b]) == [a, b]
    assert pending({1: a.checksum}, [a, b]) == [b]
    with pytest.raises(MigrationError, match="append-only"):
        pending({1: "0000"}, [a, b])


def test_a_comment_may_change_a_statement_may_not():
    before = Migration(1, "a", "-- old note\nCREATE TABLE a (x UInt8);\n")
    comment = Migration(1, "a", "-- a corrected note\n\nCREATE TABLE a (x UInt8);\n")
    statement = Migration(1, "a", "-- old note\nCREATE TABLE a (x UInt16);\n")
    assert comment.checksum == before.checksum != statement.checksum
    assert pending({1: before.checksum}, [comment]) == []
    with pytest.raises(MigrationError, match="append-only"):
        pending({1: before.checksum}, [statement])


def test_stores_that_recorded_whole_file_checksums_still_open():
    """Before checksums left comments out, stores recorded the whole file's; they must open
    after a comment is corrected (the three files whose comments changed are listed)."""
    import hashlib

    plain = Migration(2, "b", "-- note\nSELECT 2\n")
    whole = hashlib.sha256(plain.sql.encode()).hexdigest()[:16]
    assert pending({2: whole}, [plain]) == []
    by_version = {m.version: m for m in discover()}
    for version, old in {1: "77c89ee47f030a67", 4: "6482c20705205a04",
                         5: "ebebc3ab342a1f1e"}.items():
        assert pending({version: old}, [by_version[version]]) == []
