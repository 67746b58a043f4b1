"""Compile -> derived values: what the engine cannot evaluate, computed before it.

durable-rules cannot compare two properties of one fact safely and has no
arithmetic, text tests or quantifiers. Each such sub-condition of a rule (a
`Relation`, `TextTest`, `Quantifier` or `AtLeast`) becomes a generated
boolean property holding its three-valued result: true, false, or left out
of the fact when unknown. The engine then tests ``{prop: true}`` (or
``false`` under ``not``), which keeps the language's semantics: a rule fires
only when its condition is true.

Aggregates declared in pack.yaml are computed here too, once per flight in
time linear in its size (one pass for each traveler's condition, one pass to
tally per "same" key, one pass to read the tallies), and written into each
record as ``flight.<name>`` so evidence can show them.

Nothing here runs code from a rule file: the tree is walked by this module's
own small evaluator, and patterns run on RE2 (linear time, bounded memory).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Final, TypeAlias

from screening_service.catalog import CATALOG, FieldType
from screening_service.rules import condition_ast as ast
from screening_service.rules.check import compile_pattern
from screening_service.rules.model import Aggregate
from screening_service.values import FactValue, Record

DERIVED_PREFIX: Final = "derived."
Value: TypeAlias = int | float | str | bool | list[str] | None
Truth: TypeAlias = bool | None
DERIVED_NODES: Final = (ast.Relation, ast.TextTest, ast.Quantifier, ast.AtLeast)


def derived_name(node: ast.Condition) -> str:
    digest = hashlib.sha256(ast.render(node).encode()).hexdigest()[:12]
    return f"{DERIVED_PREFIX}{digest}"


def companion_count(record: Mapping[str, FactValue | None]) -> int:
    items = record.get("companion.on_flight")
    return len(items) if isinstance(items, list) else 0


def _companion_value(record: Mapping[str, FactValue | None], name: str, index: int) -> Value:
    items = record.get(name)
    if not isinstance(items, list) or index >= len(items) or items[index] == "":
        return None
    text = items[index]
    kind = CATALOG[name].type
    if kind is FieldType.BOOL:
        return text == "true"
    if kind is FieldType.INT:
        return int(text)
    return text


def _years(start: int, end: int) -> int:
    a, b = dt.date.fromordinal(start), dt.date.fromordinal(end)
    return b.year - a.year - ((b.month, b.day) < (a.month, a.day))


class Evaluator:
    """Three-valued evaluation of checked trees over one record (and one companion)."""

    def __init__(self, record: Mapping[str, FactValue | None], companion: int = -1) -> None:
        self.record = record
        self.companion = companion

    def value(self, node: ast.Expr) -> Value:
        if isinstance(node, ast.Literal):
            return node.value
        if isinstance(node, ast.FieldRef):
            if node.name.startswith("companion."):
                return _companion_value(self.record, node.name, self.companion)
            found = self.record.get(node.name)
            return None if found is None else found
        if isinstance(node, ast.Arith):
            left, right = self.value(node.left), self.value(node.right)
            if not _is_number(left) or not _is_number(right):
                return None
            assert isinstance(left, int | float)
            assert isinstance(right, int | float)
            return left + right if node.op == "+" else left - right
        args = [self.value(arg) for arg in node.args]
        if any(arg is None for arg in args):
            return None
        if node.function == "days_between":
            a, b = args
            assert isinstance(a, int)
            assert isinstance(b, int)
            return b - a
        if node.function == "years_between":
            a, b = args
            assert isinstance(a, int)
            assert isinstance(b, int)
            return _years(a, b)
        (arg,) = args
        if node.function == "abs":
            assert isinstance(arg, int | float)
            return abs(arg)
        if node.function == "lower":
            return str(arg).lower()
        assert isinstance(arg, str | list)
        return len(arg)

    def truth(self, node: ast.Condition) -> Truth:
        """True, False, or None (unknown), by Kleene's strong three-valued logic."""
        if isinstance(node, ast.Not):
            inner = self.truth(node.operand)
            return None if inner is None else not inner
        if isinstance(node, ast.And):
            results = [self.truth(o) for o in node.operands]
            if False in results:
                return False
            return None if None in results else True
        if isinstance(node, ast.Or):
            results = [self.truth(o) for o in node.operands]
            if True in results:
                return True
            return None if None in results else False
        if isinstance(node, ast.AtLeast):
            results = [self.truth(o) for o in node.operands]
            true = results.count(True)
            if true >= node.count:
                return True
            return False if true + results.count(None) < node.count else None
        if isinstance(node, ast.Quantifier):
            results = [
                Evaluator(self.record, j).truth(node.body)
                for j in range(companion_count(self.record))
            ]
            if node.kind == "any":
                if True in results:
                    return True
                return None if None in results else False
            if False in results:
                return False
            return None if None in results else True
        if isinstance(node, ast.Relation):
            return _relate(self.value(node.left), node.op, self.value(node.right))
        field_value = self.value(node.field)
        if isinstance(node, ast.Presence):
            return (field_value is not None) == node.present
        if field_value is None:
            return None
        if isinstance(node, ast.Truthy):
            return field_value is True
        if isinstance(node, ast.Compare):
            return _relate(field_value, node.op, node.value.value)
        if isinstance(node, ast.InList):
            found = any(field_value == v.value for v in node.values)
            return found != node.negated
        if isinstance(node, ast.Contains):
            assert isinstance(field_value, list)
            return node.value.value in field_value
        text = str(field_value)
        pattern = str(node.pattern.value)
        if node.kind == "starts_with":
            return text.startswith(pattern)
        if node.kind == "ends_with":
            return text.endswith(pattern)
        return _pattern(pattern).fullmatch(text) is not None


