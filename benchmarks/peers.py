"""The service's whole path against other rule engines evaluating the same rules alone.

The bundled pack is compiled once and each rule's parsed condition tree is
translated, under the language's three-valued semantics (a test of an
unknown field is unknown, ``not unknown`` is unknown, a rule fires only when
its condition is true), two more ways:

* zen-engine (GoRules, Rust): one decision-table row per rule, hit policy
  ``collect``, each row one expression over ``$root["field"]`` with a null
  guard on every field it tests, in negation normal form like the compiler's
  patterns;
* plain Python closures built from the tree (no ``eval``).

All engines run on the same facts: synthetic travelers in whole flights,
validated, enriched (`enrich_flight`) and turned into facts (`facts_of`)
once, before any timing. The durable-rules engine is the service's own
(`Engine.evaluate`, JSON encoding included). Every engine must fire the same
rule set on every record; any disagreement fails the benchmark. Rules with a
construct computed before the engine (field-to-field comparisons,
arithmetic, text tests, quantifiers, ``at least``) are not translated; they
are listed and left out of every engine's comparison (the service's engine
and path still evaluate them, which only counts against the service).

The target row: the service's full in-process path (`screen`, ``live=False``:
validate, enrich, facts, engine, decide) per traveler against zen-engine's
evaluation alone, on the already-enriched records.
"""

from __future__ import annotations

import gc
import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

import orjson
import zen

from benchmarks import servers, workload
from benchmarks.config import Config
from benchmarks.report import BenchmarkResult, Row
from screening_service import geography
from screening_service.engine.native import Engine
from screening_service.pipeline.enrich import enrich_flight
from screening_service.pipeline.evaluate import facts_of
from screening_service.pipeline.screen import Context, FlightResult, screen, validate
from screening_service.pipeline.validate import ValidFlight
from screening_service.proto import pb
from screening_service.rules import condition_ast as ast
from screening_service.rules.compile import NEGATED_OPERATOR, CompiledPack
from screening_service.rules.derive import DERIVED_NODES
from screening_service.runtime.packs import build_snapshot

NAME: Final = "peers"
TITLE: Final = "full path vs zen-engine (Rust) and plain Python on the same rules and records"
FLIGHTS: Final = 50
FLIGHT_SIZE: Final = 200
TARGET: Final = 0.8
DECISION_KEY: Final = "pack"
NOW: Final = workload.START

Fact = Mapping[str, Any]
Test = Callable[[Fact], bool]


class Untranslatable(ValueError):
    """A construct only the service's derived values compute (outside any engine)."""


# -- translation ---------------------------------------------------------------


def _zen_field(name: str) -> str:
    return f"$root[{json.dumps(name)}]"


def _zen_literal(value: ast.Scalar) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        if '"' in value or "\\" in value:
            raise Untranslatable(f"text literal with quotes or backslashes: {value!r}")
        return f'"{value}"'
    text = repr(value)
    if not math.isfinite(value) or "e" in text.lower():
        raise Untranslatable(f"number without a plain decimal form: {text}")
    return text


def _guarded(name: str, test: str) -> str:
    return f"({_zen_field(name)} != null and {test})"


def zen_expression(node: ast.Condition, negate: bool = False) -> str:
    """One zen expression, true exactly when the condition is true (negation pushed down)."""
    if isinstance(node, ast.Not):
        return zen_expression(node.operand, not negate)
    if isinstance(node, ast.And | ast.Or):
        joiner = " and " if isinstance(node, ast.And) != negate else " or "
        return "(" + joiner.join(zen_expression(o, negate) for o in node.operands) + ")"
    if isinstance(node, DERIVED_NODES):
        raise Untranslatable(type(node).__name__)
    name = node.field.name
    field = _zen_field(name)
    if isinstance(node, ast.Presence):
        return f"{field} {'!=' if node.present != negate else '=='} null"
    if isinstance(node, ast.Truthy):
        return _guarded(name, f"{field} == {'false' if negate else 'true'}")
    if isinstance(node, ast.Contains):
        member = f"{_zen_literal(node.value.value)} in {field}"
        return _guarded(name, f"not ({member})" if negate else member)
    if isinstance(node, ast.InList):
        items = "[" + ", ".join(_zen_literal(v.value) for v in node.values) + "]"
        word = "in" if node.negated == negate else "not in"
        return _guarded(name, f"{field} {word} {items}")
    op = NEGATED_OPERATOR[node.op] if negate else node.op
    return _guarded(name, f"{field} {op} {_zen_literal(node.value.value)}")


_OPERATORS: Final[dict[str, Callable[[Any, Any], bool]]] = {
    "==": lambda a, b: bool(a == b),
    "!=": lambda a, b: bool(a != b),
    "<": lambda a, b: bool(a < b),
    "<=": lambda a, b: bool(a <= b),
    ">": lambda a, b: bool(a > b),
    ">=": lambda a, b: bool(a >= b),
}


