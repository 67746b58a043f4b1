"""Compiled closures return exactly what the reference evaluator returns (or raise alike).

Property tests: random condition trees over catalog fields (every node kind,
every operator and function, companion fields in and out of quantifiers,
and shapes the checker would refuse), every condition and aggregate of the
bundled pack, the tour pack and the differential corpus, and random records
in which each field is missing, None, a value of its own type from a small
domain (so equalities hit) or a value of the wrong type (a huge integer, NaN,
a list where text belongs...). Companion lists have lengths of their own.
An outcome is the value with its type, or the type of the exception raised.
"""

from __future__ import annotations

import pickle
from collections.abc import Callable
from pathlib import Path
from typing import Any, Final

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from screening_service.catalog import CATALOG, FieldType
from screening_service.rules import condition_ast as ast
from screening_service.rules.build import compile_directory
from screening_service.rules.closures import compile_truth
from screening_service.rules.condition_parser import parse_condition
from screening_service.rules.derive import Derivations, Evaluator
from tests.rules.test_differential import CORPUS

ROOT: Final = Path(__file__).resolve().parents[2]
WHERE: Final = ast.Pos(1, 1)
HUGE: Final = 10**400  # no float is this big
LONG: Final = 10**5000  # str() refuses it (more than 4,300 digits)

FIELDS: Final = {
    FieldType.INT: ("traveler.age_years", "booking.checked_bags", "booking.party_size"),
    FieldType.FLOAT: ("booking.hours_before_departure", "itinerary.total_hours"),
    FieldType.DATE: ("document.issue_date", "travel.departure_date", "booking.booking_date"),
    FieldType.BOOL: ("traveler.is_minor", "lookout.hit", "booking.purchaser_on_flight"),
    FieldType.ENUM: ("booking.payment_form",),
    FieldType.STRING: ("traveler.visa_category",),
    FieldType.LIST: ("observations.codes", "lookout.kinds"),
}
COMPANION_FIELDS: Final = tuple(n for n, f in CATALOG.items() if f.scope == "companion")
PLAIN_FIELDS: Final = tuple(n for names in FIELDS.values() for n in names)
ALL_FIELDS: Final = (*PLAIN_FIELDS, *COMPANION_FIELDS, "flight.gen_count")

scalars = st.one_of(
    st.sampled_from([0, 1, 2, 18, 40, -1, 738000, 738400, True, False]),
    st.sampled_from([0.0, 0.5, 72.0, -1.5, float("inf"), float("nan")]),
    st.sampled_from(["", "cash", "card", "H-2A", "J-1", "j-1", "other", "x", "true", "9"]),
    st.integers(),
    st.just(HUGE),
    st.builds(pow, st.just(10), st.just(5000)),  # LONG, built: hypothesis cannot show it
)
short_text = st.sampled_from(["", "cash", "H-2A", "J-1", "other", "none", "parent", "9", "x"])
wrong = st.one_of(
    scalars,
    st.lists(short_text, max_size=3),
    st.lists(st.one_of(short_text, st.integers(-3, 3)), max_size=3),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=4),
)


def _own(name: str) -> st.SearchStrategy[Any]:
    field = CATALOG.get(name)
    kind = field.type if field is not None else FieldType.INT
    if kind is FieldType.INT:
        return st.sampled_from([0, 1, 2, 5, 18, 40])
    if kind is FieldType.FLOAT:
        return st.sampled_from([0.0, 0.5, 12.0, 71.5, 72.0, 100.25])
    if kind is FieldType.DATE:
        return st.sampled_from([730000, 738000, 738155, 738400, 739000])
    if kind is FieldType.BOOL:
        return st.booleans()
    if kind is FieldType.LIST:
        return st.lists(short_text, max_size=3)
    return short_text


companion_items = st.one_of(
    st.sampled_from(["", "true", "false", "none", "parent", "9", "30", "x"]),
    st.integers(-2, 40),
)


@st.composite
def records(draw: st.DrawFn, names: tuple[str, ...] = ALL_FIELDS) -> dict[str, Any]:
    record: dict[str, Any] = {}
    for name in names:
        roll = draw(st.integers(0, 9))
        if roll == 0:
            continue
        if name.startswith("companion."):
            if roll == 1:
                record[name] = draw(wrong)
            elif roll == 2:
                record[name] = None
            elif roll == 3:
                record[name] = draw(st.lists(companion_items, max_size=4))
            else:
                record[name] = draw(
                    st.lists(st.sampled_from(["", "true", "false", "none", "9", "30"]), max_size=3)
                )
            continue
        if roll == 1:
            record[name] = None
        elif roll == 2:
            record[name] = draw(wrong)
        else:
            record[name] = draw(_own(name))
    return record