_PATTERNS: dict[str, Any] = {}


def _pattern(text: str) -> Any:
    """A compiled RE2 pattern, cached (patterns come from a checked pack: few and bounded)."""
    found = _PATTERNS.get(text)
    if found is None:
        if len(_PATTERNS) > 4096:
            _PATTERNS.clear()
        found = _PATTERNS[text] = compile_pattern(text)
    return found


def _is_number(value: Value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _relate(left: Value, op: str, right: Value) -> Truth:
    if left is None or right is None:
        return None
    if op == "==":
        return left == right
    if op == "!=":
        return left != right
    assert isinstance(left, int | float)
    assert isinstance(right, int | float)
    if op == "<":
        return left < right
    if op == "<=":
        return left <= right
    if op == ">":
        return left > right
    return left >= right


@dataclass(frozen=True)
class Derivation:
    name: str
    node: ast.Condition


@dataclass(frozen=True)
class Derivations:
    """The derived properties of a pack and its aggregates; `apply` runs them on a flight."""

    items: tuple[Derivation, ...] = ()
    aggregates: tuple[Aggregate, ...] = ()

    @cached_property
    def names(self) -> tuple[str, ...]:
        return tuple(d.name for d in self.items) + tuple(a.field_name for a in self.aggregates)

    def aggregate(self, records: Sequence[Record]) -> None:
        """Write each aggregate's value into every record of one flight (linear time)."""
        for aggregate in self.aggregates:
            truths = [Evaluator(record).truth(aggregate.condition) for record in records]
            keys: list[object] = [
                (record.get(aggregate.same) if aggregate.same else "") for record in records
            ]
            tally: dict[object, list[int]] = defaultdict(lambda: [0, 0, 0])
            for key, truth in zip(keys, truths, strict=True):
                if key is not None:
                    tally[key][0 if truth is True else 1 if truth is False else 2] += 1
            for record, key in zip(records, keys, strict=True):
                record[aggregate.field_name] = (
                    None if key is None else _summarise(aggregate.kind, tally[key])
                )

    def extras(self, record: Mapping[str, FactValue | None]) -> dict[str, bool]:
        """The derived properties of one record (unknown ones left out)."""
        evaluator = Evaluator(record)
        found: dict[str, bool] = {}
        for derivation in self.items:
            truth = evaluator.truth(derivation.node)
            if truth is not None:
                found[derivation.name] = truth
        return found


def _summarise(kind: str, counts: list[int]) -> int | bool | None:
    true, false, unknown = counts
    if kind == "count":
        return true
    if kind == "any":
        return True if true else (None if unknown else False)
    return False if false else (None if unknown else True)


def collect(condition: ast.Condition) -> list[Derivation]:
    """The outermost derived sub-conditions of a checked condition."""
    found: list[Derivation] = []
    stack: list[ast.Condition] = [condition]
    while stack:
        node = stack.pop()
        if isinstance(node, DERIVED_NODES):
            found.append(Derivation(derived_name(node), node))
        elif isinstance(node, ast.And | ast.Or):
            stack.extend(reversed(node.operands))
        elif isinstance(node, ast.Not):
            stack.append(node.operand)
    return found
