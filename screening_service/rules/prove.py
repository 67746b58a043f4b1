"""Rule files -> ... -> compile -> prove: run each rule's own examples.

A pack goes live only when every `refer` example fires its rule and no
`pass` example does, evaluated by the compiled engine itself.
"""

from __future__ import annotations

from dataclasses import dataclass

from screening_service.engine.base import EvaluationEngine
from screening_service.engine.facts import to_fact
from screening_service.rules import errors
from screening_service.rules.compile import CompiledPack
from screening_service.rules.errors import ErrorSink
from screening_service.rules.model import Example


@dataclass(frozen=True)
class ExampleOutcome:
    rule_id: str
    example: Example
    expected_fire: bool
    fired: bool

    @property
    def passed(self) -> bool:
        return self.expected_fire == self.fired


def run_examples(compiled: CompiledPack, engine: EvaluationEngine) -> list[ExampleOutcome]:
    cases: list[tuple[int, Example, bool]] = []
    for compiled_rule in compiled.rules:
        rule = compiled_rule.rule
        cases.extend((compiled_rule.index, x, True) for x in rule.examples_refer)
        cases.extend((compiled_rule.index, x, False) for x in rule.examples_pass)
    fired = engine.evaluate([to_fact(example.values, n) for n, (_, example, _) in enumerate(cases)])
    return [
        ExampleOutcome(compiled.rules[index].rule.id, example, expected, index in fired[n])
        for n, (index, example, expected) in enumerate(cases)
    ]


def prove(
    compiled: CompiledPack, engine: EvaluationEngine, sink: ErrorSink
) -> list[ExampleOutcome]:
    outcomes = run_examples(compiled, engine)
    for outcome in outcomes:
        if not outcome.passed:
            wanted = "fire" if outcome.expected_fire else "not fire"
            sink.add(
                errors.E_EXAMPLE_FAILED,
                f"example {outcome.example.label} should {wanted}, but the rule "
                + ("fired" if outcome.fired else "did not fire"),
                outcome.example.location,
                outcome.rule_id,
            )
    return outcomes