def _field(companions: bool) -> st.SearchStrategy[ast.FieldRef]:
    pool = ALL_FIELDS if companions else (*PLAIN_FIELDS, "flight.gen_count")
    return st.sampled_from(pool).map(lambda n: ast.FieldRef(n, WHERE))


literals = scalars.map(lambda v: ast.Literal(v, WHERE))
patterns = st.sampled_from(["H-2[AB]", "[A-Z]-1", ".*1", "h.*", "(", "x", ""]).map(
    lambda v: ast.Literal(v, WHERE)
)
operators = st.sampled_from(ast.COMPARISON_OPERATORS)


def _expressions(companions: bool) -> st.SearchStrategy[ast.Expr]:
    base: st.SearchStrategy[ast.Expr] = st.one_of(_field(companions), literals)

    def extend(inner: st.SearchStrategy[ast.Expr]) -> st.SearchStrategy[ast.Expr]:
        return st.one_of(
            st.builds(ast.Arith, st.sampled_from(["+", "-"]), inner, inner, st.just(WHERE)),
            st.builds(
                ast.Call,
                st.sampled_from(["days_between", "years_between"]),
                st.tuples(inner, inner),
                st.just(WHERE),
            ),
            st.builds(
                ast.Call,
                st.sampled_from(["abs", "lower", "length"]),
                st.tuples(inner),
                st.just(WHERE),
            ),
            st.builds(  # arities the checker refuses: the evaluator's own answer is the spec
                ast.Call,
                st.sampled_from(ast.FUNCTIONS),
                st.lists(inner, max_size=3).map(tuple),
                st.just(WHERE),
            ),
        )

    return st.recursive(base, extend, max_leaves=4)


def _leaves(companions: bool) -> st.SearchStrategy[ast.Condition]:
    field = _field(companions)
    expression = _expressions(companions)
    return st.one_of(
        st.builds(ast.Compare, field, operators, literals, st.just(WHERE)),
        st.builds(ast.Relation, expression, operators, expression, st.just(WHERE)),
        st.builds(
            ast.InList,
            field,
            st.lists(literals, min_size=1, max_size=3).map(tuple),
            st.booleans(),
            st.just(WHERE),
        ),
        st.builds(ast.Contains, field, literals, st.just(WHERE)),
        st.builds(ast.Presence, field, st.booleans(), st.just(WHERE)),
        st.builds(ast.Truthy, field, st.just(WHERE)),
        st.builds(
            ast.TextTest,
            field,
            st.sampled_from(ast.TEXT_TESTS),
            patterns,
            st.just(WHERE),
        ),
    )


def _connect(inner: st.SearchStrategy[ast.Condition]) -> st.SearchStrategy[ast.Condition]:
    operands = st.lists(inner, min_size=1, max_size=3).map(tuple)
    return st.one_of(
        st.builds(ast.Not, inner, st.just(WHERE)),
        st.builds(ast.And, operands, st.just(WHERE)),
        st.builds(ast.Or, operands, st.just(WHERE)),
        st.builds(ast.AtLeast, st.integers(0, 3), operands, st.just(WHERE)),
    )


def _conditions() -> st.SearchStrategy[ast.Condition]:
    outside = st.recursive(_leaves(False), _connect, max_leaves=6)
    body = st.recursive(_leaves(True), _connect, max_leaves=4)
    quantified = st.builds(ast.Quantifier, st.sampled_from(["any", "all"]), body, st.just(WHERE))
    top = st.one_of(outside, quantified, _leaves(True))
    return st.recursive(top, _connect, max_leaves=8)


Outcome = tuple[str, object]


def outcome(run: Callable[[], object]) -> Outcome:
    try:
        result = run()
    except Exception as error:  # the exception's type is the outcome compared
        return ("raises", type(error).__name__)
    return (type(result).__name__, result)


def assert_same(condition: ast.Condition, record: dict[str, Any], companion: int = -1) -> None:
    expected = outcome(lambda: Evaluator(record, companion).truth(condition))
    got = outcome(lambda: compile_truth(condition)(record, companion))
    assert got == expected, ast.render(condition)


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(condition=_conditions(), record=records())
def test_random_trees_agree_with_the_evaluator(
    condition: ast.Condition, record: dict[str, Any]
) -> None:
    assert_same(condition, record)


