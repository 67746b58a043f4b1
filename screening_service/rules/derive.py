"""Compile -> derived values: what the engine cannot evaluate, computed before it.

durable-rules cannot compare two properties of one fact safely and has no
arithmetic, text tests or quantifiers. Each such sub-condition of a rule (a
`Relation`, `TextTest`, `Quantifier` or `AtLeast`) becomes a generated
boolean property holding its three-valued result: true, false, or left out
of the fact when unknown. The engine then tests ``{prop: true}`` (or
``false`` under ``not``), which keeps the language's semantics: a rule fires
only when its condition is true.

Aggregates declared in pack.yaml are computed here too, once per flight in
time linear in its size (one pass for each traveler's condition, one pass to
tally per "same" key, one pass to read the tallies), and written into each
record as ``flight.<name>`` so evidence can show them.

Each condition is compiled once per `Derivations` into closures
(`rules.closures`), which return exactly what the reference evaluator
(`rules.kleene.Evaluator`) returns. Nothing here runs code from a rule file,
and patterns run on RE2 (linear time, bounded memory).
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Final

from screening_service.rules import condition_ast as ast
from screening_service.rules.closures import Test, compile_truth
from screening_service.rules.kleene import Evaluator, Truth, Value, companion_count
from screening_service.rules.model import Aggregate
from screening_service.values import FactValue, Record

__all__ = [
    "DERIVED_NODES",
    "DERIVED_PREFIX",
    "Derivation",
    "Derivations",
    "Evaluator",
    "Truth",
    "Value",
    "collect",
    "companion_count",
    "derived_name",
]

DERIVED_PREFIX: Final = "derived."
DERIVED_NODES: Final = (ast.Relation, ast.TextTest, ast.Quantifier, ast.AtLeast)


def derived_name(node: ast.Condition) -> str:
    digest = hashlib.sha256(ast.render(node).encode()).hexdigest()[:12]
    return f"{DERIVED_PREFIX}{digest}"


@dataclass(frozen=True)
class Derivation:
    name: str
    node: ast.Condition


@dataclass(frozen=True)
class Derivations:
    """The derived properties of a pack and its aggregates; `apply` runs them on a flight."""

    items: tuple[Derivation, ...] = ()
    aggregates: tuple[Aggregate, ...] = ()

    @cached_property
    def names(self) -> tuple[str, ...]:
        return tuple(d.name for d in self.items) + tuple(a.field_name for a in self.aggregates)

    @cached_property
    def _tests(self) -> tuple[tuple[str, Test], ...]:
        return tuple((d.name, compile_truth(d.node)) for d in self.items)

    @cached_property
    def _aggregate_tests(self) -> tuple[Test, ...]:
        return tuple(compile_truth(a.condition) for a in self.aggregates)

    def __getstate__(self) -> dict[str, Any]:
        """Pickled without the compiled closures (they cannot be); compiled again on first use."""
        return {"items": self.items, "aggregates": self.aggregates}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)

    def truths(self, records: Sequence[Record]) -> list[tuple[Aggregate, list[Truth]]]:
        """Each aggregate's condition on every record of one flight, compiled."""
        return [
            (aggregate, [test(record, -1) for record in records])
            for aggregate, test in zip(self.aggregates, self._aggregate_tests, strict=True)
        ]

    def aggregate(self, records: Sequence[Record]) -> None:
        """Write each aggregate's value into every record of one flight (linear time)."""
        for aggregate, truths in self.truths(records):
            keys: list[object] = [
                (record.get(aggregate.same) if aggregate.same else "") for record in records
            ]
            tally: dict[object, list[int]] = defaultdict(lambda: [0, 0, 0])
            for key, truth in zip(keys, truths, strict=True):
                if key is not None:
                    tally[key][0 if truth is True else 1 if truth is False else 2] += 1
            for record, key in zip(records, keys, strict=True):
                record[aggregate.field_name] = (
                    None if key is None else _summarise(aggregate.kind, tally[key])
                )

    def extras(self, record: Mapping[str, FactValue | None]) -> dict[str, bool]:
        """The derived properties of one record (unknown ones left out)."""
        found: dict[str, bool] = {}
        for name, test in self._tests:
            truth = test(record, -1)
            if truth is not None:
                found[name] = truth
        return found


def _summarise(kind: str, counts: list[int]) -> int | bool | None:
    true, false, unknown = counts
    if kind == "count":
        return true
    if kind == "any":
        return True if true else (None if unknown else False)
    return False if false else (None if unknown else True)


def collect(condition: ast.Condition) -> list[Derivation]:
    """The outermost derived sub-conditions of a checked condition."""
    found: list[Derivation] = []
    stack: list[ast.Condition] = [condition]
    while stack:
        node = stack.pop()
        if isinstance(node, DERIVED_NODES):
            found.append(Derivation(derived_name(node), node))
        elif isinstance(node, ast.And | ast.Or):
            stack.extend(reversed(node.operands))
        elif isinstance(node, ast.Not):
            stack.append(node.operand)
    return found
