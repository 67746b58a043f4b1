"""Typed records -> engine facts.

A record maps catalog field names to values. Every value is checked against
its field's type on the way in (a cheap identity check on the fast path, a
full `values.coerce` otherwise), so the engine never sees a number as text.
Unknown values (None) are left out of the fact: the engine's comparisons
never match a missing property, which is what three-valued semantics needs.
A known-empty list is not unknown ("no observations" is a fact), but the
engine's ``$iall`` never matches an empty list, so it is sent as a list of
one reserved item, `EMPTY_LIST_ITEM`, that no rule may name.

Companion and identifier fields (`Field.in_facts` false) are read before the
engine (derived values, aggregates) and never sent. ``extra`` carries
generated properties (derived booleans, declared aggregates): booleans or
whole numbers only.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any, Final

from screening_service.catalog import CATALOG, FieldType
from screening_service.engine.spec import FACT_KIND
from screening_service.values import MAX_SAFE_INTEGER, FactValue, ValueTypeError, coerce

EMPTY_LIST_ITEM: Final = "<none>"

# Fast paths: values whose Python type already fits (and, for whole numbers,
# within the engine's exact range) skip the full coercion. Floats and lists
# always take it: floats must be finite with no exponent notation.
_FAST: Final = {
    name: {FieldType.INT: int, FieldType.DATE: int, FieldType.BOOL: bool}.get(
        f.type, str if f.type in (FieldType.STRING, FieldType.ENUM) else None
    )
    for name, f in CATALOG.items()
}
_SKIPPED: Final = frozenset(name for name, f in CATALOG.items() if not f.in_facts)


def _generated(name: str, value: object) -> bool | int:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
        return value
    raise ValueTypeError(f"generated property {name} must be a boolean or a whole number")


@lru_cache(maxsize=64)
def _plan(fields: frozenset[str]) -> tuple[tuple[str, object], ...]:
    """The fields worth sending, each with its fast-path type, in a stable order."""
    return tuple((name, _FAST.get(name, KeyError)) for name in sorted(fields - _SKIPPED))


def to_fact(
    record: Mapping[str, FactValue | None],
    fact_id: int,
    extra: Mapping[str, bool | int] | None = None,
    fields: frozenset[str] | None = None,
) -> dict[str, Any]:
    """The engine fact of one record; raises KeyError/ValueTypeError on a field or type error.

    Names outside the catalog are accepted only as generated ``flight.*``
    aggregate values (booleans or whole numbers); anything else is a KeyError.
    ``fields`` limits the fact to the fields a pack reads (None: all of the record's).
    """
    fact: dict[str, Any] = {"id": fact_id, "kind": FACT_KIND}
    plan = (
        ((name, _FAST.get(name, KeyError)) for name in record if name not in _SKIPPED)
        if fields is None
        else _plan(fields)
    )
    for name, fast in plan:
        value = record.get(name)
        if value is None:
            continue
        if fast is KeyError:
            if not name.startswith("flight."):
                raise KeyError(name)
            fact[name] = _generated(name, value)
        elif isinstance(value, list) and not value:
            fact[name] = [EMPTY_LIST_ITEM]
        elif type(value) is fast and (
            not isinstance(value, int) or -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER
        ):
            fact[name] = value
        else:
            fact[name] = coerce(CATALOG[name], value)
    if extra:
        for name, value in extra.items():
            fact[name] = _generated(name, value)
    return fact