def python_test(node: ast.Condition, negate: bool = False) -> Test:
    """A closure over one fact, true exactly when the condition is true."""
    if isinstance(node, ast.Not):
        return python_test(node.operand, not negate)
    if isinstance(node, ast.And | ast.Or):
        parts = tuple(python_test(o, negate) for o in node.operands)
        if isinstance(node, ast.And) != negate:
            return lambda fact: all(part(fact) for part in parts)
        return lambda fact: any(part(fact) for part in parts)
    if isinstance(node, DERIVED_NODES):
        raise Untranslatable(type(node).__name__)
    name = node.field.name
    if isinstance(node, ast.Presence):
        present = node.present != negate
        return lambda fact: (fact.get(name) is not None) == present
    if isinstance(node, ast.Truthy):
        wanted = not negate
        return lambda fact: fact.get(name) is wanted
    if isinstance(node, ast.Contains):
        item = node.value.value
        if negate:
            return lambda fact: (v := fact.get(name)) is not None and item not in v
        return lambda fact: (v := fact.get(name)) is not None and item in v
    if isinstance(node, ast.InList):
        values = frozenset(v.value for v in node.values)
        if node.negated == negate:
            return lambda fact: (v := fact.get(name)) is not None and v in values
        return lambda fact: (v := fact.get(name)) is not None and v not in values
    compare = _OPERATORS[NEGATED_OPERATOR[node.op] if negate else node.op]
    literal = node.value.value
    return lambda fact: (v := fact.get(name)) is not None and compare(v, literal)


@dataclass(frozen=True)
class Translation:
    """The pack's translatable rules (by compiled index) in both forms, and the rest."""

    indices: tuple[int, ...]
    zen_rows: tuple[str, ...]
    python: tuple[tuple[int, Test], ...]
    excluded: tuple[tuple[str, str], ...]  # (rule id, why)

    def decision(self) -> dict[str, Any]:
        """The zen decision graph (JDM): input -> one collect table -> output."""
        rows = [
            {"_id": f"row{index}", "when": expression, "rule": str(index)}
            for index, expression in zip(self.indices, self.zen_rows, strict=True)
        ]
        position = {"x": 0, "y": 0}
        return {
            "nodes": [
                {"id": "input", "type": "inputNode", "name": "facts", "position": position},
                {
                    "id": "table",
                    "type": "decisionTableNode",
                    "name": "rules",
                    "position": position,
                    "content": {
                        "hitPolicy": "collect",
                        "inputs": [{"id": "when", "name": "condition", "field": ""}],
                        "outputs": [{"id": "rule", "name": "rule", "field": "rule"}],
                        "rules": rows,
                    },
                },
                {"id": "output", "type": "outputNode", "name": "fired", "position": position},
            ],
            "edges": [
                {"id": "e1", "sourceId": "input", "targetId": "table", "type": "edge"},
                {"id": "e2", "sourceId": "table", "targetId": "output", "type": "edge"},
            ],
        }


def translate(compiled: CompiledPack) -> Translation:
    indices: list[int] = []
    rows: list[str] = []
    tests: list[tuple[int, Test]] = []
    excluded: list[tuple[str, str]] = []
    for rule in compiled.rules:
        try:
            expression = zen_expression(rule.rule.condition)
            test = python_test(rule.rule.condition)
        except Untranslatable as why:
            excluded.append((rule.rule.id, str(why)))
            continue
        indices.append(rule.index)
        rows.append(expression)
        tests.append((rule.index, test))
    return Translation(tuple(indices), tuple(rows), tuple(tests), tuple(excluded))


# -- the engines ---------------------------------------------------------------


class ZenRules:
    """The translated pack in zen-engine, loaded through a static loader.

    ``ZenEngine.evaluate(key, ...)`` is used: measured on this machine, the
    engine's cached decision is 4-5x faster per call than evaluating a
    `ZenDecision` object (which appears to rebuild its graph every call).
    """

    def __init__(self, translation: Translation) -> None:
        self.engine = zen.ZenEngine(
            {"loader": {"type": "static", "content": {DECISION_KEY: translation.decision()}}}
        )

    def evaluate(self, context: Fact | bytes) -> object:
        return self.engine.evaluate(DECISION_KEY, context)  # type: ignore[arg-type]

    def fired(self, context: Fact | bytes) -> set[int]:
        result = self.engine.evaluate(DECISION_KEY, context)["result"]  # type: ignore[arg-type]
        return {int(hit["rule"]) for hit in result}


def python_fired(translation: Translation, fact: Fact) -> set[int]:
    return {index for index, test in translation.python if test(fact)}


@dataclass
class Flight:
    request: pb.ScreenManifestRequest
    facts: list[dict[str, Any]]
    encoded: list[bytes]
    durable: list[dict[str, Any]]  # the engine writes a session id into each fact it is given


def _flights(compiled: CompiledPack) -> list[Flight]:
    out = []
    for generated in workload.flights(FLIGHTS, FLIGHT_SIZE):
        request = pb.ScreenManifestRequest(manifest=generated.manifest)
        valid = validate(request, live=False)
        assert isinstance(valid, ValidFlight), valid
        records = enrich_flight(valid.travelers, valid.flight, NOW)
        facts = facts_of(records, compiled)
        out.append(
            Flight(request, facts, [orjson.dumps(f) for f in facts], [dict(f) for f in facts])
        )
    return out


