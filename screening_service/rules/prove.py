"""Rule files -> ... -> compile -> prove: run each rule's own examples.

A pack goes live only when every `refer` example fires its rule and no
`pass` example does, evaluated by the compiled engine itself (with the
pack's derived values computed as at screening time; an example states
aggregate values directly, since it is one record, not a flight).

Proving runs within a budget (a number of examples and a time budget, in
batches); running out, or an engine error, is a finding (`E302`) like any
other, never an exception escaping to the caller. A failing example names
the clause that decided and the values it read.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from screening_service.catalog import CATALOG
from screening_service.engine.base import EvaluationEngine
from screening_service.engine.facts import to_fact
from screening_service.engine.native import EngineError
from screening_service.rules import condition_ast as ast
from screening_service.rules import errors
from screening_service.rules.compile import CompiledPack
from screening_service.rules.derive import Evaluator
from screening_service.rules.errors import ErrorSink
from screening_service.rules.model import Example
from screening_service.values import FactValue, render

MAX_EXAMPLES: Final = 20_000
BATCH: Final = 256
BUDGET_SECONDS: Final = 30.0


class ProofBudgetExceeded(Exception):
    """Proving stopped: too many examples, too slow, or the engine failed."""


@dataclass(frozen=True)
class ExampleOutcome:
    rule_id: str
    example: Example
    expected_fire: bool
    fired: bool

    @property
    def passed(self) -> bool:
        return self.expected_fire == self.fired


def run_examples(
    compiled: CompiledPack, engine: EvaluationEngine, budget_seconds: float = BUDGET_SECONDS
) -> list[ExampleOutcome]:
    """Every example's outcome; raises ProofBudgetExceeded past the budget or on an engine error."""
    cases: list[tuple[int, Example, bool]] = []
    for compiled_rule in compiled.rules:
        rule = compiled_rule.rule
        cases.extend((compiled_rule.index, x, True) for x in rule.examples_refer)
        cases.extend((compiled_rule.index, x, False) for x in rule.examples_pass)
    if len(cases) > MAX_EXAMPLES:
        raise ProofBudgetExceeded(f"the pack has {len(cases)} examples; at most {MAX_EXAMPLES}")
    derivations = compiled.derivations
    deadline = time.monotonic() + budget_seconds
    fired: list[set[int]] = []
    for start in range(0, len(cases), BATCH):
        batch = cases[start : start + BATCH]
        facts = [
            to_fact(example.values, n, derivations.extras(example.values))
            for n, (_, example, _) in enumerate(batch)
        ]
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise ProofBudgetExceeded(f"proving the examples took over {budget_seconds:g} s")
        try:
            fired.extend(engine.evaluate(facts, remaining))
        except EngineError as error:
            raise ProofBudgetExceeded(f"the engine failed on the examples: {error}") from None
    return [
        ExampleOutcome(compiled.rules[index].rule.id, example, expected, index in fired[n])
        for n, (index, example, expected) in enumerate(cases)
    ]


def _shown(record: Mapping[str, FactValue | None], node: ast.Node) -> str:
    parts = []
    for name in ast.fields_read(node):
        value = record.get(name)
        field = CATALOG.get(name)
        if value is None:
            text = "unknown"
        elif field is not None and not name.startswith("companion."):
            text = render(field, value)
        else:
            text = str(value)
        parts.append(f"{name} = {text}")
    return ", ".join(parts) or "no field"


def deciding_clause(
    condition: ast.Condition, record: Mapping[str, FactValue | None]
) -> ast.Condition:
    """The innermost clause that made ``condition`` come out as it did."""
    evaluator = Evaluator(record)
    node = condition
    while True:
        outcome = evaluator.truth(node)
        if isinstance(node, ast.Not):
            node = node.operand
            continue
        if isinstance(node, ast.And | ast.Or):
            wanted = isinstance(node, ast.And)  # an And is decided by an operand that is not true
            deciding = [o for o in node.operands if evaluator.truth(o) is not wanted]
            if outcome is wanted or not deciding:
                return node
            node = deciding[0]
            continue
        return node


def explain(condition: ast.Condition, record: Mapping[str, FactValue | None]) -> str:
    clause = deciding_clause(condition, record)
    truth = Evaluator(record).truth(clause)
    word = "unknown" if truth is None else "true" if truth else "false"
    return f"'{ast.render(clause)}' is {word} ({_shown(record, clause)})"


def prove(
    compiled: CompiledPack, engine: EvaluationEngine, sink: ErrorSink
) -> list[ExampleOutcome]:
    try:
        outcomes = run_examples(compiled, engine)
    except ProofBudgetExceeded as problem:
        sink.add(errors.E_BUDGET, str(problem), errors.Location(compiled.pack.directory))
        return []
    for outcome in outcomes:
        if not outcome.passed:
            wanted = "fire" if outcome.expected_fire else "not fire"
            rule = compiled.rules[
                next(i for i, c in enumerate(compiled.rules) if c.rule.id == outcome.rule_id)
            ].rule
            sink.add(
                errors.E_EXAMPLE_FAILED,
                f"example {outcome.example.label} should {wanted}, but the rule "
                + ("fired" if outcome.fired else "did not fire")
                + ": "
                + explain(rule.condition, outcome.example.values),
                outcome.example.location,
                outcome.rule_id,
            )
    return outcomes
