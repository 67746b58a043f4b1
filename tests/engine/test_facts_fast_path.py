"""`to_fact`'s fast paths send exactly what the plain per-field rules send (or raise alike).

The plain rules, written out here as the reference: an unknown value is
left out; a known-empty list becomes `EMPTY_LIST_ITEM`; a whole number
(integer or date field) within the engine's exact range, a boolean, or text
(string or enum field) of the field's own Python type is sent as it is;
anything else, floats included, goes through `values.coerce`; a name outside
the catalog is a generated ``flight.*`` value or a KeyError. Facts are
compared by their text (``repr``), so key order, -0.0 against 0.0 and 1
against 1.0 or True all count.
"""

from __future__ import annotations

from typing import Any, Final

from hypothesis import given, settings
from hypothesis import strategies as st

from screening_service.catalog import CATALOG, FieldType
from screening_service.engine.facts import EMPTY_LIST_ITEM, to_fact
from screening_service.engine.spec import FACT_KIND
from screening_service.values import MAX_SAFE_INTEGER, ValueTypeError, coerce

NAMES: Final = (
    *sorted(n for n, f in CATALOG.items() if f.in_facts),
    "flight.gen_count",
    "unknown.field",
)
SENT_AS_IS: Final = {
    FieldType.INT: int,
    FieldType.DATE: int,
    FieldType.BOOL: bool,
    FieldType.STRING: str,
    FieldType.ENUM: str,
}

values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 3),
    st.sampled_from([MAX_SAFE_INTEGER, MAX_SAFE_INTEGER + 1, -MAX_SAFE_INTEGER - 1, 738000]),
    st.integers(),
    st.floats(),
    st.sampled_from([0.0, -0.0, 0.5, 12.25, 1.00001, 1e15, -1e15, 999999999999999.9, 3.0]),
    st.sampled_from(["", "cash", "card", "2026-01-02", "x", "H-2A"]),
    st.lists(st.sampled_from(["other", "fraud", "x", ""]), max_size=3),
    st.lists(st.one_of(st.integers(-2, 2), st.booleans()), max_size=2),
)


def _reference(record: dict[str, Any], fact_id: int, fields: frozenset[str]) -> object:
    fact: dict[str, Any] = {"id": fact_id, "kind": FACT_KIND}
    for name in sorted(fields):
        value = record.get(name)
        field = CATALOG.get(name)
        if value is None or (field is not None and not field.in_facts):
            continue
        if field is None:
            if not name.startswith("flight."):
                raise KeyError(name)
            if isinstance(value, bool) or (
                isinstance(value, int) and abs(value) <= MAX_SAFE_INTEGER
            ):
                fact[name] = value
                continue
            raise ValueTypeError(name)
        if isinstance(value, list) and not value:
            fact[name] = [EMPTY_LIST_ITEM]
        elif type(value) is SENT_AS_IS.get(field.type) and (
            type(value) is not int or abs(value) <= MAX_SAFE_INTEGER
        ):
            fact[name] = value
        else:
            fact[name] = coerce(field, value)
    return fact


def _outcome(work: Any) -> str:
    try:
        return repr(work())
    except (KeyError, ValueTypeError) as error:
        return type(error).__name__


@settings(max_examples=3000, deadline=None)
@given(
    record=st.dictionaries(st.sampled_from(NAMES), values, max_size=6),
    wanted=st.sets(st.sampled_from(NAMES), max_size=8),
)
def test_fast_paths_send_what_the_plain_rules_send(
    record: dict[str, Any], wanted: set[str]
) -> None:
    fields = frozenset(wanted | set(record))
    expected = _outcome(lambda: _reference(record, 7, fields))
    assert _outcome(lambda: to_fact(record, 7, None, fields)) == expected


def test_a_float_is_sent_as_engine_float_returns_it() -> None:
    fields = frozenset({"booking.hours_before_departure"})
    assert to_fact({"booking.hours_before_departure": -0.0}, 1, None, fields) == {
        "id": 1,
        "kind": FACT_KIND,
        "booking.hours_before_departure": 0.0,
    }
    assert "-" not in repr(to_fact({"booking.hours_before_departure": -0.0}, 1, None, fields))
    for refused in (1.00001, float("nan"), float("inf"), 1e15):
        assert (
            _outcome(
                lambda v=refused: to_fact({"booking.hours_before_departure": v}, 1, None, fields)
            )
            == "ValueTypeError"
        )
