"""A query's cost by Shopify's rule (platforms/shopify.md §3.1), before and after it runs.

- A field returning a scalar or an enum costs 0; an object 1, plus its selection; a list of
  objects counts as one object.
- A connection (its type's name ends in "Connection") costs 2, plus n times one node (1 for
  the node and its selection, whether read through `nodes` or `edges { node }`), plus its
  other fields (`pageInfo` is an object: 1). Before the query runs, n is its `first` or
  `last` (1 if neither); after, the nodes it actually returned, connection by connection.
- A mutation's field costs 10 plus its selection.

Fragments and inline fragments count as their selections, and a field selected twice (by
two fragments, say) is counted once, as the executor merges it. @skip and @include apply.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLIncludeDirective,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLSkipDirective,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    get_named_type,
    get_nullable_type,
    is_leaf_type,
    is_list_type,
)
from graphql.execution.values import VariableValues, get_argument_values, get_directive_values

from .render import MAX_PAGE

MAX_COST = 1000  # a single query's limit, whatever the bucket holds
MUTATION_COST = 10
ABSENT = object()  # no data to count by: the requested cost


@dataclass
class Cost:
    """Computes the cost of one operation of a parsed, validated document."""

    schema: GraphQLSchema
    document: DocumentNode
    operation: OperationDefinitionNode
    variables: VariableValues
    fragments: dict[str, FragmentDefinitionNode] = field(init=False)

    def __post_init__(self):
        self.fragments = {d.name.value: d for d in self.document.definitions if isinstance(d, FragmentDefinitionNode)}

    @property
    def is_mutation(self) -> bool:
        return self.operation.operation == OperationType.MUTATION

    def requested(self) -> int:
        """The worst case: every connection returns its `first` (or `last`) nodes."""
        return self._root(ABSENT)

    def actual(self, data) -> int:
        """The cost of what `data` (the execution's result) actually holds."""
        return self._root(data if isinstance(data, dict) else None)

    def _root(self, data) -> int:
        root = self.schema.mutation_type if self.is_mutation else self.schema.query_type
        total = 0
        for key, nodes in self.collect([self.operation.selection_set]).items():
            value = _child(data, key)
            if self.is_mutation and not nodes[0].name.value.startswith("__"):
                field_def = self.schema.get_field(root, nodes[0].name.value)
                total += MUTATION_COST + self.selection(get_named_type(field_def.type), _sets(nodes), value)
            else:
                total += self.field(root, nodes, value)
        return total

    def collect(self, selection_sets: list[SelectionSetNode]) -> dict[str, list[FieldNode]]:
        """The fields these selection sets select, by response key, fragments expanded and merged."""
        found: dict[str, list[FieldNode]] = {}
        seen_fragments: set[str] = set()

        def walk(selection_set: SelectionSetNode) -> None:
            for selection in selection_set.selections:
                if not self._included(selection):
                    continue
                if isinstance(selection, FieldNode):
                    key = selection.alias.value if selection.alias else selection.name.value
                    found.setdefault(key, []).append(selection)
                elif isinstance(selection, InlineFragmentNode):
                    walk(selection.selection_set)
                elif isinstance(selection, FragmentSpreadNode):
                    name = selection.name.value
                    if name not in seen_fragments and name in self.fragments:
                        seen_fragments.add(name)
                        walk(self.fragments[name].selection_set)

        for selection_set in selection_sets:
            walk(selection_set)
        return found

    def _included(self, node) -> bool:
        if not node.directives:
            return True
        skip = get_directive_values(GraphQLSkipDirective, node, self.variables)
        if skip and skip.get("if") is True:
            return False
        include = get_directive_values(GraphQLIncludeDirective, node, self.variables)
        return not (include and include.get("if") is False)

    def selection(self, parent: GraphQLObjectType, selection_sets: list[SelectionSetNode], data) -> int:
        return sum(self.field(parent, nodes, _child(data, key)) for key, nodes in self.collect(selection_sets).items())

    def field(self, parent: GraphQLObjectType, nodes: list[FieldNode], value) -> int:
        name = nodes[0].name.value
        if name == "__typename":
            return 0
        field_def = self.schema.get_field(parent, name)
        if field_def is None:
            return 0
        named = get_named_type(field_def.type)
        if is_leaf_type(named):
            return 0
        if named.name.endswith("Connection"):
            return self.connection(named, field_def, nodes, value)
        if is_list_type(get_nullable_type(field_def.type)):
            # A list of objects counts as one object: the dearest of its items, or the selection.
            items = [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []
            if items:
                return 1 + max(self.selection(named, _sets(nodes), item) for item in items)
            return 1 + self.selection(named, _sets(nodes), ABSENT if value is ABSENT else None)
        return 1 + self.selection(named, _sets(nodes), value)

    def connection(self, connection_type: GraphQLObjectType, field_def, nodes: list[FieldNode], value) -> int:
        node_type = get_named_type(connection_type.fields["nodes"].type)
        node_sets: list[SelectionSetNode] = []
        # Where the nodes are in the data: (response key of nodes) or (key of edges, key of node).
        node_paths: list[tuple[str, ...]] = []
        other = 0
        for key, fields in self.collect(_sets(nodes)).items():
            name = fields[0].name.value
            if name == "nodes":
                node_sets += _sets(fields)
                node_paths.append((key,))
            elif name == "edges":
                edge_type = get_named_type(connection_type.fields["edges"].type)
                for edge_key, edge_fields in self.collect(_sets(fields)).items():
                    if edge_fields[0].name.value == "node":
                        node_sets += _sets(edge_fields)
                        node_paths.append((key, edge_key))
                    else:
                        # cursor costs 0; anything else on an edge counts once, like pageInfo
                        other += self.field(edge_type, edge_fields, ABSENT if value is ABSENT else None)
            else:
                other += self.field(connection_type, fields, _child(value, key))
        if value is ABSENT:
            per_node = 1 + self.selection(node_type, node_sets, ABSENT) if node_sets else 0
            return 2 + self.page_size(field_def, nodes[0]) * per_node + other
        if not node_sets:
            return 2 + other
        return 2 + sum(1 + self.selection(node_type, node_sets, item) for item in _nodes(value, node_paths)) + other

    def page_size(self, field_def, node: FieldNode) -> int:
        args = get_argument_values(field_def, node, self.variables)
        for name in ("first", "last"):
            if args.get(name) is not None:
                return max(0, args[name])
        return 1


def _sets(nodes: list[FieldNode]) -> list[SelectionSetNode]:
    return [node.selection_set for node in nodes if node.selection_set is not None]


def _child(data, key: str):
    if data is ABSENT:
        return ABSENT
    return data.get(key) if isinstance(data, dict) else None


def _nodes(value, paths: list[tuple[str, ...]]) -> list[dict]:
    """The connection's returned nodes, each merged from every place the query read it."""
    if not isinstance(value, dict):
        return []
    columns = []
    for path in paths:
        items = value.get(path[0])
        if not isinstance(items, list):
            continue
        if len(path) == 2:
            items = [item.get(path[1]) if isinstance(item, dict) else None for item in items]
        columns.append(items)
    count = max((len(column) for column in columns), default=0)
    merged = []
    for index in range(count):
        node: dict = {}
        for column in columns:
            if index < len(column) and isinstance(column[index], dict):
                node.update(column[index])
        merged.append(node)
    return merged


def page_size_errors(cost: Cost) -> list[tuple[FieldNode, str]]:
    """(field, message) for each connection asked for more than 250 nodes, or fewer than 0."""
    found = []

    def visit(parent: GraphQLObjectType, selection_sets: list[SelectionSetNode]) -> None:
        for nodes in cost.collect(selection_sets).values():
            name = nodes[0].name.value
            if name.startswith("__"):
                continue
            field_def = cost.schema.get_field(parent, name)
            if field_def is None:
                continue
            named = get_named_type(field_def.type)
            if is_leaf_type(named):
                continue
            if "first" in field_def.args or "last" in field_def.args:
                args = get_argument_values(field_def, nodes[0], cost.variables)
                for arg in ("first", "last"):
                    if args.get(arg) is not None and args[arg] > MAX_PAGE:
                        found.append((nodes[0], f"{arg} must be less than or equal to {MAX_PAGE}"))
                    elif args.get(arg) is not None and args[arg] < 0:
                        found.append((nodes[0], f"{arg} must be greater than or equal to 0"))
            visit(named, _sets(nodes))

    root = cost.schema.mutation_type if cost.is_mutation else cost.schema.query_type
    visit(root, [cost.operation.selection_set])
    return found
