"""What a read-only statement (`polyrank sql`, the API) may do, decided on ClickHouse's own parse
of it (`EXPLAIN AST`, one node per row, children indented by one space) before it runs: the same
check on chDB and on a server. Pure: rows in, a refusal message (or None) out.

The engine's `readonly=2` already refuses writes, but it still lets a statement read any local
file (`file()` as a table or as a scalar function), reach the network or other databases (url,
s3, remote, mysql, ...), write a file (INTO OUTFILE), change settings (SET, SETTINGS: the time
limit) or the session (USE, KILL). So a read-only statement is one of the statement kinds below,
its table functions are on the allow-list, and it carries no SETTINGS and no INTO OUTFILE."""

from __future__ import annotations

import re
from collections.abc import Sequence

#: Table functions that compute rows from their arguments alone (SQLStandardValues is how
#: ClickHouse parses `(VALUES ...)`; view() wraps a subquery that is checked like the rest).
ALLOWED_TABLE_FUNCTIONS = ("generateRandom", "generateSeries", "generate_series", "null",
                           "numbers", "numbers_mt", "primes", "values", "view", "zeros",
                           "zeros_mt")
_ALLOWED = {name.lower() for name in (*ALLOWED_TABLE_FUNCTIONS, "SQLStandardValues")}
#: Named in the refusal; any function of these names is refused wherever it stands (`file` is
#: also a scalar function that returns a file's content).
REFUSED_EXAMPLES = ("file", "url", "s3", "hdfs", "remote", "remoteSecure", "cluster", "mysql",
                    "postgresql", "sqlite", "mongodb", "redis", "odbc", "jdbc", "executable",
                    "input", "azureBlobStorage", "gcs", "iceberg", "deltaLake", "merge",
                    "filesystem", "python")
_REFUSED_ANYWHERE = {name.lower() for name in REFUSED_EXAMPLES}
_STATEMENTS = ("SelectWithUnionQuery", "SelectIntersectExceptQuery", "DescribeQuery")
_EXPLAIN_KINDS = ("EXPLAIN", "EXPLAIN AST", "EXPLAIN SYNTAX", "EXPLAIN QUERY TREE",
                  "EXPLAIN PLAN", "EXPLAIN PIPELINE", "EXPLAIN ESTIMATE")


def allowed_summary() -> str:
    return (f"read-only statements (SELECT, SHOW, DESCRIBE, EXISTS, EXPLAIN) may read the "
            f"store's tables and these table functions: {', '.join(ALLOWED_TABLE_FUNCTIONS)}; "
            f"functions that reach files, the network or other databases "
            f"({', '.join(REFUSED_EXAMPLES)}, ...) are refused, and so are SETTINGS and "
            f"INTO OUTFILE")


def refusal(ast_rows: Sequence[str]) -> str | None:
    """Why the statement whose `EXPLAIN AST` rows these are may not run read-only, or None."""
    if not ast_rows:
        return "the statement is empty"
    root = ast_rows[0].strip()
    if not _statement_allowed(root):
        return f"{_kind(root)} statements are not read-only"
    previous = root
    for index, row in enumerate(ast_rows[1:], start=1):
        depth, node = len(row) - len(row.lstrip(" ")), row.strip()
        if depth == 0:
            return "one statement at a time"
        if node.startswith("Function "):
            name = node.split(" ", 2)[1]
            in_from = previous.startswith("TableExpression")
            if name.lower() in _REFUSED_ANYWHERE or (in_from and name.lower() not in _ALLOWED):
                return f"function {name}() is refused"
        elif node == "Set" and not (index == 1 and root.startswith("Explain ")):  # options
            return "SETTINGS may not change the limits of a read-only statement"
        elif depth == 1 and node.startswith("Literal"):
            return "INTO OUTFILE would write a file"
        previous = node
    return None


def _statement_allowed(root: str) -> bool:
    kind = root.split(" (", 1)[0].strip()
    if root.startswith("Explain "):
        return kind.removeprefix("Explain ") in _EXPLAIN_KINDS
    return kind in _STATEMENTS or kind.startswith(("Show", "SHOW ", "Exists"))


def _kind(root: str) -> str:
    """'InsertQuery   (children 1)' -> 'INSERT', 'KillQueryQuery ...' -> 'KILL QUERY'."""
    if root.startswith("Explain "):
        return root.removeprefix("Explain ").split(" (", 1)[0]
    word = root.split(" ", 1)[0].removesuffix("Query").removesuffix("query")
    return " ".join(re.findall(r"[A-Z]+(?![a-z])|[A-Z][a-z]*|[a-z]+", word)).upper() or "these"
