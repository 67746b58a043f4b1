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

from screening_service.catalog import CATALOG, Field, FieldType
from screening_service.engine.spec import FACT_KIND
from screening_service.values import (
    FLOAT_DECIMALS,
    MAX_FLOAT,
    MAX_SAFE_INTEGER,
    FactValue,
    ValueTypeError,
    coerce,
)

EMPTY_LIST_ITEM: Final = "<none>"

# Fast paths: values whose Python type already fits (whole numbers within the
# engine's exact range, floats finite, below `MAX_FLOAT` and with at most
# `FLOAT_DECIMALS` decimals: what `values.engine_float` accepts) are sent as
# they are; anything else (lists included) takes the full coercion, which
# fixes it or raises.
_FAST_TYPE: Final[dict[FieldType, type]] = {
    FieldType.INT: int,
    FieldType.DATE: int,
    FieldType.BOOL: bool,
    FieldType.STRING: str,
    FieldType.ENUM: str,
    FieldType.FLOAT: float,
}
_SKIPPED: Final = frozenset(name for name, f in CATALOG.items() if not f.in_facts)

# One field's plan: its name, the type sent without coercion (None: none is),
# and its catalog entry (None: a generated ``flight.*`` value or an error).
Step = tuple[str, type | None, Field | None]
_STEPS: Final[dict[str, Step]] = {
    name: (name, _FAST_TYPE.get(f.type), f) for name, f in CATALOG.items()
}


# round() to 4 decimals costs about half a microsecond; most float fields repeat
# a few hundred values (hours, circuity), so the answer is remembered per value.
_FOUR_DECIMALS: dict[float, bool] = {}
_MAX_REMEMBERED: Final = 65_536


def _has_four_decimals(value: float) -> bool:
    """``values.engine_float``'s decimals test, remembered (finite values only)."""
    found = _FOUR_DECIMALS.get(value)
    if found is None:
        if len(_FOUR_DECIMALS) >= _MAX_REMEMBERED:
            _FOUR_DECIMALS.clear()
        found = _FOUR_DECIMALS[value] = round(value, FLOAT_DECIMALS) == value
    return found


def _generated(name: str, value: object) -> bool | int:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
        return value
    raise ValueTypeError(f"generated property {name} must be a boolean or a whole number")


def _step(name: str) -> Step:
    return _STEPS.get(name) or (name, None, None)


@lru_cache(maxsize=64)
def _plan(fields: frozenset[str]) -> tuple[Step, ...]:
    """The fields worth sending, each with its fast-path type, in a stable order."""
    return tuple(_step(name) for name in sorted(fields - _SKIPPED))


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
        (_step(name) for name in record if name not in _SKIPPED)
        if fields is None
        else _plan(fields)
    )
    get = record.get
    for name, fast, field in plan:
        value: Any = get(name)  # its type is checked right below
        if value is None:
            continue
        kind = type(value)
        if kind is fast:
            if kind is int:
                if -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
                    fact[name] = value
                    continue
            elif kind is float:
                if -MAX_FLOAT < value < MAX_FLOAT and _has_four_decimals(value):
                    fact[name] = value + 0.0
                    continue
            else:
                fact[name] = value
                continue
        if field is None:
            if not name.startswith("flight."):
                raise KeyError(name)
            fact[name] = _generated(name, value)
        elif isinstance(value, list) and not value:
            fact[name] = [EMPTY_LIST_ITEM]
        else:
            fact[name] = coerce(field, value)
    if extra:
        for name, value in extra.items():
            fact[name] = value if type(value) is bool else _generated(name, value)
    return fact
