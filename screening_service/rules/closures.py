"""Checked condition trees -> nested Python closures, compiled once per pack.

`rules.kleene.Evaluator` walks a tree for every record: an isinstance chain
per node, a list per ``and``. Derived values and aggregates run for every
traveler of every flight, so each tree is compiled once into closures that
take ``(record, companion)`` and return what the evaluator returns: True,
False or None (unknown), by Kleene's strong three-valued logic.

"What the evaluator returns" includes its failures. The evaluator evaluates
every operand of ``and`` / ``or`` / ``at least`` / a quantifier, so on a
wrongly typed value it raises where a short-circuit would have answered.
Each compiled node therefore knows whether it is *total* (cannot raise on
any record: no ordering, arithmetic, function, ``contains`` or text test
inside) and an operator stops early only when all its operands are total;
the type checks are the evaluator's own ``assert`` statements, so both
behave alike under ``python -O`` too.
A shape the evaluator handles by accident (a call with the wrong number of
arguments, an unknown node) is delegated to the evaluator itself.

No rule text is ever evaluated as code: the closures are this module's own
functions, chosen by walking the tree.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Final, TypeAlias

from screening_service.catalog import CATALOG, FieldType
from screening_service.rules import condition_ast as ast
from screening_service.rules.kleene import (
    Evaluator,
    Truth,
    Value,
    cached_pattern,
    companion_value,
    is_number,
    whole_years,
)
from screening_service.values import FactValue

Row: TypeAlias = Mapping[str, FactValue | None]
Getter: TypeAlias = Callable[[Row, int], Value]
Test: TypeAlias = Callable[[Row, int], Truth]

COMPANIONS: Final = "companion.on_flight"
_ORDERING: Final[dict[str, Callable[[float, float], bool]]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


@dataclass(frozen=True)
class _Value:
    get: Getter
    total: bool
    constant: bool = False
    name: str = ""  # a plain record field: the comparisons read it themselves, one call less


@dataclass(frozen=True)
class _Test:
    run: Test
    total: bool


def compile_truth(node: ast.Condition) -> Test:
    """``test(record, companion)`` == ``Evaluator(record, companion).truth(node)``, raises alike.

    Pass companion -1 outside a quantifier, as the evaluator's default does.
    """
    return _truth(node, False).run


# -- values ---------------------------------------------------------------------


def _delegated_value(node: ast.Expr) -> _Value:
    def get(record: Row, companion: int) -> Value:
        return Evaluator(record, companion).value(node)

    return _Value(get, False)


def _field(name: str, in_quantifier: bool) -> _Value:
    if not name.startswith("companion."):

        def plain(record: Row, companion: int) -> Value:
            return record.get(name)

        return _Value(plain, True, name=name)
    field = CATALOG.get(name)
    # int() of a companion's text can fail; outside a quantifier the index is -1,
    # which reads past an empty list.
    total = in_quantifier and field is not None and field.type is not FieldType.INT
    if field is None or field.type is FieldType.INT:

        def of_companion(record: Row, companion: int) -> Value:
            return companion_value(record, name, companion)

        return _Value(of_companion, total)
    as_bool = field.type is FieldType.BOOL

    def companion_text(record: Row, companion: int) -> Value:  # `companion_value`, inlined
        items = record.get(name)
        if not isinstance(items, list) or companion >= len(items) or items[companion] == "":
            return None
        text = items[companion]
        return text == "true" if as_bool else text

    return _Value(companion_text, total)


def _arith(node: ast.Arith, in_quantifier: bool) -> _Value:
    left, right = _value(node.left, in_quantifier), _value(node.right, in_quantifier)
    get_left, get_right = left.get, right.get
    plus = node.op == "+"

    def get(record: Row, companion: int) -> Value:
        a, b = get_left(record, companion), get_right(record, companion)
        if not is_number(a) or not is_number(b):
            return None
        assert isinstance(a, int | float)
        assert isinstance(b, int | float)
        return a + b if plus else a - b

    return _Value(get, False)  # a huge int plus a float overflows


def _call(node: ast.Call, in_quantifier: bool) -> _Value:
    function = node.function
    if len(node.args) != (2 if function in ("days_between", "years_between") else 1):
        return _delegated_value(node)
    args = tuple(_value(arg, in_quantifier) for arg in node.args)
    if len(args) == 2:
        get_a, get_b = args[0].get, args[1].get
        years = function == "years_between"

        def between(record: Row, companion: int) -> Value:
            a, b = get_a(record, companion), get_b(record, companion)
            if a is None or b is None:
                return None
            assert isinstance(a, int)
            assert isinstance(b, int)
            return whole_years(a, b) if years else b - a

        return _Value(between, False)
    get_arg = args[0].get
    if function == "abs":

        def absolute(record: Row, companion: int) -> Value:
            arg = get_arg(record, companion)
            if arg is None:
                return None
            assert isinstance(arg, int | float)
            return abs(arg)

        return _Value(absolute, False)
    if function == "lower":

        def lowered(record: Row, companion: int) -> Value:
            arg = get_arg(record, companion)
            return None if arg is None else str(arg).lower()

        return _Value(lowered, False)  # str() of a huge int raises

    def length(record: Row, companion: int) -> Value:
        arg = get_arg(record, companion)
        if arg is None:
            return None
        assert isinstance(arg, str | list)
        return len(arg)

    return _Value(length, False)


def _value(node: ast.Expr, in_quantifier: bool) -> _Value:
    if isinstance(node, ast.Literal):
        constant = node.value

        def literal(record: Row, companion: int) -> Value:
            return constant

        return _Value(literal, True, constant=True)
    if isinstance(node, ast.FieldRef):
        return _field(node.name, in_quantifier)
    if isinstance(node, ast.Arith):
        return _arith(node, in_quantifier)
    if isinstance(node, ast.Call):
        return _call(node, in_quantifier)
    return _delegated_value(node)


# -- comparisons -------------------------------------------------------------------


def _equality(left: _Value, equal: bool, right: _Value, constant: Value) -> _Test:
    get_left, get_right = left.get, right.get
    total = left.total and right.total
    if right.constant and constant is not None and left.name:
        return _Test(_field_equality(left.name, equal, constant), total)
    if right.constant and constant is not None:
        if equal:

            def equals_constant(record: Row, companion: int) -> Truth:
                a = get_left(record, companion)
                return None if a is None else a == constant

            return _Test(equals_constant, total)

        def differs_from_constant(record: Row, companion: int) -> Truth:
            a = get_left(record, companion)
            return None if a is None else a != constant

        return _Test(differs_from_constant, total)

    def compared(record: Row, companion: int) -> Truth:
        a, b = get_left(record, companion), get_right(record, companion)
        if a is None or b is None:
            return None
        return a == b if equal else a != b

    return _Test(compared, total)


def _field_equality(name: str, equal: bool, constant: Value) -> Test:
    if equal:

        def field_equals(record: Row, companion: int) -> Truth:
            a = record.get(name)
            return None if a is None else a == constant

        return field_equals

    def field_differs(record: Row, companion: int) -> Truth:
        a = record.get(name)
        return None if a is None else a != constant

    return field_differs


def _ordering(left: _Value, op: str, right: _Value, constant: Value) -> _Test:
    get_left, get_right = left.get, right.get
    compare = _ORDERING.get(op, _ORDERING[">="])  # the evaluator reads any other one as >=
    if right.constant and isinstance(constant, int | float) and not isinstance(constant, bool):
        number = constant
        if left.name:
            return _Test(_field_against_number(left.name, compare, number), False)

        def against_number(record: Row, companion: int) -> Truth:
            a = get_left(record, companion)
            if a is None:
                return None
            assert isinstance(a, int | float)
            return bool(compare(a, number))

        return _Test(against_number, False)

    def ordered(record: Row, companion: int) -> Truth:
        a, b = get_left(record, companion), get_right(record, companion)
        if a is None or b is None:
            return None
        assert isinstance(a, int | float)
        assert isinstance(b, int | float)
        return bool(compare(a, b))

    return _Test(ordered, False)


def _field_against_number(
    name: str, compare: Callable[[float, float], bool], number: float
) -> Test:
    def field_against_number(record: Row, companion: int) -> Truth:
        a = record.get(name)
        if a is None:
            return None
        assert isinstance(a, int | float)
        return bool(compare(a, number))

    return field_against_number


def _relation(left: _Value, op: str, right: _Value, constant: Value) -> _Test:
    if op in ("==", "!="):
        return _equality(left, op == "==", right, constant)
    return _ordering(left, op, right, constant)


# -- leaves on one field ---------------------------------------------------------


def _leaf(node: ast.Condition, in_quantifier: bool) -> _Test:
    """Presence, Truthy, InList, Contains and text tests (the evaluator's field branch)."""
    assert isinstance(node, ast.Presence | ast.Truthy | ast.InList | ast.Contains | ast.TextTest)
    field = _value(node.field, in_quantifier)
    get, total = field.get, field.total
    if isinstance(node, ast.Presence):
        present = node.present

        def presence(record: Row, companion: int) -> Truth:
            return (get(record, companion) is not None) == present

        return _Test(presence, total)
    if isinstance(node, ast.Truthy):

        def truthy(record: Row, companion: int) -> Truth:
            value = get(record, companion)
            return None if value is None else value is True

        return _Test(truthy, total)
    if isinstance(node, ast.InList):
        return _in_list(node, get, total)
    if isinstance(node, ast.Contains):
        item = node.value.value

        def contains(record: Row, companion: int) -> Truth:
            value = get(record, companion)
            if value is None:
                return None
            assert isinstance(value, list)
            return item in value

        return _Test(contains, False)
    return _text_test(node, get)


def _in_list(node: ast.InList, get: Getter, total: bool) -> _Test:
    values = tuple(v.value for v in node.values)
    negated = node.negated
    # ``x in values`` tries identity before ==: the same as any(x == v) unless a v is NaN.
    if not any(isinstance(v, float) and math.isnan(v) for v in values):

        def member(record: Row, companion: int) -> Truth:
            value = get(record, companion)
            return None if value is None else (value in values) != negated

        return _Test(member, total)

    def compared(record: Row, companion: int) -> Truth:
        value = get(record, companion)
        if value is None:
            return None
        return any(value == v for v in values) != negated

    return _Test(compared, total)


def _text_test(node: ast.TextTest, get: Getter) -> _Test:
    pattern = str(node.pattern.value)
    if node.kind in ("starts_with", "ends_with"):
        starts = node.kind == "starts_with"

        def affix(record: Row, companion: int) -> Truth:
            value = get(record, companion)
            if value is None:
                return None
            text = str(value)
            return text.startswith(pattern) if starts else text.endswith(pattern)

        return _Test(affix, False)  # str() of a huge int raises
    try:
        fullmatch = cached_pattern(pattern).fullmatch
    except Exception:  # the evaluator fails only when it reaches the test; so must this

        def unchecked(record: Row, companion: int) -> Truth:
            value = get(record, companion)
            if value is None:
                return None
            return cached_pattern(pattern).fullmatch(str(value)) is not None

        return _Test(unchecked, False)

    def matches(record: Row, companion: int) -> Truth:
        value = get(record, companion)
        return None if value is None else fullmatch(str(value)) is not None

    return _Test(matches, False)


# -- connectives -------------------------------------------------------------------


def _steps(operands: tuple[ast.Condition, ...], in_quantifier: bool) -> tuple[list[Test], bool]:
    """The operands' tests and whether all are total."""
    compiled = [_truth(o, in_quantifier) for o in operands]
    return [c.run for c in compiled], all(c.total for c in compiled)


def _and(tests: list[Test], total: bool) -> Test:
    if total:

        def conjunction(record: Row, companion: int) -> Truth:
            unknown = False
            for test in tests:
                result = test(record, companion)
                if result is False:
                    return False
                if result is None:
                    unknown = True
            return None if unknown else True

        return conjunction

    def every(record: Row, companion: int) -> Truth:
        results = [test(record, companion) for test in tests]
        if False in results:
            return False
        return None if None in results else True

    return every


def _or(tests: list[Test], total: bool) -> Test:
    if total:

        def disjunction(record: Row, companion: int) -> Truth:
            unknown = False
            for test in tests:
                result = test(record, companion)
                if result is True:
                    return True
                if result is None:
                    unknown = True
            return None if unknown else False

        return disjunction

    def every(record: Row, companion: int) -> Truth:
        results = [test(record, companion) for test in tests]
        if True in results:
            return True
        return None if None in results else False

    return every


def _at_least(count: int, tests: list[Test]) -> Test:
    def at_least(record: Row, companion: int) -> Truth:
        true = unknown = 0
        for test in tests:
            result = test(record, companion)
            if result is True:
                true += 1
            elif result is None:
                unknown += 1
        if true >= count:
            return True
        return False if true + unknown < count else None

    return at_least


def _quantifier(kind: str, body: _Test) -> Test:
    run, total = body.run, body.total
    wanted = kind == "any"  # the result that decides: True for any, False for all

    def quantified(record: Row, companion: int) -> Truth:
        items = record.get(COMPANIONS)
        unknown = decided = False
        for index in range(len(items) if isinstance(items, list) else 0):
            result = run(record, index)
            if result is None:
                unknown = True
            elif result is wanted:
                if total:
                    return wanted
                decided = True
        if decided:
            return wanted
        return None if unknown else not wanted

    return quantified


def _not(inner: Test) -> Test:
    def negation(record: Row, companion: int) -> Truth:
        result = inner(record, companion)
        return None if result is None else not result

    return negation


def _truth(node: ast.Condition, in_quantifier: bool) -> _Test:
    if isinstance(node, ast.Not):
        operand = _truth(node.operand, in_quantifier)
        return _Test(_not(operand.run), operand.total)
    if isinstance(node, ast.And | ast.Or):
        tests, total = _steps(node.operands, in_quantifier)
        return _Test(_and(tests, total) if isinstance(node, ast.And) else _or(tests, total), total)
    if isinstance(node, ast.AtLeast):
        tests, total = _steps(node.operands, in_quantifier)
        return _Test(_at_least(node.count, tests), total)
    if isinstance(node, ast.Quantifier):
        body = _truth(node.body, True)
        return _Test(_quantifier(node.kind, body), body.total)
    if isinstance(node, ast.Relation):
        right = _value(node.right, in_quantifier)
        constant = node.right.value if isinstance(node.right, ast.Literal) else None
        return _relation(_value(node.left, in_quantifier), node.op, right, constant)
    if isinstance(node, ast.Compare):
        literal = _value(node.value, in_quantifier)
        return _relation(_value(node.field, in_quantifier), node.op, literal, node.value.value)
    if isinstance(node, ast.Presence | ast.Truthy | ast.InList | ast.Contains | ast.TextTest):
        return _leaf(node, in_quantifier)

    def delegated(record: Row, companion: int) -> Truth:
        return Evaluator(record, companion).truth(node)

    return _Test(delegated, False)
