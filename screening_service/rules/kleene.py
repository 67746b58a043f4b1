"""The reference three-valued evaluator of checked condition trees (Kleene's logic).

A tree walk over one record (and, inside a quantifier, one companion): what
`rules.closures` compiles into closures must return exactly what this
returns (a property test holds them together), and what `rules.prove` and
`pipeline.related` use where speed does not matter. None means unknown.

Nothing here runs code from a rule file, and patterns run on RE2 (linear
time, bounded memory).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, TypeAlias

from screening_service.catalog import CATALOG, FieldType
from screening_service.rules import condition_ast as ast
from screening_service.rules.check import compile_pattern
from screening_service.values import FactValue

Value: TypeAlias = int | float | str | bool | list[str] | None
Truth: TypeAlias = bool | None


def companion_count(record: Mapping[str, FactValue | None]) -> int:
    items = record.get("companion.on_flight")
    return len(items) if isinstance(items, list) else 0


def companion_value(record: Mapping[str, FactValue | None], name: str, index: int) -> Value:
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


def whole_years(start: int, end: int) -> int:
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
                return companion_value(self.record, node.name, self.companion)
            found = self.record.get(node.name)
            return None if found is None else found
        if isinstance(node, ast.Arith):
            left, right = self.value(node.left), self.value(node.right)
            if not is_number(left) or not is_number(right):
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
            return whole_years(a, b)
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
            return relate(self.value(node.left), node.op, self.value(node.right))
        field_value = self.value(node.field)
        if isinstance(node, ast.Presence):
            return (field_value is not None) == node.present
        if field_value is None:
            return None
        if isinstance(node, ast.Truthy):
            return field_value is True
        if isinstance(node, ast.Compare):
            return relate(field_value, node.op, node.value.value)
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
        return cached_pattern(pattern).fullmatch(text) is not None


_PATTERNS: dict[str, Any] = {}


def cached_pattern(text: str) -> Any:
    """A compiled RE2 pattern, cached (patterns come from a checked pack: few and bounded)."""
    found = _PATTERNS.get(text)
    if found is None:
        if len(_PATTERNS) > 4096:
            _PATTERNS.clear()
        found = _PATTERNS[text] = compile_pattern(text)
    return found


def is_number(value: Value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def relate(left: Value, op: str, right: Value) -> Truth:
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
