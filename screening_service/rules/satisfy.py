"""Rule files -> parse -> check: is a condition satisfiable at all?

Interval and boolean reasoning over the leaves the engine evaluates itself
(comparisons with literals, lists, booleans, known/unknown), plus the
catalog's derivation rules (``traveler.is_minor`` is ``traveler.age_years <
18``; ``companion.is_minor`` likewise). The condition is put in negation
normal form under three-valued semantics (every test but ``is known`` /
``is unknown`` needs its field to be known) and searched branch by branch;
derived leaves (field-to-field comparisons, text tests, quantifiers, ``at
least``) are taken as satisfiable. The search has a budget: past it the
condition is assumed satisfiable, never refused.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Final

from screening_service.catalog import Field, FieldType
from screening_service.rules import condition_ast as ast

MAX_BRANCHES: Final = 512
DERIVATIONS: Final = {
    "traveler.is_minor": "traveler.age_years",
    "companion.is_minor": "companion.age_years",
}
ADULT: Final = 18


@dataclass(frozen=True)
class _Bounds:
    known: bool | None = None
    low: float = -math.inf
    high: float = math.inf
    equal: frozenset[object] | None = None
    excluded: frozenset[object] = field(default_factory=frozenset)

    def empty(self, integer: bool) -> bool:
        if self.known is False:
            return self.low > -math.inf or self.high < math.inf or self.equal is not None
        low, high = self.low, self.high
        if integer:
            low = math.ceil(low) if math.isfinite(low) else low
            high = math.floor(high) if math.isfinite(high) else high
        if low > high:
            return True
        if self.equal is not None:
            numeric = [
                v for v in self.equal if isinstance(v, int | float) and not isinstance(v, bool)
            ]
            inside = [v for v in numeric if low <= v <= high] + [
                v
                for v in self.equal
                if not (isinstance(v, int | float) and not isinstance(v, bool))
            ]
            return not [v for v in inside if v not in self.excluded]
        return low == high and low in self.excluded


_State = dict[str, _Bounds]
_EPS: Final = 1e-9


def _narrow(state: _State, name: str, update: _Bounds) -> _State:
    old = state.get(name, _Bounds())
    known = old.known
    if update.known is not None:
        if known is not None and known != update.known:
            known = None
            merged = _Bounds(known=False, low=0, high=-1)  # contradiction
            return {**state, name: merged}
        known = update.known
    equal = old.equal
    if update.equal is not None:
        equal = update.equal if equal is None else equal & update.equal
        if not equal:
            return {**state, name: _Bounds(known=True, low=1, high=0)}
    merged = _Bounds(
        known=known,
        low=max(old.low, update.low),
        high=min(old.high, update.high),
        equal=equal,
        excluded=old.excluded | update.excluded,
    )
    return {**state, name: merged}


def _leaf_bounds(node: ast.Condition, negate: bool) -> tuple[str, _Bounds] | None:
    if isinstance(node, ast.Presence):
        return node.field.name, _Bounds(known=node.present != negate)
    if isinstance(node, ast.Truthy):
        return node.field.name, _Bounds(known=True, equal=frozenset({not negate}))
    if isinstance(node, ast.InList):
        values = frozenset(v.value for v in node.values)
        if node.negated != negate:
            return node.field.name, _Bounds(known=True, excluded=values)
        return node.field.name, _Bounds(known=True, equal=values)
    if isinstance(node, ast.Compare):
        op = node.op
        value = node.value.value
        if negate:
            op = {"==": "!=", "!=": "==", "<": ">=", "<=": ">", ">": "<=", ">=": "<"}[op]
        if op == "==":
            return node.field.name, _Bounds(known=True, equal=frozenset({value}))
        if op == "!=":
            return node.field.name, _Bounds(known=True, excluded=frozenset({value}))
        if isinstance(value, bool) or not isinstance(value, int | float):
            return node.field.name, _Bounds(known=True)
        if op == "<":
            return node.field.name, _Bounds(known=True, high=value - _EPS)
        if op == "<=":
            return node.field.name, _Bounds(known=True, high=value)
        if op == ">":
            return node.field.name, _Bounds(known=True, low=value + _EPS)
        return node.field.name, _Bounds(known=True, low=value)
    return None


def _branches(
    node: ast.Condition, negate: bool, state: _State, budget: list[int]
) -> Iterator[_State]:
    """Every consistent state in which ``node`` (negated if asked) can be true."""
    budget[0] -= 1
    if budget[0] < 0:
        yield state
        return
    if isinstance(node, ast.Not):
        yield from _branches(node.operand, not negate, state, budget)
        return
    if isinstance(node, ast.And | ast.Or):
        conjunction = isinstance(node, ast.And) != negate
        if not conjunction:
            for operand in node.operands:
                yield from _branches(operand, negate, state, budget)
            return
        states = [state]
        for operand in node.operands:
            states = [s for current in states for s in _branches(operand, negate, current, budget)]
            if budget[0] < 0:
                yield state
                return
        yield from states
        return
    leaf = _leaf_bounds(node, negate)
    if leaf is None:
        yield state
        return
    name, bounds = leaf
    yield _narrow(state, name, bounds)


def _consistent(state: _State, fields: Mapping[str, Field]) -> bool:
    state = dict(state)
    for flag, age in DERIVATIONS.items():
        bounds = state.get(flag)
        if bounds is None or bounds.equal is None or len(bounds.equal) != 1:
            continue
        (minor,) = bounds.equal
        limit = _Bounds(known=True, high=ADULT - 1) if minor else _Bounds(known=True, low=ADULT)
        state = _narrow(state, age, limit)
    for name, bounds in state.items():
        f = fields.get(name)
        integer = f is not None and f.type in (FieldType.INT, FieldType.DATE)
        if bounds.empty(integer):
            return False
    return True


def satisfiable(node: ast.Condition, fields: Mapping[str, Field]) -> bool:
    """False only when no record can make ``node`` true (within the search budget)."""
    budget = [MAX_BRANCHES]
    for state in _branches(node, False, {}, budget):
        if budget[0] < 0 or _consistent(state, fields):
            return True
    return budget[0] < 0
