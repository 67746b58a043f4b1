"""Typed records -> engine facts.

A record maps catalog field names to values. Every value is checked against
its field's type on the way in (a cheap identity check on the fast path, a
full `values.coerce` otherwise), so the engine never sees a number as text.
Absent values are left out of the fact, and empty lists too: the engine's
``$iall`` never matches an empty list, so "no items" must read as absent.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from screening_service.catalog import CATALOG, FieldType
from screening_service.engine.spec import FACT_KIND
from screening_service.values import MAX_SAFE_INTEGER, FactValue, coerce

# Fast paths: values whose Python type already fits (and, for whole numbers,
# within the engine's exact range) skip the full coercion. Floats and lists
# always take it: floats must be finite with no exponent notation.
_FAST: Final = {
    name: {FieldType.INT: int, FieldType.DATE: int, FieldType.BOOL: bool}.get(
        f.type, str if f.type in (FieldType.STRING, FieldType.ENUM) else None
    )
    for name, f in CATALOG.items()
}


def to_fact(record: Mapping[str, FactValue | None], fact_id: int) -> dict[str, Any]:
    """The engine fact of one record; raises KeyError/ValueTypeError on a field or type error."""
    fact: dict[str, Any] = {"id": fact_id, "kind": FACT_KIND}
    for name, value in record.items():
        if value is None or (isinstance(value, list) and not value):
            continue
        fast = _FAST[name]
        if type(value) is fast and (
            not isinstance(value, int) or -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER
        ):
            fact[name] = value
        else:
            fact[name] = coerce(CATALOG[name], value)
    return fact
