"""Reference evaluator of the rule language: the test oracle for the engine.

Plain Python over the same syntax tree the compiler reads, after `check`
(literals already carry their catalog types: dates are day ordinals, float
fields hold floats). It implements the language contract directly:

* a field is absent when it is missing from the record, is None, or is an
  empty list;
* a comparison, ``in [..]`` and ``contains`` on an absent field is false;
* ``not`` is plain boolean negation, so ``not (x > 5)`` and ``x not in [..]``
  hold when ``x`` is absent;
* ``x is present`` / ``x is missing`` test absence;
* a bare boolean field ``f`` means ``f == true``;
* ``and`` / ``or`` are boolean.

Values of the wrong kind (a list compared with ``<``, a number compared with
text) raise TypeError: the checker refuses such conditions, so meeting one
here means the test that called the oracle built something invalid.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from screening_service.rules.condition_ast import (
    And,
    Compare,
    Condition,
    Contains,
    InList,
    Not,
    Or,
    Presence,
    Scalar,
    Truthy,
)
from screening_service.values import FactValue

__all__ = ["holds", "is_absent"]

_ORDERING: Final = ("<", "<=", ">", ">=")


def is_absent(value: FactValue | None) -> bool:
    """Missing, None and the empty list all read as absent."""
    return value is None or (isinstance(value, list) and not value)


def _kind(value: object) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "text"
    raise TypeError(f"not a scalar: {value!r}")


def _equal(value: Scalar, literal: Scalar) -> bool:
    if _kind(value) != _kind(literal):
        raise TypeError(f"cannot compare {value!r} with {literal!r}")
    return value == literal


def _compare(value: FactValue, op: str, literal: Scalar) -> bool:
    if isinstance(value, list):
        raise TypeError(f"cannot use {op!r} on a list value {value!r}")
    if op == "==":
        return _equal(value, literal)
    if op == "!=":
        return not _equal(value, literal)
    if op not in _ORDERING:
        raise ValueError(f"unknown operator {op!r}")
    if (
        isinstance(value, bool)
        or isinstance(literal, bool)
        or not isinstance(value, int | float)
        or not isinstance(literal, int | float)
    ):
        raise TypeError(f"{op!r} needs numbers (dates are ordinals), not {value!r} and {literal!r}")
    if op == "<":
        return value < literal
    if op == "<=":
        return value <= literal
    if op == ">":
        return value > literal
    return value >= literal


def holds(condition: Condition, record: Mapping[str, FactValue | None]) -> bool:
    """Whether ``condition`` (a checked tree) holds for ``record``."""
    if isinstance(condition, And):
        return all(holds(operand, record) for operand in condition.operands)
    if isinstance(condition, Or):
        return any(holds(operand, record) for operand in condition.operands)
    if isinstance(condition, Not):
        return not holds(condition.operand, record)
    value = record.get(condition.field.name)
    if isinstance(condition, Presence):
        return is_absent(value) != condition.present
    if value is None or is_absent(value):
        # Every other leaf is false on an absent field (`x not in [..]` is
        # `not (x in [..])`, so it is true).
        return isinstance(condition, InList) and condition.negated
    if isinstance(condition, Truthy):
        return _compare(value, "==", True)
    if isinstance(condition, Contains):
        if not isinstance(value, list):
            raise TypeError(f"'contains' needs a list value, not {value!r}")
        return any(_equal(item, condition.value.value) for item in value)
    if isinstance(condition, InList):
        found = any(_compare(value, "==", literal.value) for literal in condition.values)
        return found != condition.negated
    if isinstance(condition, Compare):
        return _compare(value, condition.op, condition.value.value)
    raise TypeError(f"unknown condition node {condition!r}")  # pragma: no cover
