"""Columnar, read-only entity tables for the replay subgraphs, built once at load.

Every string column is dictionary-encoded against its *sorted* distinct values, so a row's code
is the rank of its value: equality and lexicographic comparisons become integer comparisons,
which is also how graph-node orders `String`/`ID`/`Bytes` columns (Postgres text in the C
locale, i.e. byte order). For the `id` column the code is the row's rank among all ids.

A `RunIndex` is a permutation of the rows sorted by (group column, sort key, id), e.g. by
(maker, id) or (maker, timestamp, id): the rows of one maker form a contiguous, already ordered
run, found by binary search. Its `keys` array holds the sort key (and id rank) aligned with the
permutation so that cursor bounds (`id_gt`, `timestamp_gte`, ...) are binary searches too.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

ID_BITS = 32  # composite key: (sort value << 32) | id rank; ranks must stay below 2**32
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1

# GraphQL scalar kinds the replay stores.
STRING_TYPES = {"String", "ID", "Bytes"}
INT_TYPES = {"BigInt", "Int", "Int8"}


@dataclass
class Column:
    """One field of an entity. `kind` is "str" (codes+uniq), "int" (values), or "list"."""

    gql_type: str  # scalar name: String, ID, Bytes, BigInt, Int, BigDecimal ...
    kind: str
    codes: np.ndarray | None = None  # str: int64 rank of the value in `uniq`
    uniq: np.ndarray | None = None  # str: sorted distinct values, numpy bytes ('S')
    values: np.ndarray | None = None  # int: int64 values; list: object array of lists
    nulls: np.ndarray | None = None  # bool mask of null rows (nullable fields only)
    is_list: bool = False

    def text(self, rows: np.ndarray) -> list:
        """Values of `rows` as JSON-ready Python objects (BigInt as strings)."""
        if self.kind == "str":
            out = self.uniq[self.codes[rows]].astype(str).tolist()
        elif self.kind == "int":
            vals = self.values[rows]
            out = vals.tolist() if self.gql_type in ("Int", "Int8") else vals.astype(str).tolist()
        elif self.gql_type in ("BigInt", "BigDecimal"):
            out = [[str(x) for x in v] for v in self.values[rows]]
        else:
            out = [list(v) for v in self.values[rows]]
        if self.nulls is not None:
            null = self.nulls[rows]
            if null.any():
                out = [None if n else v for v, n in zip(out, null.tolist(), strict=True)]
        return out

    def lookup(self, value: str) -> tuple[int, int]:
        """(lo, hi) rank bounds of `value` among the distinct values: present iff hi > lo."""
        key = value.encode()
        lo = int(np.searchsorted(self.uniq, key, side="left"))
        hi = int(np.searchsorted(self.uniq, key, side="right"))
        return lo, hi


def string_column(gql_type: str, data: pa.Array | pa.ChunkedArray | list) -> Column:
    """Dictionary-encode strings against their sorted distinct values (byte order)."""
    arr = data if isinstance(data, (pa.Array, pa.ChunkedArray)) else pa.array(data, pa.string())
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks() if arr.num_chunks else pa.array([], pa.string())
    nulls = None
    if arr.null_count:
        nulls = arr.is_null().to_numpy(zero_copy_only=False)
        arr = pc.fill_null(arr, "")
    uniq = pc.unique(arr)
    uniq = uniq.take(pc.sort_indices(uniq))  # binary (C locale) order
    codes = pc.index_in(arr, value_set=uniq).to_numpy(zero_copy_only=False).astype(np.int64)
    uniq_np = np.array(uniq.to_pylist(), dtype=np.bytes_) if len(uniq) else np.array(
        [], dtype="S1")
    return Column(gql_type, "str", codes=codes, uniq=uniq_np, nulls=nulls)


def int_column(gql_type: str, data, nulls: np.ndarray | None = None) -> Column:
    if isinstance(data, (pa.Array, pa.ChunkedArray)):
        if data.null_count:
            nulls = data.is_null().to_numpy(zero_copy_only=False)
            data = pc.fill_null(data, 0)
        values = data.to_numpy().astype(np.int64)
    else:
        values = np.asarray(data, dtype=np.int64)
    return Column(gql_type, "int", values=values, nulls=nulls)


def list_column(gql_type: str, data: list[list]) -> Column:
    values = np.empty(len(data), dtype=object)
    for i, v in enumerate(data):
        values[i] = tuple(v)
    return Column(gql_type, "list", values=values, is_list=True)


@dataclass
class RunIndex:
    """Rows sorted by (group, sort key, id). `starts[g]:starts[g+1]` is group g's run."""

    group: str | None
    sort: str
    perm: np.ndarray  # row numbers in run order
    keys: np.ndarray  # int64 composite key aligned with `perm`
    group_codes: np.ndarray | None  # group code of each position (sorted)

    def span(self, group_code: int | None) -> tuple[int, int]:
        if group_code is None:
            return 0, len(self.perm)
        lo = int(np.searchsorted(self.group_codes, group_code, side="left"))
        hi = int(np.searchsorted(self.group_codes, group_code, side="right"))
        return lo, hi


@dataclass
class EntityTable:
    """A read-only entity collection: `columns` by GraphQL field name, `id` always present."""

    name: str  # GraphQL type name, e.g. OrderFilledEvent
    columns: dict[str, Column]
    runs: dict[tuple[str | None, str], RunIndex] = field(default_factory=dict)

    @property
    def n(self) -> int:
        col = self.columns["id"]
        return len(col.codes)

    @property
    def id_rank(self) -> np.ndarray:
        return self.columns["id"].codes

    def sort_key(self, sort: str) -> np.ndarray:
        """Composite int64 key ordering rows by (`sort`, id) for every row."""
        rank = self.id_rank
        if sort == "id":
            return rank.copy()
        col = self.columns[sort]
        if col.kind == "str":
            base = col.codes
        elif col.kind == "int":
            base = col.values
        else:
            return rank.copy()
        if base.size and (base.min() < -(2**31) or base.max() >= 2**31):
            return None  # does not fit the composite key; callers fall back to lexsort
        return (base.astype(np.int64) << ID_BITS) | rank

    def add_run(self, group: str | None, sort: str) -> None:
        key = self.sort_key(sort)
        if key is None:
            return
        if group is None:
            perm = np.argsort(key, kind="stable")
            gcodes = None
        else:
            gcodes_all = self.columns[group].codes
            perm = np.lexsort((key, gcodes_all))
            gcodes = gcodes_all[perm]
        self.runs[(group, sort)] = RunIndex(group, sort, perm, key[perm], gcodes)


def build_table(name: str, columns: dict[str, Column],
                runs: list[tuple[str | None, str]] = ()) -> EntityTable:
    table = EntityTable(name, columns)
    if table.n >= 2**ID_BITS:
        raise ValueError(f"{name}: too many rows for the composite sort key")
    id_col = columns["id"]
    if len(id_col.uniq) != table.n:
        raise ValueError(f"{name}: ids are not unique")
    for group, sort in [(None, "id"), *runs]:
        table.add_run(group, sort)
    return table


def ids_column(ids: list[str]) -> Column:
    return string_column("ID", ids)
