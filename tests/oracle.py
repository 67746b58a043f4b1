"""Reference evaluator of the rule language: the test oracle for the engine.

Plain Python over the PARSED tree (straight from `parse_condition`, before
`check`): it shares no code with the checker, the compiler or the derived
values beyond the catalog's field list, and reads literals itself (a quoted
date compared with a date field becomes its day ordinal here). It
implements the language contract directly, with Kleene's three values
(True, False, None for unknown):

* a field is unknown when it is missing from the record or None; a
  known-empty list is known (it contains nothing);
* every test of an unknown value is unknown, except ``is known`` /
  ``is unknown``; ``not unknown`` is unknown; ``and`` is false if any operand
  is false, else unknown if any is unknown; ``or`` dually;
* arithmetic and functions are unknown when an input is; a date minus a
  date is a number of days; ``years_between`` counts whole years;
* ``any companion`` is true if the body is true for some companion, false
  if false for all (and with no companions), else unknown; ``all
  companions`` dually (true with no companions);
* ``at least n of`` is true with n true operands, false when the true and
  unknown ones together are fewer than n, else unknown;
* a declared aggregate counts (or tests) the travelers of the flight whose
  condition is true, among those sharing this traveler's ``same`` value
  (unknown when that value is unknown);
* a rule fires only when its condition is true (`holds`).

Companion details are parallel lists of text in the record (one item per
companion, "" when unknown), as enrichment writes them.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from screening_service.catalog import CATALOG, FieldType
from screening_service.rules import condition_ast as a

__all__ = ["OracleAggregate", "holds", "truth"]

Value = int | float | str | bool | list[str] | None
Record = Mapping[str, Value]

_DATE_FIELDS: Final = frozenset(n for n, f in CATALOG.items() if f.type is FieldType.DATE)


@dataclass(frozen=True)
class OracleAggregate:
    name: str  # read as flight.<name>
    kind: str  # count, any, all
    condition: a.Condition
    same: str


def _date(text: str) -> int:
    return dt.date.fromisoformat(text).toordinal()


def _is_date_expr(node: a.Expr) -> bool:
    if isinstance(node, a.FieldRef):
        return node.name in _DATE_FIELDS
    if isinstance(node, a.Arith):
        return _is_date_expr(node.left) and not _is_date_expr(node.right)
    return False


def _companion(record: Record, name: str, index: int) -> Value:
    items = record.get(name)
    if not isinstance(items, list) or items[index] == "":
        return None
    text = items[index]
    kind = CATALOG[name].type
    if kind is FieldType.BOOL:
        return text == "true"
    if kind is FieldType.INT:
        return int(text)
    return text


class _Oracle:
    def __init__(
        self,
        record: Record,
        flight: Sequence[Record],
        aggregates: Sequence[OracleAggregate],
        companion: int | None = None,
    ) -> None:
        self.record = record
        self.flight = flight
        self.aggregates = {f"flight.{x.name}": x for x in aggregates}
        self.companion = companion

    def field(self, name: str) -> Value:
        if name in self.aggregates:
            return self.aggregate(self.aggregates[name])
        if name.startswith("companion."):
            assert self.companion is not None
            return _companion(self.record, name, self.companion)
        return self.record.get(name)

    def aggregate(self, spec: OracleAggregate) -> Value:
        key = self.record.get(spec.same) if spec.same else ""
        if key is None:
            return None
        members = [r for r in self.flight if (r.get(spec.same) if spec.same else "") == key]
        results = [_Oracle(r, self.flight, []).truth(spec.condition) for r in members]
        if spec.kind == "count":
            return sum(1 for x in results if x is True)
        if spec.kind == "any":
            return True if True in results else (None if None in results else False)
        return False if False in results else (None if None in results else True)

    def value(self, node: a.Expr, as_date: bool = False) -> Value:
        if isinstance(node, a.Literal):
            if as_date and isinstance(node.value, str):
                return _date(node.value)
            return node.value
        if isinstance(node, a.FieldRef):
            return self.field(node.name)
        if isinstance(node, a.Arith):
            left = self.value(node.left)
            right = self.value(node.right)
            if left is None or right is None:
                return None
            assert isinstance(left, int | float)
            assert isinstance(right, int | float)
            return left + right if node.op == "+" else left - right
        args = [self.value(x, as_date=node.function.endswith("_between")) for x in node.args]
        if None in args:
            return None
        if node.function == "days_between":
            first, second = args
            assert isinstance(first, int)
            assert isinstance(second, int)
            return second - first
        if node.function == "years_between":
            first, second = args
            assert isinstance(first, int)
            assert isinstance(second, int)
            born, on = dt.date.fromordinal(first), dt.date.fromordinal(second)
            years = on.year - born.year
            if (on.month, on.day) < (born.month, born.day):
                years -= 1
            return years
        (only,) = args
        if node.function == "abs":
            assert isinstance(only, int | float)
            return -only if only < 0 else only
        if node.function == "lower":
            return str(only).lower()
        assert isinstance(only, str | list)
        return len(only)

    def truth(self, node: a.Condition) -> bool | None:
        if isinstance(node, a.Not):
            inner = self.truth(node.operand)
            return None if inner is None else not inner
        if isinstance(node, a.And):
            values = [self.truth(x) for x in node.operands]
            return False if False in values else (None if None in values else True)
        if isinstance(node, a.Or):
            values = [self.truth(x) for x in node.operands]
            return True if True in values else (None if None in values else False)
        if isinstance(node, a.AtLeast):
            values = [self.truth(x) for x in node.operands]
            if values.count(True) >= node.count:
                return True
            return False if values.count(True) + values.count(None) < node.count else None
        if isinstance(node, a.Quantifier):
            items = self.record.get("companion.on_flight")
            count = len(items) if isinstance(items, list) else 0
            values = [
                _Oracle(self.record, self.flight, list(self.aggregates.values()), j).truth(
                    node.body
                )
                for j in range(count)
            ]
            if node.kind == "any":
                return True if True in values else (None if None in values else False)
            return False if False in values else (None if None in values else True)
        if isinstance(node, a.Relation):
            dates = _is_date_expr(node.left) or _is_date_expr(node.right)
            return _compare(self.value(node.left, dates), node.op, self.value(node.right, dates))
        value = self.field(node.field.name)
        if isinstance(node, a.Presence):
            return (value is not None) == node.present
        if value is None:
            return None
        dated = node.field.name in _DATE_FIELDS
        if isinstance(node, a.Truthy):
            return value is True
        if isinstance(node, a.Compare):
            literal = node.value.value
            if dated and isinstance(literal, str):
                literal = _date(literal)
            return _compare(value, node.op, literal)
        if isinstance(node, a.InList):
            found = any(
                value == (_date(x.value) if dated and isinstance(x.value, str) else x.value)
                for x in node.values
            )
            return found != node.negated
        if isinstance(node, a.Contains):
            assert isinstance(value, list)
            return node.value.value in value
        text, pattern = str(value), str(node.pattern.value)
        if node.kind == "starts_with":
            return text[: len(pattern)] == pattern
        if node.kind == "ends_with":
            return len(pattern) <= len(text) and text[len(text) - len(pattern) :] == pattern
        return re.fullmatch(pattern, text) is not None


def _compare(left: Value, op: str, right: Value) -> bool | None:
    if left is None or right is None:
        return None
    if isinstance(left, bool) != isinstance(right, bool):
        raise TypeError(f"cannot compare {left!r} with {right!r}")
    if op == "==":
        return left == right
    if op == "!=":
        return left != right
    assert isinstance(left, int | float)
    assert isinstance(right, int | float)
    return {
        "<": left < right,
        "<=": left <= right,
        ">": left > right,
        ">=": left >= right,
    }[op]


def truth(
    condition: a.Condition,
    record: Record,
    flight: Sequence[Record] = (),
    aggregates: Sequence[OracleAggregate] = (),
) -> bool | None:
    """The three-valued value of a parsed condition on one record of a flight."""
    return _Oracle(record, flight or [record], aggregates).truth(condition)


def holds(
    condition: a.Condition,
    record: Record,
    flight: Sequence[Record] = (),
    aggregates: Sequence[OracleAggregate] = (),
) -> bool:
    """Whether a rule with ``condition`` fires: only when the condition is true."""
    return truth(condition, record, flight, aggregates) is True