def _disagreements(
    translation: Translation,
    flights: Sequence[Flight],
    engine: Engine,
    zen_rules: ZenRules,
    context: Context,
) -> tuple[list[str], int]:
    """Every record whose fired rule set differs between engines (translated rules only)."""
    kept = frozenset(translation.indices)
    problems: list[str] = []
    fired_total = 0
    for number, flight in enumerate(flights):
        durable = engine.evaluate(flight.durable)
        result = screen(context, flight.request, now=NOW, live=False)
        assert isinstance(result, FlightResult), result
        for n, fact in enumerate(flight.facts):
            answers = {
                "durable-rules": durable[n] & kept,
                "screen()": result.fired[n] & kept,
                "zen-engine": zen_rules.fired(fact),
                "zen-engine (JSON)": zen_rules.fired(flight.encoded[n]),
                "python": python_fired(translation, fact),
            }
            fired_total += len(answers["durable-rules"])
            if len({frozenset(v) for v in answers.values()}) != 1:
                shown = {k: sorted(v) for k, v in answers.items()}
                problems.append(f"flight {number} record {n}: {shown}")
    return problems, fired_total


def run(config: Config) -> BenchmarkResult:
    result = BenchmarkResult(NAME, TITLE)
    geography.warm()
    snapshot = build_snapshot(servers.BUNDLED_RULES)
    engine = snapshot.engine
    assert isinstance(engine, Engine)
    context = Context(snapshot)
    try:
        compiled = snapshot.compiled
        translation = translate(compiled)
        zen_rules = ZenRules(translation)
        flights = _flights(compiled)
        travelers = sum(len(f.facts) for f in flights)
        problems, fired = _disagreements(translation, flights, engine, zen_rules, context)
        result.notes.append(
            f"{len(translation.indices)} of {len(compiled.rules)} rules translated and compared; "
            f"excluded (computed before the engine): "
            + (", ".join(f"{rule} ({why})" for rule, why in translation.excluded) or "none")
        )
        result.notes.append(
            f"{travelers:,} synthetic travelers in {len(flights)} flights of {FLIGHT_SIZE}; "
            f"{fired / travelers:.2f} translated rules fired per traveler; "
            f"{len(problems)} records on which the engines disagree"
        )
        if problems:
            result.error = (
                f"engines disagree on {len(problems)} of {travelers} records; first: {problems[0]}"
            )
            result.details["disagreements"] = problems[:50]

        def each_fact(work: Callable[[Flight], object]) -> Callable[[], None]:
            def go() -> None:
                for flight in flights:
                    work(flight)

            return go

        # The harness holds every flight's request, facts and encodings for the whole run;
        # a server holds none of them. Frozen out of the collector's sight (as a server's
        # startup state is), they stop making each full collection scan
        # 10,000 travelers' data that no measured path allocated.
        gc.collect()
        gc.freeze()
        zen_evaluate = zen_rules.evaluate
        tests = translation.python
        variants: dict[str, Callable[[], object]] = {
            "zen": each_fact(lambda f: [zen_evaluate(x) for x in f.facts]),
            "zen_json": each_fact(lambda f: [zen_evaluate(x) for x in f.encoded]),
            "python": each_fact(lambda f: [[i for i, test in tests if test(x)] for x in f.facts]),
            "durable": each_fact(lambda f: engine.evaluate(f.durable)),
            "service": each_fact(lambda f: screen(context, f.request, now=NOW, live=False)),
        }
        timings = workload.interleaved(config.rounds, variants)
        us = {name: min(seconds) / travelers * 1e6 for name, seconds in timings.items()}
        zen_best = min(us["zen"], us["zen_json"])
        baseline = "zen-engine"
        result.add(Row("zen-engine evaluate, dict context", us["zen"], "us/traveler"))
        result.add(Row("zen-engine evaluate, JSON bytes context", us["zen_json"], "us/traveler"))
        result.add(
            Row(
                "zen-engine evaluation alone (the faster of the two)",
                zen_best,
                "us/traveler",
            )
        )
        result.compare("plain Python closures", us["python"], "us/traveler", baseline, zen_best)
        result.compare(
            "durable-rules engine (Engine.evaluate, JSON encoding included)",
            us["durable"],
            "us/traveler",
            baseline,
            zen_best,
        )
        result.compare(
            "full in-process path: screen(live=False)",
            us["service"],
            "us/traveler",
            baseline,
            zen_best,
            target=f"full in-process path <= {TARGET}x zen-engine's evaluation alone",
            check=lambda ratio: ratio <= TARGET,
        )
        result.notes.append(
            f"best of {config.rounds} interleaved rounds; zen and Python evaluate one record at a "
            "time, durable-rules and screen() one flight per call"
        )
        result.details.update(
            {
                "travelers": travelers,
                "translated_rules": list(translation.indices),
                "excluded_rules": [list(x) for x in translation.excluded],
                "us_per_traveler": us,
                "samples_seconds": timings,
            }
        )
    finally:
        gc.unfreeze()
        engine.close()
    return result
