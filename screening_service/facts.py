"""Typed records -> engine facts.

A record maps catalog field names to values. Every value is checked against
its field's type on the way in (a cheap identity check on the fast path, a
full `values.coerce` otherwise), so the engine never sees a number as text.
Absent values are left out of the fact, and empty lists too: the engine's
``$iall`` never matches an empty list, so "no items" must read as absent.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final, TypeAlias

from screening_service.catalog import CATALOG, FieldType
from screening_service.rules.compile import FACT_KIND
from screening_service.values import FactValue, coerce

Record: TypeAlias = Mapping[str, FactValue | None]

_PYTHON_TYPE: Final = {
    FieldType.INT: int,
    FieldType.FLOAT: float,
    FieldType.BOOL: bool,
    FieldType.STRING: str,
    FieldType.ENUM: str,
    FieldType.DATE: int,
    FieldType.LIST: list,
}
_EXPECTED: Final = {name: _PYTHON_TYPE[f.type] for name, f in CATALOG.items()}
_EXACT: Final = frozenset(
    n
    for n, f in CATALOG.items()
    if f.type in (FieldType.INT, FieldType.FLOAT, FieldType.BOOL, FieldType.STRING, FieldType.DATE)
)


def to_fact(record: Record, fact_id: int) -> dict[str, Any]:
    """The engine fact of one record; raises KeyError/ValueError on a field or type error."""
    fact: dict[str, Any] = {"id": fact_id, "kind": FACT_KIND}
    for name, value in record.items():
        if value is None or (isinstance(value, list) and not value):
            continue
        exact = type(value) is _EXPECTED[name] and name in _EXACT
        fact[name] = value if exact else coerce(CATALOG[name], value)
    return fact