def _pack_conditions() -> list[ast.Condition]:
    found: list[ast.Condition] = [parse_condition(text) for text in CORPUS]
    for directory in (ROOT / "rules", ROOT / "tests" / "rules" / "tour"):
        compiled = compile_directory(directory)
        found += [rule.rule.condition for rule in compiled.rules]
        found += [d.node for d in compiled.derivations.items]
        found += [a.condition for a in compiled.pack.info.aggregates]
    return found


PACK_CONDITIONS: Final = _pack_conditions()


@pytest.mark.parametrize("condition", PACK_CONDITIONS, ids=ast.render)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_every_pack_condition_agrees_with_the_evaluator(
    condition: ast.Condition, data: st.DataObject
) -> None:
    names = tuple(dict.fromkeys((*ast.fields_read(condition), *COMPANION_FIELDS)))
    record = data.draw(records(names))
    assert_same(condition, record)


# -- hand-written cases: the three-valued semantics and the evaluator's failures -------------


def _truth(text: str, record: dict[str, Any]) -> bool | None:
    return compile_truth(parse_condition(text))(record, -1)


def test_kleene_connectives() -> None:
    unknown: dict[str, Any] = {}
    assert _truth("traveler.is_minor and booking.checked_bags == 0", unknown) is None
    assert (
        _truth("traveler.is_minor and booking.checked_bags == 0", {"traveler.is_minor": False})
        is False
    )
    assert (
        _truth("traveler.is_minor or booking.checked_bags == 0", {"traveler.is_minor": True})
        is True
    )
    assert _truth("not (traveler.is_minor)", unknown) is None
    assert (
        _truth(
            "at least 2 of (traveler.is_minor, lookout.hit, booking.checked_bags == 0)",
            {"traveler.is_minor": True},
        )
        is None
    )
    assert (
        _truth(
            "at least 2 of (traveler.is_minor, lookout.hit, booking.checked_bags == 0)",
            {"traveler.is_minor": True, "lookout.hit": False, "booking.checked_bags": 3},
        )
        is False
    )


def test_quantifiers_over_companions() -> None:
    record: dict[str, Any] = {
        "companion.on_flight": ["true", "true"],
        "companion.relationship": ["none", ""],
    }
    assert _truth('any companion (companion.relationship == "none")', record) is True
    assert _truth('all companions (companion.relationship == "none")', record) is None
    assert _truth('all companions (companion.relationship == "none")', {}) is True
    assert _truth('any companion (companion.relationship == "none")', {}) is False


def test_a_wrongly_typed_operand_raises_even_after_a_false_one() -> None:
    """The evaluator evaluates every operand; a short-circuit would have answered False."""
    condition = parse_condition("traveler.is_minor and traveler.age_years > 3")
    record: dict[str, Any] = {"traveler.is_minor": False, "traveler.age_years": "three"}
    with pytest.raises(AssertionError):
        Evaluator(record).truth(condition)
    with pytest.raises(AssertionError):
        compile_truth(condition)(record, -1)


def test_derivations_pickle_without_their_closures() -> None:
    compiled = compile_directory(ROOT / "rules")
    derivations = compiled.derivations
    record: dict[str, Any] = {
        "companion.on_flight": ["true"],
        "companion.relationship": ["none"],
        "traveler.visa_category": "A-3",
    }
    before = derivations.extras(record)
    copy = pickle.loads(pickle.dumps(derivations))
    assert isinstance(copy, Derivations)
    assert copy.extras(record) == before
    assert sum(before.values()) == 3  # any companion, all companions, the visa pattern


@pytest.mark.parametrize(
    ("text", "record", "error"),
    [
        (
            "traveler.is_minor and traveler.age_years + booking.hours_before_departure > 3",
            {"traveler.age_years": HUGE, "booking.hours_before_departure": 0.5},
            OverflowError,
        ),
        (
            'traveler.is_minor and traveler.visa_category starts with "H"',
            {"traveler.visa_category": LONG},
            ValueError,
        ),
        (
            'traveler.is_minor or lower(traveler.visa_category) == "h"',
            {"traveler.visa_category": LONG},
            ValueError,
        ),
        (
            'traveler.is_minor and lookout.kinds contains "other"',
            {"lookout.kinds": "other"},
            AssertionError,
        ),
    ],
)
def test_no_short_circuit_hides_what_the_evaluator_raises(
    text: str, record: dict[str, Any], error: type[Exception]
) -> None:
    condition = parse_condition(text)
    decided: dict[str, Any] = {
        **record,
        "traveler.is_minor": " or " in text,
    }  # the operand that decides
    with pytest.raises(error):
        Evaluator(decided).truth(condition)
    with pytest.raises(error):
        compile_truth(condition)(decided, -1)
