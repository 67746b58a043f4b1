"""Syntax tree of a rule condition (the `when` expression).

Positions are 1-based line and column inside the expression text; the YAML
parser maps them onto the rule file. The same tree is compiled to a
durable-rules pattern (and, for what the engine cannot say, to derived values
computed before it) and walked by the test oracle.

Walks over the tree are iterative (`walk`), so a deeply nested condition can
never exhaust Python's stack; the checker refuses trees deeper than
`MAX_DEPTH` or with more than `MAX_CLAUSES` leaves.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Final, TypeAlias

Scalar: TypeAlias = int | float | str | bool

MAX_DEPTH: Final = 24
MAX_CLAUSES: Final = 64


@dataclass(frozen=True)
class Pos:
    line: int
    column: int


@dataclass(frozen=True)
class FieldRef:
    name: str
    pos: Pos


@dataclass(frozen=True)
class Literal:
    value: Scalar
    pos: Pos


@dataclass(frozen=True)
class Arith:
    """``left + right`` or ``left - right`` (a date minus a date is a number of days)."""

    op: str
    left: Expr
    right: Expr
    pos: Pos


@dataclass(frozen=True)
class Call:
    """A built-in function: days_between, years_between, abs, lower, length."""

    function: str
    args: tuple[Expr, ...]
    pos: Pos


Expr: TypeAlias = FieldRef | Literal | Arith | Call

FUNCTIONS: Final = ("days_between", "years_between", "abs", "lower", "length")


@dataclass(frozen=True)
class Compare:
    """A field compared with a literal: what the engine evaluates itself."""

    field: FieldRef
    op: str
    value: Literal
    pos: Pos


@dataclass(frozen=True)
class Relation:
    """Any other comparison (field with field, arithmetic, functions): a derived value."""

    left: Expr
    op: str
    right: Expr
    pos: Pos


@dataclass(frozen=True)
class InList:
    field: FieldRef
    values: tuple[Literal, ...]
    negated: bool
    pos: Pos


@dataclass(frozen=True)
class Contains:
    field: FieldRef
    value: Literal
    pos: Pos


@dataclass(frozen=True)
class Presence:
    """``is known`` / ``is unknown`` (``is present`` / ``is missing`` are synonyms)."""

    field: FieldRef
    present: bool
    pos: Pos


@dataclass(frozen=True)
class Truthy:
    field: FieldRef
    pos: Pos


@dataclass(frozen=True)
class TextTest:
    """``starts with``, ``ends with``, ``matches`` (RE2, whole string) on a text field."""

    field: FieldRef
    kind: str
    pattern: Literal
    pos: Pos


@dataclass(frozen=True)
class Quantifier:
    """``any companion (...)`` / ``all companions (...)``."""

    kind: str
    body: Condition
    pos: Pos


@dataclass(frozen=True)
class AtLeast:
    """``at least n of (a, b, c)``."""

    count: int
    operands: tuple[Condition, ...]
    pos: Pos


@dataclass(frozen=True)
class Not:
    operand: Condition
    pos: Pos


@dataclass(frozen=True)
class And:
    operands: tuple[Condition, ...]
    pos: Pos


@dataclass(frozen=True)
class Or:
    operands: tuple[Condition, ...]
    pos: Pos


Leaf: TypeAlias = Compare | Relation | InList | Contains | Presence | Truthy | TextTest
Condition: TypeAlias = Leaf | Quantifier | AtLeast | Not | And | Or
Node: TypeAlias = Condition | Expr

COMPARISON_OPERATORS = ("==", "!=", "<", "<=", ">", ">=")
ORDERING_OPERATORS = ("<", "<=", ">", ">=")
TEXT_TESTS: Final = ("starts_with", "ends_with", "matches")
FLIPPED: Final = {"==": "==", "!=": "!=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}


def children(node: Node) -> tuple[Node, ...]:
    """The direct sub-nodes of a node, in source order."""
    if isinstance(node, And | Or | AtLeast):
        return node.operands
    if isinstance(node, Not):
        return (node.operand,)
    if isinstance(node, Quantifier):
        return (node.body,)
    if isinstance(node, Relation):
        return (node.left, node.right)
    if isinstance(node, Arith):
        return (node.left, node.right)
    if isinstance(node, Call):
        return node.args
    if isinstance(node, Compare | Contains):
        return (node.field, node.value)
    if isinstance(node, InList):
        return (node.field, *node.values)
    if isinstance(node, TextTest):
        return (node.field, node.pattern)
    if isinstance(node, Presence | Truthy):
        return (node.field,)
    return ()


def walk(node: Node) -> Iterator[tuple[Node, int]]:
    """Every node with its depth, in source order (iterative: no recursion limit)."""
    stack: list[tuple[Node, int]] = [(node, 1)]
    while stack:
        current, depth = stack.pop()
        yield current, depth
        stack.extend((child, depth + 1) for child in reversed(children(current)))


def field_refs(node: Node) -> list[FieldRef]:
    """Every field the condition reads, in source order."""
    return [n for n, _ in walk(node) if isinstance(n, FieldRef)]


def fields_read(node: Node) -> tuple[str, ...]:
    """Distinct field names the condition reads, in source order."""
    return tuple(dict.fromkeys(ref.name for ref in field_refs(node)))


def render_scalar(value: Scalar) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f"'{value}'" if '"' in value else f'"{value}"'
    return repr(value)


def render(node: Node) -> str:
    """Canonical text of a node (positions left out): names derived values, shows clauses."""
    if isinstance(node, FieldRef):
        return node.name
    if isinstance(node, Literal):
        return render_scalar(node.value)
    if isinstance(node, Arith):
        return f"({render(node.left)} {node.op} {render(node.right)})"
    if isinstance(node, Call):
        return f"{node.function}({', '.join(render(a) for a in node.args)})"
    if isinstance(node, Compare):
        return f"{node.field.name} {node.op} {render(node.value)}"
    if isinstance(node, Relation):
        return f"{render(node.left)} {node.op} {render(node.right)}"
    if isinstance(node, InList):
        items = ", ".join(render(v) for v in node.values)
        return f"{node.field.name} {'not in' if node.negated else 'in'} [{items}]"
    if isinstance(node, Contains):
        return f"{node.field.name} contains {render(node.value)}"
    if isinstance(node, Presence):
        return f"{node.field.name} is {'known' if node.present else 'unknown'}"
    if isinstance(node, Truthy):
        return node.field.name
    if isinstance(node, TextTest):
        return f"{node.field.name} {node.kind.replace('_', ' ')} {render(node.pattern)}"
    if isinstance(node, Quantifier):
        word = "any companion" if node.kind == "any" else "all companions"
        return f"{word} ({render(node.body)})"
    if isinstance(node, AtLeast):
        return f"at least {node.count} of ({', '.join(render(o) for o in node.operands)})"
    if isinstance(node, Not):
        return f"not ({render(node.operand)})"
    joiner = " and " if isinstance(node, And) else " or "
    return "(" + joiner.join(render(o) for o in node.operands) + ")"
