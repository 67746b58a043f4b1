"""Syntax tree of a rule condition (the `when` expression).

Positions are 1-based line and column inside the expression text; the YAML
parser maps them onto the rule file. The same tree is compiled to a
durable-rules pattern and walked by the test oracle.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeAlias

Scalar: TypeAlias = int | float | str | bool


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
class Compare:
    field: FieldRef
    op: str
    value: Literal
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
    field: FieldRef
    present: bool
    pos: Pos


@dataclass(frozen=True)
class Truthy:
    field: FieldRef
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


Leaf: TypeAlias = Compare | InList | Contains | Presence | Truthy
Condition: TypeAlias = Leaf | Not | And | Or

COMPARISON_OPERATORS = ("==", "!=", "<", "<=", ">", ">=")
ORDERING_OPERATORS = ("<", "<=", ">", ">=")


def field_refs(node: Condition) -> list[FieldRef]:
    """Every field the condition reads, in source order."""
    if isinstance(node, And | Or):
        return [ref for operand in node.operands for ref in field_refs(operand)]
    if isinstance(node, Not):
        return field_refs(node.operand)
    return [node.field]


def fields_read(node: Condition) -> tuple[str, ...]:
    """Distinct field names the condition reads, in source order."""
    return tuple(dict.fromkeys(ref.name for ref in field_refs(node)))
