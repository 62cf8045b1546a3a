"""Read-only statements (`polyrank sql`, the API) reach the store's tables only, within a time
limit: real chDB, the same guard and settings a server DSN gets."""

from __future__ import annotations

import time

import pytest
from typer.testing import CliRunner

from polyrank.cli import app
from polyrank.errors import StoreError
from polyrank.store import Store
from tests.integration.test_store import FILL_COLUMNS, fill

runner = CliRunner()


def _refused(store: Store, sql: str, reason: str) -> str:
    with pytest.raises(StoreError) as caught:
        store.query(sql, read_only=True)
    message = str(caught.value)
    assert message.startswith("read-only: ") and reason in message, message
    return message


def test_file_is_refused_with_what_is_allowed(store):
    message = _refused(store, "SELECT * FROM file('/etc/passwd')", "function file() is refused")
    assert "may read the store's tables and these table functions: " in message
    assert "numbers" in message and "url" in message and "are refused" in message
    assert "root:" not in message


@pytest.mark.parametrize("sql", [
    "SELECT file('/etc/passwd')",  # the scalar function reads files too
    "SELECT 1 IN file('/etc/hostname')",
    "SELECT * FROM FiLe('/etc/passwd', 'LineAsString')",
    "SELECT * FROM view(SELECT * FROM file('/etc/passwd'))",
    "WITH x AS (SELECT * FROM file('/etc/passwd')) SELECT * FROM x",
    "SELECT * FROM fills WHERE id IN (SELECT * FROM file('/etc/passwd'))",
    "DESCRIBE TABLE file('/etc/passwd')",
    "SELECT * FROM remote('127.0.0.1:9', system.one)",
    "SELECT * FROM s3('http://127.0.0.1:9/x')",
    "SELECT * FROM filesystem('/etc')",
    "SELECT * FROM merge('system', '^one$')",
    "SELECT * FROM cluster('default', system.one)",
    "SELECT * FROM input('a Int8')",
])
def test_table_functions_that_reach_outside_are_refused(store, sql):
    _refused(store, sql, "is refused")


def test_url_is_refused_at_once(store):
    started = time.monotonic()
    _refused(store, "SELECT * FROM url('http://127.0.0.1:9/x')", "function url() is refused")
    assert time.monotonic() - started < 5


def test_tables_and_harmless_table_functions_work(store):
    store.insert("fills", [fill(1), fill(2)], FILL_COLUMNS)
    assert store.query("SELECT count() FROM fills", read_only=True).result_rows == [(2,)]
    rows = store.query("SELECT number FROM numbers(10)", read_only=True).result_rows
    assert [r[0] for r in rows] == list(range(10))
    for sql in ("SELECT * FROM zeros(2)", "SELECT * FROM (VALUES (1), (2))",
                "SELECT * FROM generateRandom('a Int8', 1) LIMIT 2", "SHOW TABLES",
                "DESCRIBE fills", "EXISTS TABLE fills", "EXPLAIN SELECT * FROM fills",
                "SELECT 1;", "SELECT 1 -- a comment"):
        assert store.query(sql, read_only=True).result_rows, sql
    assert store.query("SELECT {n:UInt8} + 1", {"n": 2}, read_only=True).result_rows == [(3,)]


def test_a_statement_over_its_time_limit_stops_with_a_clear_message(store_dsn):
    with Store.open(store_dsn, query_timeout_s=0.2) as st:
        started = time.monotonic()
        with pytest.raises(StoreError, match=r"stopped at its time limit of 0\.2 s "
                                             r"\(query_timeout_s, POLYRANK_QUERY_TIMEOUT_S\)"):
            st.query("SELECT count() FROM numbers(100000000000) WHERE sipHash64(number) = 0",
                     read_only=True)
        assert time.monotonic() - started < 10
        # the limit is for read-only statements only, and cannot be lifted by one
        _refused(st, "SELECT 1 SETTINGS max_execution_time = 0", "SETTINGS may not change")
        _refused(st, "SET max_execution_time = 0", "SET statements are not read-only")


def test_statements_that_change_the_session_or_write_files_are_refused(store, tmp_path):
    outfile = tmp_path / "out.txt"
    _refused(store, f"SELECT 1 INTO OUTFILE '{outfile}'", "INTO OUTFILE")
    _refused(store, f"SHOW TABLES INTO OUTFILE '{outfile}'", "INTO OUTFILE")
    assert not outfile.exists()
    _refused(store, "USE system", "USE statements are not read-only")
    _refused(store, "KILL QUERY WHERE 1", "KILL QUERY statements are not read-only")
    _refused(store, "SYSTEM DROP MARK CACHE", "SYSTEM statements are not read-only")
    assert store.scalar("SELECT currentDatabase()") == "default"


def test_only_one_statement_runs(store):
    """chDB runs every statement of a text; the read-only settings would reach the last."""
    _refused(store, "SELECT 1; DROP TABLE tags; SELECT 2", "Multi-statements are not allowed")
    _refused(store, "SELECT 1 /* unterminated", "cannot parse")
    assert store.scalar("EXISTS TABLE tags") == 1


def test_a_refused_write_leaves_the_store_writable(store):
    _refused(store, "INSERT INTO tags (id, label, slug) VALUES ('1', 'a', 'a')",
             "INSERT statements are not read-only")
    _refused(store, "DROP TABLE fills", "DROP statements are not read-only")
    store.command("INSERT INTO tags (id, label, slug) VALUES ('1', 'a', 'a')")
    assert store.scalar("SELECT count() FROM tags") == 1
    assert store.scalar("SELECT getSetting('readonly')") == 0


def test_polyrank_sql_refuses_file_and_honours_the_time_limit_setting(store_dsn, monkeypatch):
    res = runner.invoke(app, ["sql", "SELECT * FROM file('/etc/passwd')", "--store", store_dsn])
    assert isinstance(res.exception, StoreError), res.output
    assert "function file() is refused" in str(res.exception)
    assert "root:" not in res.output
    monkeypatch.setenv("POLYRANK_QUERY_TIMEOUT_S", "0.2")
    res = runner.invoke(app, ["sql", "SELECT count() FROM numbers(100000000000) WHERE "
                              "sipHash64(number) = 0", "--store", store_dsn])
    assert isinstance(res.exception, StoreError), res.output
    assert "time limit of 0.2 s" in str(res.exception)


@pytest.mark.parametrize("fmt", ["table", "csv", "json"])
def test_polyrank_sql_prints_data_literally(store_dsn, fmt):
    values = ["a:x:b", "[bold]hi[/bold]", "[red]"]
    select = ", ".join(f"'{v}' AS c{i}" for i, v in enumerate(values))
    res = runner.invoke(app, ["sql", f"SELECT {select}, 'x' AS `[b]h:x:`", "-f", fmt,
                              "--store", store_dsn])
    assert res.exit_code == 0, res.output
    for text in [*values, "[b]h:x:"]:
        assert text in res.stdout, (text, res.stdout)
    assert "❌" not in res.stdout
