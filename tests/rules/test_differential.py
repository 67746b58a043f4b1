"""Differential test: the compiled pipeline (derived values + engine) against the oracle.

Random rules are written as TEXT over real catalog fields: comparisons with
literals, ``in`` / ``not in``, ``contains``, ``is known`` / ``is unknown``,
bare booleans, field-to-field comparisons, arithmetic and the functions,
text tests (starts/ends with, RE2 ``matches``), quantifiers over companions,
``at least n of``, and ``flight.*`` aggregates declared in the generated
pack, nested with ``and`` / ``or`` / ``not`` up to depth 3. Each rule text
is parsed once; the parsed tree goes to `tests/oracle.py` (which shares no
code with the compiler), and through `check` and `compile` to the engine.
Records are flights of travelers whose fields are known, unknown (missing
or None) or, for lists, known-empty, drawn from small domains so that
equalities, boundaries and unknowns hit often.

The engine path is the production one: `pipeline.evaluate.facts_of`
(aggregates, derived values, `to_fact`) and an in-process `Engine`. Every
(rule, record) verdict must equal ``oracle.holds``. Rules the checker
refuses as unsatisfiable must never fire on the oracle either (that checks
the satisfiability reasoning); rules over the engine's stack budget are
refused and not counted.

Each run draws new packs (the seed is printed; set DIFFERENTIAL_SEED to
replay one) and also replays a fixed corpus of rules that once disagreed
or that pin the three-valued semantics.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final, TypeVar

import pytest

from screening_service.catalog import CATALOG, Field, FieldType
from screening_service.engine.native import Engine
from screening_service.pipeline.evaluate import facts_of
from screening_service.rules import condition_ast as ast
from screening_service.rules.check import check_pack
from screening_service.rules.compile import CompiledPack, compile_pack
from screening_service.rules.condition_parser import parse_condition
from screening_service.rules.errors import E_LIMIT, E_UNSATISFIABLE, ErrorSink, Location
from screening_service.rules.model import (
    Aggregate,
    ExpressionSource,
    Mode,
    Pack,
    PackInfo,
    Rule,
    Typology,
)
from screening_service.values import FactValue, Record
from tests.conftest import SUMMARY
from tests.oracle import OracleAggregate, holds

T = TypeVar("T")
PACKS: Final = 90
RULES_PER_PACK: Final = 8
MIN_RECORDS: Final = 4
MAX_RECORDS: Final = 8
MAX_DEPTH: Final = 3
MIN_CASES: Final = 2_000
TYPOLOGY: Final = "generated"
WHERE: Final = Location("<generated>", 1, 1)

INT_VALUES: Final = (-2, 0, 1, 2, 3, 17, 18, 25, 40, 100)
FLOAT_VALUES: Final = (-1.5, 0.0, 0.5, 1.0, 2.25, 12.0, 47.5, 48.0)
DATES: Final = (
    dt.date(2000, 2, 29),
    dt.date(2001, 2, 28),
    dt.date(2023, 12, 31),
    dt.date(2024, 1, 1),
    dt.date(2024, 1, 2),
    dt.date(2030, 6, 15),
)
TEXT_VALUES: Final = ("B1/B2", "H-2A", "H-2B", "J-1", "j-1", "K-1", "")
AIRPORTS: Final = ("JFK", "LHR", "LOS", "BKK")
COUNTRIES: Final = ("USA", "GBR", "NGA", "THA")
PATTERNS: Final = ("H-2[AB]", "[A-Z]-1", "B1/B2|J-1", ".*1", "h.*")
PREFIXES: Final = ("H-", "J", "B1", "K-1", "x")

USABLE: Final = tuple(f for f in CATALOG.values() if not f.protected and f.scope == "traveler")
COMPANION: Final = tuple(f for f in CATALOG.values() if f.scope == "companion")
AGGREGATES: Final = (
    OracleAggregate(
        "gen_minors_same_purchaser",
        "count",
        parse_condition("traveler.is_minor"),
        "booking.purchaser",
    ),
    OracleAggregate("gen_any_cash", "any", parse_condition('booking.payment_form == "cash"'), ""),
    OracleAggregate(
        "gen_all_known_age_same_contact",
        "all",
        parse_condition("traveler.age_years >= 18 or booking.checked_bags > 0"),
        "booking.contact",
    ),
)

# Rules that once disagreed, or pin the semantics: replayed on every run.
CORPUS: Final = (
    "not booking.purchaser_on_flight",
    "traveler.is_minor and not booking.has_parent_or_guardian",
    'not (observations.codes contains "other")',
    'booking.payment_form not in ["cash", "card"]',
    "not (traveler.age_years > 5) or traveler.age_years is unknown",
    "document.issue_date > booking.booking_date",
    "days_between(booking.booking_date, document.issue_date) >= 0",
    "years_between(document.issue_date, travel.departure_date) < 1",
    "not (document.expiry_date - travel.departure_date > 30)",
    'traveler.visa_category matches "H-2[AB]"',
    'not (traveler.visa_category starts with "H-")',
    'lower(traveler.visa_category) == "j-1"',
    'any companion (companion.relationship == "none" and companion.age_years >= 18)',
    "all companions (companion.is_minor)",
    "not (any companion (companion.age_years - traveler.age_years > 40))",
    "at least 2 of (traveler.is_minor, booking.checked_bags == 0, lookout.hit)",
    "not (at least 1 of (traveler.is_minor, lookout.hit))",
    "flight.gen_minors_same_purchaser >= 2",
    "not flight.gen_any_cash",
    "flight.gen_all_known_age_same_contact is unknown",
    "abs(booking.hours_before_departure - itinerary.total_hours) <= 1",
    "length(traveler.visa_category) == 0",
)


def _lit(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    return repr(value)


class Generator:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def pick(self, items: Sequence[T]) -> T:
        return items[self.rng.randrange(len(items))]

    def literal(self, field: Field) -> str:
        kind = field.item_type if field.type is FieldType.LIST else field.type
        if field.values:
            return _lit(self.pick(field.values))
        if field.domain == "country":
            return _lit(self.pick(COUNTRIES))
        if field.domain == "airport":
            return _lit(self.pick(AIRPORTS))
        if kind is FieldType.INT:
            return _lit(self.pick(INT_VALUES))
        if kind is FieldType.FLOAT:
            return _lit(self.pick((*FLOAT_VALUES, 0, 12)))
        if kind is FieldType.DATE:
            return _lit(self.pick(DATES).isoformat())
        if kind is FieldType.BOOL:
            return _lit(self.rng.random() < 0.5)
        return _lit(self.pick(TEXT_VALUES[:-1]))

    def of(self, fields: Sequence[Field], *types: FieldType) -> Field:
        return self.pick([f for f in fields if f.type in types])

    def simple(self, fields: Sequence[Field]) -> str:
        field: Field = self.pick(fields)
        name = field.name
        roll = self.rng.randrange(10)
        if roll == 0:
            return f"{name} is {self.pick(('known', 'unknown', 'present', 'missing'))}"
        if field.type is FieldType.LIST:
            return f"{name} contains {self.literal(field)}"
        if field.type is FieldType.BOOL:
            if roll < 6:
                return name
            return f"{name} {self.pick(('==', '!='))} {self.literal(field)}"
        if field.type not in (FieldType.FLOAT,) and roll < 4:
            items = ", ".join(self.literal(field) for _ in range(self.rng.randint(1, 3)))
            return f"{name} {self.pick(('in', 'not in'))} [{items}]"
        ops = ast.COMPARISON_OPERATORS if field.type.is_ordered else ("==", "!=")
        return f"{name} {self.pick(ops)} {self.literal(field)}"

    def derived(self) -> str:
        roll = self.rng.randrange(9)
        op = self.pick(ast.COMPARISON_OPERATORS)
        if roll == 0:
            a, b = (
                self.of(USABLE, FieldType.INT, FieldType.FLOAT),
                self.of(USABLE, FieldType.INT, FieldType.FLOAT),
            )
            return f"{a.name} {op} {b.name}"
        if roll == 1:
            a, b = self.of(USABLE, FieldType.DATE), self.of(USABLE, FieldType.DATE)
            return f"{a.name} {op} {b.name}"
        if roll == 2:
            a, b = self.of(USABLE, FieldType.DATE), self.of(USABLE, FieldType.DATE)
            fn = self.pick(("days_between", "years_between"))
            return f"{fn}({a.name}, {b.name}) {op} {self.pick((0, 1, 30, -1))}"
        if roll == 3:
            a = self.of(USABLE, FieldType.INT, FieldType.FLOAT)
            b = self.of(USABLE, FieldType.INT, FieldType.FLOAT)
            sign = self.pick(("+", "-"))
            return f"{a.name} {sign} {b.name} {op} {self.pick(INT_VALUES)}"
        if roll == 4:
            a = self.of(USABLE, FieldType.DATE)
            return f'{a.name} - {self.pick((1, 30))} {op} "{self.pick(DATES).isoformat()}"'
        if roll == 5:
            kind = self.pick(("starts with", "ends with", "matches"))
            text = self.pick(PATTERNS if kind == "matches" else PREFIXES)
            return f'traveler.visa_category {kind} "{text}"'
        if roll == 6:
            body = " and ".join(
                self.simple(COMPANION)
                if self.rng.random() < 0.7
                else f"companion.age_years - traveler.age_years {op} {self.pick((0, 20, 40))}"
                for _ in range(self.rng.randint(1, 2))
            )
            word = self.pick(("any companion", "all companions"))
            return f"{word} ({body})"
        if roll == 7:
            parts = [self.simple(USABLE) for _ in range(self.rng.randint(2, 3))]
            n = self.rng.randint(1, len(parts))
            return f"at least {n} of ({', '.join(parts)})"
        aggregate: OracleAggregate = self.pick(AGGREGATES)
        if aggregate.kind == "count":
            return f"flight.{aggregate.name} {op} {self.pick((0, 1, 2))}"
        return (
            f"flight.{aggregate.name}"
            if self.rng.random() < 0.7
            else f"flight.{aggregate.name} is unknown"
        )

    def condition(self, depth: int = MAX_DEPTH) -> str:
        if depth == 0 or self.rng.randrange(4) == 0:
            return self.derived() if self.rng.random() < 0.45 else self.simple(USABLE)
        kind = self.pick(("and", "or", "not"))
        if kind == "not":
            return f"not ({self.condition(depth - 1)})"
        parts = [f"({self.condition(depth - 1)})" for _ in range(self.rng.randint(2, 3))]
        return f" {kind} ".join(parts)

    def value(self, field: Field) -> FactValue:
        if field.type is FieldType.LIST:
            if self.rng.random() < 0.2:
                return []
            pool = field.values or COUNTRIES
            return [str(self.pick(pool)) for _ in range(self.rng.randint(1, 3))]
        if field.values:
            return self.pick(field.values)
        if field.domain == "airport":
            return self.pick(AIRPORTS)
        if field.type is FieldType.INT:
            return self.pick(INT_VALUES)
        if field.type is FieldType.FLOAT:
            return self.pick(FLOAT_VALUES)
        if field.type is FieldType.DATE:
            return self.pick(DATES).toordinal()
        if field.type is FieldType.BOOL:
            return self.rng.random() < 0.5
        return self.pick(TEXT_VALUES)

    def record(self) -> Record:
        record: Record = {}
        for field in USABLE:
            roll = self.rng.random()
            if roll < 0.3:
                if roll < 0.15:
                    record[field.name] = None
                continue
            record[field.name] = self.value(field)
        for key in ("booking.purchaser", "booking.contact"):
            if self.rng.random() < 0.8:
                record[key] = self.pick(("p1", "p2"))
        companions = self.rng.randint(0, 3)
        record["companion.on_flight"] = [self.pick(("true", "false")) for _ in range(companions)]
        record["companion.age_years"] = [
            self.pick(("", "9", "30", "60")) for _ in range(companions)
        ]
        record["companion.is_minor"] = [self.pick(("", "true", "false")) for _ in range(companions)]
        record["companion.relationship"] = [
            self.pick(("", "parent", "none", "sibling")) for _ in range(companions)
        ]
        return record


def _rule(index: int, text: str, condition: ast.Condition) -> Rule:
    return Rule(
        id=f"gen-{index}",
        title=f"generated rule {index}",
        typology=TYPOLOGY,
        weight=1.0,
        mode=Mode.ENFORCE,
        refer_priority=False,
        rationale="generated",
        source="generated",
        when=text,
        condition=condition,
        when_source=ExpressionSource("<generated>", 1, 1),
        examples_refer=(),
        examples_pass=(),
        location=WHERE,
    )


def build_pack(texts: Sequence[str]) -> tuple[Pack, dict[str, ast.Condition]]:
    parsed = {f"gen-{i}": parse_condition(text) for i, text in enumerate(texts)}
    rules = tuple(_rule(i, text, parsed[f"gen-{i}"]) for i, text in enumerate(texts))
    aggregates = tuple(
        Aggregate(
            a.name,
            a.kind,
            a.condition,
            "",
            ExpressionSource("<generated>", 1, 1),
            a.same,
            "",
            WHERE,
        )
        for a in AGGREGATES
    )
    info = PackInfo(
        name="differential",
        version="0",
        interview_threshold=1.0,
        priority_threshold=2.0,
        typologies=MappingProxyType({TYPOLOGY: Typology(TYPOLOGY, "Generated")}),
        location=WHERE,
        aggregates=aggregates,
    )
    digest = hashlib.sha256("\n".join(texts).encode()).hexdigest()
    return Pack(info=info, rules=rules, content_hash=digest, directory="<memory>"), parsed


@dataclass
class Tally:
    cases: int = 0
    fired: int = 0
    refused: int = 0
    unsatisfiable: int = 0
    unknown: int = 0


def run_pack(texts: Sequence[str], flight: list[Record], tally: Tally) -> list[str]:
    pack, parsed = build_pack(texts)
    sink = ErrorSink()
    checked = check_pack(pack, sink)
    assert all(e.code == E_UNSATISFIABLE for e in sink.errors), [str(e) for e in sink.errors]
    problems: list[str] = []
    for error in sink.errors:
        tally.unsatisfiable += 1
        condition = parsed[error.rule_id]
        fired = [r for r in flight if holds(condition, r, flight, AGGREGATES)]
        if fired:
            problems.append(f"refused as unsatisfiable but true on a record: {condition}")
    compiled: CompiledPack = compile_pack(checked, sink)
    assert all(e.code in (E_UNSATISFIABLE, E_LIMIT) for e in sink.errors)
    tally.refused += len(checked.rules) - len(compiled.rules)
    copies = [dict(r) for r in flight]
    facts = facts_of(copies, compiled)
    engine = Engine(compiled.engine_spec)
    try:
        verdicts = engine.evaluate(facts)
    finally:
        engine.close()
    for compiled_rule in compiled.rules:
        condition = parsed[compiled_rule.rule.id]
        for position, record in enumerate(flight):
            expected = holds(condition, record, flight, AGGREGATES)
            got = compiled_rule.index in verdicts[position]
            tally.cases += 1
            tally.fired += expected
            if got != expected:
                problems.append(
                    f"when: {compiled_rule.rule.when}\n  engine: {got} oracle: {expected}\n"
                    f"  record: { {k: v for k, v in record.items() if v is not None} }\n"
                    f"  pattern: {json.dumps(compiled_rule.pattern)}"
                )
    return problems


def test_corpus_agrees_with_oracle() -> None:
    rng = random.Random(20261130)
    generator = Generator(rng)
    tally = Tally()
    problems: list[str] = []
    for start in range(0, len(CORPUS), RULES_PER_PACK):
        for _ in range(6):
            flight = [generator.record() for _ in range(MAX_RECORDS)]
            problems += run_pack(CORPUS[start : start + RULES_PER_PACK], flight, tally)
    assert problems == [], "\n".join(dict.fromkeys(problems))
    assert tally.fired > 0


@pytest.mark.parametrize("unused", [0])
def test_random_rules_agree_with_oracle(unused: int) -> None:
    seed = int(os.environ.get("DIFFERENTIAL_SEED", time.time_ns() % 2**32))
    print(f"differential seed: {seed} (DIFFERENTIAL_SEED={seed} replays this run)")
    generator = Generator(random.Random(seed))
    tally = Tally()
    problems: list[str] = []
    for _ in range(PACKS):
        texts = [generator.condition() for _ in range(RULES_PER_PACK)]
        flight = [
            generator.record() for _ in range(generator.rng.randint(MIN_RECORDS, MAX_RECORDS))
        ]
        problems += run_pack(texts, flight, tally)
    SUMMARY.append(
        f"differential (seed {seed}): {tally.cases} cases, {tally.fired} fired, "
        f"{tally.unsatisfiable} unsatisfiable and {tally.refused} over-budget rules refused"
    )
    assert problems == [], f"seed {seed}:\n" + "\n".join(dict.fromkeys(problems))
    assert tally.cases >= MIN_CASES
    assert 0.05 < tally.fired / tally.cases < 0.9
