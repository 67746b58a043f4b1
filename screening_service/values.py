"""Typed values of catalog fields: the one place values are coerced.

Facts reach durable-rules only through these functions, so a number never
arrives as text (the engine would compare it as text), a boolean never
arrives as 0/1, and dates arrive as day ordinals that order correctly.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Final, TypeAlias

from screening_service.catalog import Field, FieldType

FactValue: TypeAlias = int | float | str | bool | list[str]
# One traveler's catalog values (derived fields included); None: unknown.
Record: TypeAlias = dict[str, FactValue | None]


class ValueTypeError(ValueError):
    """A value does not fit its field's type; the message names the expectation."""


def parse_iso_date(text: str) -> dt.date:
    if len(text) != 10 or text[4] != "-" or text[7] != "-":
        raise ValueError(f"'{text}' is not a date in YYYY-MM-DD form")
    return dt.date.fromisoformat(text)


def date_to_ordinal(value: dt.date) -> int:
    return value.toordinal()


def ordinal_to_date(value: int) -> dt.date:
    return dt.date.fromordinal(value)


MAX_SAFE_INTEGER: Final = 2**53
MAX_FLOAT: Final = 1e15
FLOAT_DECIMALS: Final = 4


def engine_float(value: float) -> float:
    """A float the engine reads exactly as Python means it.

    The engine's JSON reader fails on exponent notation (which Python writes
    below 1e-4 and from 1e16) and cannot order NaN, so values must be finite,
    below 1e15 and carry at most four decimals.
    """
    if not math.isfinite(value) or abs(value) >= MAX_FLOAT:
        raise ValueTypeError(f"expects a finite number below {MAX_FLOAT:.0f}")
    if round(value, FLOAT_DECIMALS) != value:
        raise ValueTypeError(f"expects a number with at most {FLOAT_DECIMALS} decimals")
    return value + 0.0


def _scalar(
    field: Field, kind: FieldType, value: object, values: tuple[str, ...]
) -> int | float | str | bool:
    if kind is FieldType.BOOL:
        if isinstance(value, bool):
            return value
        raise ValueTypeError("expects true or false")
    if kind is FieldType.INT:
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, int) and not isinstance(value, bool):
            if abs(value) > MAX_SAFE_INTEGER:
                raise ValueTypeError(f"expects a whole number within +-{MAX_SAFE_INTEGER}")
            return value
        raise ValueTypeError("expects a whole number")
    if kind is FieldType.FLOAT:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return engine_float(float(value))
        raise ValueTypeError("expects a number")
    if kind is FieldType.DATE:
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            return date_to_ordinal(value)
        if isinstance(value, str):
            try:
                return date_to_ordinal(parse_iso_date(value))
            except ValueError:
                pass
        raise ValueTypeError("expects a date written YYYY-MM-DD")
    if not isinstance(value, str):
        raise ValueTypeError("expects a quoted string")
    if kind is FieldType.ENUM and value not in values:
        raise ValueTypeError(f"expects one of {', '.join(values)}")
    return value


def coerce(field: Field, value: object) -> FactValue:
    """Coerce a value to ``field``'s type or raise ValueTypeError."""
    if field.type is FieldType.LIST:
        if not isinstance(value, list | tuple):
            raise ValueTypeError("expects a list")
        item_type = field.item_type or FieldType.STRING
        return [str(_scalar(field, item_type, item, field.values)) for item in value]
    return _scalar(field, field.type, value, field.values)


def coerce_item(field: Field, value: object) -> int | float | str | bool:
    """Coerce one literal compared with ``field`` (an item, for list fields)."""
    if field.type is FieldType.LIST:
        return _scalar(field, field.item_type or FieldType.STRING, value, field.values)
    return _scalar(field, field.type, value, field.values)


def render(field: Field, value: FactValue) -> str:
    """A fact value as an officer reads it in evidence."""
    if field.type is FieldType.DATE and isinstance(value, int):
        return ordinal_to_date(value).isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".")
    if isinstance(value, list):
        return ", ".join(value)
    return str(value)
