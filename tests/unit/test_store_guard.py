"""The read-only guard on `EXPLAIN AST` rows (as ClickHouse prints them), without an engine."""

from __future__ import annotations

from polyrank.store.guard import refusal

SELECT_FROM = ["SelectWithUnionQuery (children 2)", " ExpressionList (children 1)",
               "  SelectQuery (children 2)", "   ExpressionList (children 1)", "    Asterisk",
               "   TablesInSelectQuery (children 1)",
               "    TablesInSelectQueryElement (children 1)",
               "     TableExpression (children 1)"]


def test_table_functions_are_judged_by_the_allow_list():
    assert refusal([*SELECT_FROM, "      Function numbers (children 1)"]) is None
    assert refusal([*SELECT_FROM, "      Function generateRandom (alias g) (children 1)"]) \
        is None
    assert refusal([*SELECT_FROM, "      Function mergeTreeIndex (children 1)"]) \
        == "function mergeTreeIndex() is refused"
    # a scalar function of that name elsewhere is not a table function
    assert refusal([*SELECT_FROM[:5], "    Function format (children 1)"]) is None


def test_functions_that_reach_outside_are_refused_wherever_they_stand():
    assert refusal([*SELECT_FROM[:5], "    Function file (children 1)"]) \
        == "function file() is refused"
    assert refusal([*SELECT_FROM[:5], "    Function URL (children 1)"]) \
        == "function URL() is refused"


def test_statement_kinds():
    assert refusal(["ShowTables (children 1)", " Identifier Native"]) is None
    assert refusal(["ExistsTableQuery  t (children 2)", " Identifier t"]) is None
    assert refusal(["Explain EXPLAIN (children 3)", " Set", " SelectWithUnionQuery"]) is None
    assert refusal(["InsertQuery   (children 1)", " Identifier t"]) \
        == "INSERT statements are not read-only"
    assert refusal(["KillQueryQuery Literal_UInt64_1 SYNC (children 2)"]) \
        == "KILL QUERY statements are not read-only"
    assert refusal(["SYSTEM query"]) == "SYSTEM statements are not read-only"
    assert refusal(["Explain EXPLAIN TABLE OVERRIDE (children 3)"]) \
        == "EXPLAIN TABLE OVERRIDE statements are not read-only"
    assert refusal([]) == "the statement is empty"


def test_settings_outfile_and_a_second_statement_are_refused():
    assert "SETTINGS" in refusal([*SELECT_FROM[:5], "   Set"])
    assert "INTO OUTFILE" in refusal(["ShowTables (children 2)", " Literal 'y'"])
    assert refusal([*SELECT_FROM[:5], "DropQuery  t (children 2)"]) == \
        "one statement at a time"
