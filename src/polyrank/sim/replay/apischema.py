"""Derive a subgraph's query API schema from its entity schema, the way graph-node does.

graph-node (graph/src/schema/api.rs, meta.graphql) turns each `@entity` type `T` into:
- root fields `t(id: ID!, block: Block_height, subgraphError: ... = deny): T` and
  `ts(skip: Int = 0, first: Int = 100, orderBy: T_orderBy, orderDirection: OrderDirection,
     where: T_filter, block: Block_height, subgraphError: ... = deny): [T!]!`;
- `enum T_orderBy` listing every field;
- `input T_filter` with, per field, the suffixes of its scalar type (below), plus
  `_change_block: BlockChangedFilter`, `and: [T_filter]` and `or: [T_filter]`;
- a root `_meta(block: Block_height): _Meta_`.
The resulting SDL is what graphql-core validates incoming queries against.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources

from graphql import (
    GraphQLSchema,
    ListTypeNode,
    NamedTypeNode,
    NonNullTypeNode,
    ObjectTypeDefinitionNode,
    build_schema,
    parse,
)

_ORDERED = ["", "not", "gt", "lt", "gte", "lte", "in", "not_in"]
_STRING_EXTRA = [
    "contains", "contains_nocase", "not_contains", "not_contains_nocase",
    "starts_with", "starts_with_nocase", "not_starts_with", "not_starts_with_nocase",
    "ends_with", "ends_with_nocase", "not_ends_with", "not_ends_with_nocase",
]
FILTER_SUFFIXES: dict[str, list[str]] = {
    "BigInt": _ORDERED,
    "BigDecimal": _ORDERED,
    "ID": _ORDERED,
    "Int": _ORDERED,
    "Int8": _ORDERED,
    "Boolean": ["", "not", "in", "not_in"],
    "Bytes": [*_ORDERED, "contains", "not_contains"],
    "String": _ORDERED + _STRING_EXTRA,
}
LIST_SUFFIXES = ["", "not", "contains", "contains_nocase", "not_contains", "not_contains_nocase"]

META_SDL = '''
scalar BigDecimal
scalar BigInt
scalar Bytes
"8 bytes signed integer"
scalar Int8

"The type for the top-level _meta field"
type _Meta_ {
  "Information about a specific subgraph block."
  block: _Block_!
  "The deployment ID"
  deployment: String!
  "If `true`, the subgraph encountered indexing errors at some past block"
  hasIndexingErrors: Boolean!
}

type _Block_ {
  hash: Bytes
  number: Int!
  timestamp: Int
  parentHash: Bytes
}

input BlockChangedFilter {
  number_gte: Int!
}

"The block at which the query should be executed."
input Block_height {
  hash: Bytes
  number: Int
  number_gte: Int
}

enum _SubgraphErrorPolicy_ {
  allow
  deny
}

enum OrderDirection {
  asc
  desc
}
'''


@dataclass(frozen=True)
class FieldDef:
    name: str
    type_name: str  # scalar name
    non_null: bool
    is_list: bool

    def sdl(self) -> str:
        inner = f"[{self.type_name}!]" if self.is_list else self.type_name
        return inner + ("!" if self.non_null else "")


@dataclass(frozen=True)
class EntityDef:
    name: str
    fields: tuple[FieldDef, ...]

    @property
    def single(self) -> str:
        return _camel(self.name)

    @property
    def plural(self) -> str:
        return _plural(self.name).lower() if self.name.isupper() else _camel(_plural(self.name))


def _camel(name: str) -> str:
    if name.isupper():
        return name.lower()
    return name[0].lower() + name[1:]


def _plural(name: str) -> str:
    if name.endswith(("s", "x", "ch", "sh")):
        return name + "es"
    if name.endswith("y") and name[-2:-1].lower() not in "aeiou":
        return name[:-1] + "ies"
    return name + "s"


def read_input_sdl(subgraph: str) -> str:
    """The entity schema shipped in `polyrank/sim/replay/schema/<subgraph>.graphql`."""
    schema = resources.files("polyrank.sim.replay").joinpath("schema", f"{subgraph}.graphql")
    return schema.read_text()


def entity_defs(input_sdl: str) -> list[EntityDef]:
    out = []
    for node in parse(input_sdl).definitions:
        if not isinstance(node, ObjectTypeDefinitionNode):
            continue
        fields = []
        for f in node.fields:
            t, non_null, is_list = f.type, False, False
            if isinstance(t, NonNullTypeNode):
                t, non_null = t.type, True
            if isinstance(t, ListTypeNode):
                is_list, t = True, t.type
                if isinstance(t, NonNullTypeNode):
                    t = t.type
            assert isinstance(t, NamedTypeNode)
            fields.append(FieldDef(f.name.value, t.name.value, non_null, is_list))
        out.append(EntityDef(node.name.value, tuple(fields)))
    return out


def _filter_lines(f: FieldDef) -> list[str]:
    if f.is_list:
        return [f"  {f.name}{'_' + s if s else ''}: [{f.type_name}!]" for s in LIST_SUFFIXES]
    lines = []
    for s in FILTER_SUFFIXES.get(f.type_name, ["", "not"]):
        value_type = f"[{f.type_name}!]" if s in ("in", "not_in") else f.type_name
        lines.append(f"  {f.name}{'_' + s if s else ''}: {value_type}")
    return lines


def derive_api_sdl(input_sdl: str) -> str:
    entities = entity_defs(input_sdl)
    parts = [META_SDL]
    query_fields = []
    for e in entities:
        parts.append(f"type {e.name} {{\n" + "".join(
            f"  {f.name}: {f.sdl()}\n" for f in e.fields) + "}")
        parts.append(f"enum {e.name}_orderBy {{\n" + "".join(
            f"  {f.name}\n" for f in e.fields) + "}")
        lines = [line for f in e.fields for line in _filter_lines(f)]
        lines += ["  _change_block: BlockChangedFilter",
                  f"  and: [{e.name}_filter]", f"  or: [{e.name}_filter]"]
        parts.append(f"input {e.name}_filter {{\n" + "\n".join(lines) + "\n}")
        common = "block: Block_height, subgraphError: _SubgraphErrorPolicy_! = deny"
        query_fields.append(f"  {e.single}(id: ID!, {common}): {e.name}")
        query_fields.append(
            f"  {e.plural}(skip: Int = 0, first: Int = 100, orderBy: {e.name}_orderBy, "
            f"orderDirection: OrderDirection, where: {e.name}_filter, {common}): [{e.name}!]!"
        )
    query_fields.append('  "Access to subgraph metadata"\n  _meta(block: Block_height): _Meta_')
    parts.append("type Query {\n" + "\n".join(query_fields) + "\n}")
    return "\n\n".join(parts) + "\n"


@cache
def api_schema(subgraph: str) -> GraphQLSchema:
    """The graphql-core schema for a shipped subgraph (`orderbook`, `pnl`, `activity`)."""
    return build_schema(derive_api_sdl(read_input_sdl(subgraph)))


@cache
def entities_by_root_field(subgraph: str) -> dict[str, tuple[EntityDef, bool]]:
    """Root field name -> (entity, is_collection)."""
    out: dict[str, tuple[EntityDef, bool]] = {}
    for e in entity_defs(read_input_sdl(subgraph)):
        out[e.single] = (e, False)
        out[e.plural] = (e, True)
    return out
