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
