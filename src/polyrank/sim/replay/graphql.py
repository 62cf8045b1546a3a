"""GraphQL request handling for the replay subgraphs: graphql-core parses and validates, then a
small executor of our own resolves the root fields and projects the selected columns.

graphql-core's per-field resolver machinery is not used on the hot path: for a 1,000-row page
of 11 fields it would call 11,000 resolvers. Instead the (validated) selection set is compiled
once per root field into (response key, field name) pairs, honouring aliases, fragments,
inline fragments, `@skip`/`@include` and `__typename`, and the resolver projects whole columns.
Only public graphql-core APIs are used, so 3.2 and 3.3 both work.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLBoolean,
    GraphQLError,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    Undefined,
    coerce_input_value,
    parse,
    type_from_ast,
    validate,
    value_from_ast,
)

from polyrank.sim.replay.query import QueryError

MAX_QUERY_BYTES = 1_000_000
_BOOL = GraphQLNonNull(GraphQLBoolean)


@dataclass
class Selected:
    """One output field: its response key, schema field name, and nested selection."""

    key: str
    name: str
    sub: list[Selected] | None = None


@dataclass
class RootCall:
    key: str
    name: str
    args: dict[str, Any]
    selection: list[Selected] | None


Resolver = Callable[[RootCall], Any]


def error_body(message: str, locations: list[dict] | None = None) -> dict:
    err: dict[str, Any] = {"message": message}
    if locations:
        err["locations"] = locations
    return {"errors": [err]}


def _gql_error(e: GraphQLError) -> dict:
    err: dict[str, Any] = {"message": e.message}
    if e.locations:
        err["locations"] = [{"line": loc.line, "column": loc.column} for loc in e.locations]
    return err


def _directive_if(node, name: str, variables: dict) -> bool | None:
    for d in node.directives or ():
        if d.name.value == name:
            for arg in d.arguments or ():
                if arg.name.value == "if":
                    return bool(value_from_ast(arg.value, _BOOL, variables))
    return None


def _included(node, variables: dict) -> bool:
    if _directive_if(node, "skip", variables) is True:
        return False
    return _directive_if(node, "include", variables) is not False


def collect(selection_set: SelectionSetNode | None, type_name: str,
            fragments: dict[str, FragmentDefinitionNode], variables: dict,
            out: dict[str, list[FieldNode]] | None = None,
            seen: set[str] | None = None) -> dict[str, list[FieldNode]]:
    """Group the fields of a selection set by response key (the spec's CollectFields)."""
    out = {} if out is None else out
    seen = set() if seen is None else seen
    if selection_set is None:
        return out
    for sel in selection_set.selections:
        if not _included(sel, variables):
            continue
        if isinstance(sel, FieldNode):
            key = sel.alias.value if sel.alias else sel.name.value
            out.setdefault(key, []).append(sel)
        elif isinstance(sel, InlineFragmentNode):
            cond = sel.type_condition.name.value if sel.type_condition else type_name
            if cond == type_name:
                collect(sel.selection_set, type_name, fragments, variables, out, seen)
        elif isinstance(sel, FragmentSpreadNode):
            name = sel.name.value
            frag = fragments.get(name)
            if name in seen or frag is None or frag.type_condition.name.value != type_name:
                continue
            seen.add(name)
            collect(frag.selection_set, type_name, fragments, variables, out, seen)
    return out


def _named(t):
    while isinstance(t, (GraphQLNonNull, GraphQLList)):
        t = t.of_type
    return t


def compile_selection(nodes: list[FieldNode], obj_type: GraphQLObjectType,
                      fragments: dict, variables: dict) -> list[Selected]:
    merged_set = SelectionSetNode(selections=tuple(
        s for n in nodes if n.selection_set for s in n.selection_set.selections))
    out = []
    for key, fnodes in collect(merged_set, obj_type.name, fragments, variables).items():
        name = fnodes[0].name.value
        sub = None
        if name != "__typename":
            ftype = _named(obj_type.fields[name].type)
            if isinstance(ftype, GraphQLObjectType):
                sub = compile_selection(fnodes, ftype, fragments, variables)
        out.append(Selected(key, name, sub))
    return out


def _arg_values(field_def, node: FieldNode, variables: dict) -> dict[str, Any]:
    given = {a.name.value: a.value for a in node.arguments or ()}
    args: dict[str, Any] = {}
    for name, arg_def in field_def.args.items():
        if name in given:
            value = value_from_ast(given[name], arg_def.type, variables)
            if value is Undefined:
                raise QueryError(f"Invalid value provided for argument `{name}`")
            args[name] = value
        elif arg_def.ast_node is not None and arg_def.ast_node.default_value is not None:
            args[name] = value_from_ast(arg_def.ast_node.default_value, arg_def.type, {})
    return args


def _coerce_variables(schema: GraphQLSchema, op: OperationDefinitionNode,
                      inputs: dict) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for vdef in op.variable_definitions or ():
        name = vdef.variable.name.value
        vtype = type_from_ast(schema, vdef.type)
        if name in inputs:
            raw = inputs[name]
            try:
                coerced = coerce_input_value(raw, vtype)
            except GraphQLError as e:
                raise QueryError(f"Variable `{name}`: {e.message}") from None
            if coerced is Undefined:
                raise QueryError(f"Invalid value provided for variable `{name}`: {raw!r}")
            values[name] = coerced
        elif vdef.default_value is not None:
            values[name] = value_from_ast(vdef.default_value, vtype, {})
        elif isinstance(vtype, GraphQLNonNull):
            raise QueryError(f"No value provided for required variable `{name}`")
    return values


@lru_cache(maxsize=512)
def _checked(schema: GraphQLSchema, query: str) -> tuple[DocumentNode | None, list[dict]]:
    """Parse and validate once per distinct query text: clients send the same documents
    again and again with new variables, and validation costs more than a page of rows."""
    try:
        document = parse(query)
    except GraphQLError as e:
        return None, [_gql_error(e)]
    errors = validate(schema, document)
    return document, [_gql_error(e) for e in errors]


def execute(schema: GraphQLSchema, payload: Any, resolve: Resolver) -> dict:
    """Run one GraphQL request body (`{"query", "variables", "operationName"}`) to a JSON
    response body: `{"data": ...}` or `{"errors": [...]}` (graph-node sends no partial data)."""
    if not isinstance(payload, dict) or not isinstance(payload.get("query"), str):
        return error_body("The query is empty" if isinstance(payload, dict)
                          else "Invalid request body")
    query = payload["query"]
    if len(query) > MAX_QUERY_BYTES:
        return error_body("query is too large")
    document, errors = _checked(schema, query)
    if errors:
        return {"errors": errors}
    ops = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    fragments = {d.name.value: d for d in document.definitions
                 if isinstance(d, FragmentDefinitionNode)}
    op_name = payload.get("operationName")
    if op_name:
        ops = [o for o in ops if o.name and o.name.value == op_name]
        if not ops:
            return error_body(f"Operation name not found `{op_name}`")
    elif len(ops) > 1:
        return error_body("Operation name required")
    op = ops[0]
    if op.operation != OperationType.QUERY:
        return error_body(f"Not supported: {op.operation.value} operations")
    variables_in = payload.get("variables") or {}
    if not isinstance(variables_in, dict):
        return error_body("Invalid variables: expected an object")
    try:
        variables = _coerce_variables(schema, op, variables_in)
        query_type = schema.query_type
        data: dict[str, Any] = {}
        for key, nodes in collect(op.selection_set, query_type.name, fragments,
                                  variables).items():
            name = nodes[0].name.value
            if name == "__typename":
                data[key] = query_type.name
                continue
            if name in ("__schema", "__type"):
                raise QueryError("replay: introspection is not served")
            field_def = query_type.fields[name]
            ret = _named(field_def.type)
            selection = (compile_selection(nodes, ret, fragments, variables)
                         if isinstance(ret, GraphQLObjectType) else None)
            call = RootCall(key, name, _arg_values(field_def, nodes[0], variables), selection)
            data[key] = resolve(call)
    except QueryError as e:
        return error_body(str(e))
    return {"data": data}
