"""graph-node collection semantics over an `EntityTable`: `where`, `orderBy`, `first`, `skip`.

Mirrors graph-node (graphql/src/store/query.rs, store/postgres/src/relational_queries.rs):
- no `orderBy` means `order by id asc`, whatever `orderDirection` says;
- `orderBy: f` means `order by f <dir>, id <dir>`;
- string-like columns (String, ID, Bytes) compare in byte order (graph-node requires the C
  locale), BigInt numerically;
- the keys of a filter object are ANDed; `and: [...]` / `or: [...]` combine nested objects;
- `_in: []` matches nothing, `_not_in: []` everything; null only matches `field: null`.

Execution: pick a driver (a `maker`/`taker` equality or `_in` list) whose rows form contiguous
runs already in the requested order, narrow each run by binary search on the cursor bounds
(`id_gt`, `timestamp_gte`, ...), scan it in growing chunks applying the full predicate until
`skip + first` rows are found, then merge the runs. Queries without a usable run fall back to
filtering all candidate rows and sorting them.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np

from polyrank.sim.replay.table import ID_BITS, INT64_MAX, INT64_MIN, Column, EntityTable

Pred = Callable[[np.ndarray], np.ndarray]

_SUFFIXES = sorted(
    ["not_in", "in", "not_contains_nocase", "not_contains", "contains_nocase", "contains",
     "not_starts_with_nocase", "not_starts_with", "starts_with_nocase", "starts_with",
     "not_ends_with_nocase", "not_ends_with", "ends_with_nocase", "ends_with", "not", "gt", "lt",
     "gte", "lte"],
    key=len, reverse=True,
)
_HEX = re.compile(r"^0x[0-9a-fA-F]*$")


class QueryError(Exception):
    """A graph-node style query execution error (becomes `{"errors":[{"message": ...}]}`)."""


def split_filter_key(table: EntityTable, key: str) -> tuple[str, str]:
    if key in table.columns:
        return key, "eq"
    for suffix in _SUFFIXES:
        if key.endswith("_" + suffix) and key[: -len(suffix) - 1] in table.columns:
            return key[: -len(suffix) - 1], suffix
    raise QueryError(f"Entity `{table.name}` has no attribute `{key}`")


def _coerce(col: Column, value):
    """A filter value as the column stores it: str for String/ID/Bytes, int for BigInt."""
    if value is None:
        return None
    if col.kind == "str" or (col.kind == "list" and col.gql_type in ("String", "ID", "Bytes")):
        if not isinstance(value, str):
            raise QueryError(f"Failed to decode `{col.gql_type}` value: `{value!r}`")
        if col.gql_type == "Bytes":
            if not _HEX.match(value) or len(value) % 2:
                raise QueryError(f"Failed to decode `Bytes` value: `{value}`")
            value = value.lower()
        return value
    if isinstance(value, bool):
        raise QueryError(f"Failed to decode `{col.gql_type}` value: `{value}`")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and re.fullmatch(r"-?[0-9]+", value):
        return int(value)
    raise QueryError(f"Failed to decode `{col.gql_type}` value: `invalid digit found in string`")


def _clamp(v: int) -> int:
    return max(INT64_MIN, min(INT64_MAX, v))


def _str_match(col: Column, op: str, value: str) -> np.ndarray:
    """Per distinct value: does it satisfy a contains/starts_with/ends_with filter?"""
    base = op.removeprefix("not_").removesuffix("_nocase")
    uniq, needle = col.uniq, value.encode()
    if op.endswith("_nocase"):
        uniq, needle = np.char.lower(uniq), needle.lower()
    if base == "contains":
        hit = np.char.find(uniq, needle) >= 0
    elif base == "starts_with":
        hit = np.char.startswith(uniq, needle)
    else:
        hit = np.char.endswith(uniq, needle)
    return ~hit if op.startswith("not_") else hit


def _column_pred(table: EntityTable, field: str, op: str, raw) -> Pred:
    col = table.columns[field]
    if col.kind == "list":
        return _list_pred(col, op, raw)
    if op in ("in", "not_in"):
        if not isinstance(raw, list):
            raise QueryError(f"Non-list value passed to `_{op}` filter")
        values = [_coerce(col, v) for v in raw]
    else:
        value = _coerce(col, raw)
    nulls = col.nulls

    def with_nulls(mask_fn: Callable[[np.ndarray], np.ndarray]) -> Pred:
        if nulls is None:
            return mask_fn
        return lambda rows: mask_fn(rows) & ~nulls[rows]

    if op in ("eq", "not") and value is None:
        if nulls is None:
            return (lambda rows: np.zeros(len(rows), bool)) if op == "eq" else (
                lambda rows: np.ones(len(rows), bool))
        return (lambda rows: nulls[rows]) if op == "eq" else (lambda rows: ~nulls[rows])
    if col.kind == "str":
        codes = col.codes
        if op in ("in", "not_in"):
            present = np.array(sorted({lo for lo, hi in map(col.lookup, values) if hi > lo}),
                               dtype=np.int64)
            if op == "in":
                return with_nulls(lambda rows: np.isin(codes[rows], present))
            return with_nulls(lambda rows: ~np.isin(codes[rows], present))
        if op not in ("eq", "not", "gt", "gte", "lt", "lte"):
            ok = _str_match(col, op, value)
            return with_nulls(lambda rows: ok[codes[rows]])
        lo, hi = col.lookup(value)
        cmp = {
            "eq": (lambda c: c == lo) if hi > lo else (lambda c: np.zeros(len(c), bool)),
            "not": (lambda c: c != lo) if hi > lo else (lambda c: np.ones(len(c), bool)),
            "gt": lambda c: c >= hi,
            "gte": lambda c: c >= lo,
            "lt": lambda c: c < lo,
            "lte": lambda c: c < hi,
        }[op]
        return with_nulls(lambda rows: cmp(codes[rows]))
    if col.kind == "int":
        vals = col.values
        if op in ("in", "not_in"):
            arr = np.array([_clamp(v) for v in values if v is not None], dtype=np.int64)
            if op == "in":
                return with_nulls(lambda rows: np.isin(vals[rows], arr))
            return with_nulls(lambda rows: ~np.isin(vals[rows], arr))
        if op not in ("eq", "not", "gt", "gte", "lt", "lte"):
            raise QueryError(f"Filter not supported by value `{value}`: `{field}_{op}`")
        v = _clamp(value)
        exact = v == value
        cmp = {
            "eq": (lambda c: c == v) if exact else (lambda c: np.zeros(len(c), bool)),
            "not": (lambda c: c != v) if exact else (lambda c: np.ones(len(c), bool)),
            "gt": lambda c: c > v,
            "gte": lambda c: c >= v,
            "lt": lambda c: c < v,
            "lte": lambda c: c <= v,
        }[op]
        return with_nulls(lambda rows: cmp(vals[rows]))
    raise QueryError(f"Filter not supported for `{field}`")


def _list_pred(col: Column, op: str, raw) -> Pred:
    if not isinstance(raw, list):
        raise QueryError(f"Non-list value passed to `{op}` filter")
    want = [_coerce(col, v) for v in raw]
    nocase = op.endswith("_nocase")
    norm = (lambda xs: [str(x).lower() for x in xs]) if nocase else (lambda xs: list(xs))
    want_n = norm(want)
    base = op.removeprefix("not_").removesuffix("_nocase")

    def test(item) -> bool:
        got = norm(item)
        if base == "eq":
            return got == want_n
        if base == "not":
            return got != want_n
        return set(want_n) <= set(got)  # Postgres `@>`: the array contains all given values

    negate = op.startswith("not_") and base == "contains"
    values = col.values
    return lambda rows: np.array([test(values[r]) != negate for r in rows], dtype=bool)


def compile_where(table: EntityTable, where: dict | None,
                  block_to_ts: Callable[[int], int] | None = None) -> Pred:
    """A predicate over row numbers for a `where` input object (AND of its keys)."""
    preds: list[Pred] = []
    for key, raw in (where or {}).items():
        if key in ("and", "or"):
            if not isinstance(raw, list) or not all(isinstance(x, dict) for x in raw):
                raise QueryError("Filter must by an object")
            subs = [compile_where(table, x, block_to_ts) for x in raw]
            preds.append(_combine(subs, all_of=key == "and"))
        elif key == "_change_block":
            if block_to_ts is not None and "timestamp" in table.columns:
                since = block_to_ts(int(raw["number_gte"]))
                preds.append(_column_pred(table, "timestamp", "gte", since))
        else:
            field, op = split_filter_key(table, key)
            preds.append(_column_pred(table, field, op, raw))
    return _combine(preds, all_of=True)


def _combine(preds: list[Pred], *, all_of: bool) -> Pred:
    if not preds:
        return (lambda rows: np.ones(len(rows), bool)) if all_of else (
            lambda rows: np.zeros(len(rows), bool))
    if len(preds) == 1:
        return preds[0]

    def run(rows: np.ndarray) -> np.ndarray:
        mask = preds[0](rows)
        for p in preds[1:]:
            mask = (mask & p(rows)) if all_of else (mask | p(rows))
        return mask

    return run


# --------------------------------------------------------------------------- planning


def _drivers(table: EntityTable, where: dict) -> tuple[str, list[int]] | None:
    """A group column whose equality / `_in` condition bounds the result to a few runs."""
    for group in ("maker", "taker"):
        if (group, "id") not in table.runs:
            continue
        col = table.columns[group]
        if isinstance(where.get(group), str):
            lo, hi = col.lookup(where[group])
            return group, ([lo] if hi > lo else [])
        if isinstance(where.get(f"{group}_in"), list):
            codes = {lo for lo, hi in (col.lookup(v) for v in where[f"{group}_in"]
                                       if isinstance(v, str)) if hi > lo}
            return group, sorted(codes)
    return None


def _key_bounds(table: EntityTable, where: dict, sort: str) -> tuple[int | None, int | None]:
    """Inclusive lower / exclusive upper bounds on a run's composite key implied by the
    top-level conditions. Only an optimisation: the predicate is applied anyway."""
    id_col = table.columns["id"]
    rlo, rhi = 0, 2**ID_BITS  # id rank range [rlo, rhi)
    for op, raw in ((k.removeprefix("id_") if k != "id" else "eq", v) for k, v in where.items()
                    if k == "id" or k in ("id_gt", "id_gte", "id_lt", "id_lte")):
        if not isinstance(raw, str):
            continue
        lo, hi = id_col.lookup(raw)
        if op == "eq":
            rlo, rhi = max(rlo, lo), min(rhi, hi)
        elif op == "gt":
            rlo = max(rlo, hi)
        elif op == "gte":
            rlo = max(rlo, lo)
        elif op == "lt":
            rhi = min(rhi, lo)
        else:
            rhi = min(rhi, hi)
    if sort == "id":
        return rlo, rhi
    col = table.columns[sort]
    if col.kind != "int":
        return None, None
    tlo, thi = None, None  # inclusive value range
    for key, raw in where.items():
        if key != sort and not key.startswith(sort + "_"):
            continue
        op = "eq" if key == sort else key[len(sort) + 1:]
        try:
            v = _coerce(col, raw) if op in ("eq", "gt", "gte", "lt", "lte") else None
        except QueryError:
            continue
        if v is None:
            continue
        v = max(-(2**31), min(2**31 - 1, v))
        if op in ("eq", "gte", "gt"):
            low = v + 1 if op == "gt" else v
            tlo = low if tlo is None else max(tlo, low)
        if op in ("eq", "lte", "lt"):
            high = v - 1 if op == "lt" else v
            thi = high if thi is None else min(thi, high)
    lo_key = None if tlo is None else (tlo << ID_BITS) | rlo
    hi_key = None if thi is None else ((thi << ID_BITS) | max(rhi - 1, 0)) + 1
    return lo_key, hi_key


def _scan(table: EntityTable, run, a: int, b: int, pred: Pred, need: int, desc: bool):
    """Positions in `run` within [a, b) whose rows pass `pred`, first `need` in run order."""
    found: list[np.ndarray] = []
    got, chunk = 0, max(2 * need, 256)
    pos = b if desc else a
    while got < need and (pos > a if desc else pos < b):
        if desc:
            start = max(a, pos - chunk)
            idx = np.arange(pos - 1, start - 1, -1)
            pos = start
        else:
            end = min(b, pos + chunk)
            idx = np.arange(pos, end)
            pos = end
        hit = idx[pred(run.perm[idx])]
        found.append(hit)
        got += len(hit)
        chunk *= 2
    if not found:
        return np.empty(0, np.int64)
    return np.concatenate(found)[:need]


def find_rows(table: EntityTable, where: dict | None, order_by: str | None, desc: bool,
              first: int, skip: int, pred: Pred | None = None) -> np.ndarray:
    """Row numbers of one page, in order."""
    where = where or {}
    pred = pred or compile_where(table, where)
    if order_by is None:
        desc = False  # graph-node: no orderBy means `order by id asc`
    sort = order_by or "id"
    need = skip + first
    if need == 0 or table.n == 0:
        return np.empty(0, np.int64)
    driver = _drivers(table, where)
    group, codes = driver if driver else (None, [None])
    if driver and not codes:
        return np.empty(0, np.int64)
    run = table.runs.get((group, sort))
    if run is None:
        return _fallback(table, group, codes, pred, sort, desc, skip, first)
    lo_key, hi_key = _key_bounds(table, where, sort)
    parts, keys, whole = [], [], []
    for code in codes:
        a, b = run.span(code)
        if lo_key is not None:
            a = a + int(run.keys[a:b].searchsorted(lo_key, side="left"))
        if hi_key is not None and a < b:
            b = a + int(run.keys[a:b].searchsorted(hi_key, side="left"))
        if a >= b:
            continue
        if b - a <= need:  # every row of the run may be wanted: tested with the others at once
            whole.append((a, b))
            continue
        pos = _scan(table, run, a, b, pred, need, desc)
        parts.append(run.perm[pos])
        keys.append(run.keys[pos])
    if whole:
        pos = _spans(whole)
        pos = pos[pred(run.perm[pos])]
        parts.append(run.perm[pos])
        keys.append(run.keys[pos])
    if not parts:
        return np.empty(0, np.int64)
    rows = np.concatenate(parts)
    if len(parts) > 1 or len(whole) > 1:
        order = np.argsort(np.concatenate(keys), kind="stable")
        rows = rows[order[::-1] if desc else order]
    elif whole and desc:
        rows = rows[::-1]
    return rows[skip:need]


def _spans(spans: list[tuple[int, int]]) -> np.ndarray:
    """The positions of every [a, b) of `spans`, one array (a `maker_in` of many wallets:
    their short runs tested in one pass rather than one by one)."""
    starts = np.fromiter((a for a, _ in spans), np.int64, len(spans))
    lengths = np.fromiter((b - a for a, b in spans), np.int64, len(spans))
    offsets = np.cumsum(lengths) - lengths
    return np.repeat(starts - offsets, lengths) + np.arange(int(lengths.sum()))


def _fallback(table, group, codes, pred, sort, desc, skip, first) -> np.ndarray:
    if group is None:
        cand = np.arange(table.n)
    else:
        run = table.runs[(group, "id")]
        cand = np.concatenate([run.perm[slice(*run.span(c))] for c in codes])
    cand = cand[pred(cand)]
    col = table.columns[sort]
    primary = col.codes if col.kind == "str" else (col.values if col.kind == "int" else None)
    if primary is None:
        order = np.argsort(table.id_rank[cand], kind="stable")
    else:
        order = np.lexsort((table.id_rank[cand], primary[cand]))
    if desc:
        order = order[::-1]
    return cand[order][skip:skip + first]


def find_by_id(table: EntityTable, entity_id: str) -> int | None:
    if not isinstance(entity_id, str):
        return None
    lo, hi = table.columns["id"].lookup(entity_id)
    if hi <= lo:
        return None
    return int(table.runs[(None, "id")].perm[lo])  # the id run is sorted by id rank


def project(table: EntityTable, rows: np.ndarray, selection: list[tuple[str, str]]) -> list[dict]:
    """JSON objects for `rows` with the selected (response key, field name) pairs."""
    if len(rows) == 0:
        return []
    columns = []
    for _key, name in selection:
        if name == "__typename":
            columns.append([table.name] * len(rows))
        else:
            columns.append(table.columns[name].text(rows))
    keys = [k for k, _ in selection]
    return [dict(zip(keys, vals, strict=True)) for vals in zip(*columns, strict=True)]
