"""The default pack meets the product's policy for indicators."""

from __future__ import annotations

from screening_service.catalog import OBSERVATION_CODE_VALUES, PROTECTED_FIELDS
from screening_service.rules.build import compile_directory
from screening_service.rules.condition_ast import fields_read
from tests.conftest import BUNDLED_RULES


def test_pack_has_at_least_20_documented_indicators_with_both_kinds_of_examples() -> None:
    compiled = compile_directory(BUNDLED_RULES)
    rules = [c.rule for c in compiled.rules]
    assert len([r for r in rules if r.enforced]) >= 20
    for rule in rules:
        assert len(rule.source.split()) >= 4, rule.id
        assert len(rule.rationale.split()) >= 10, rule.id
        assert rule.examples_refer, rule.id
        assert rule.examples_pass, rule.id


# Issue 15: a single report of a core behavioural indicator refers on its own,
# and so do the combinations and specific patterns listed here; nothing else.
REFERS_ALONE = {
    "observation-does-not-speak-for-self",
    "observation-unaware-of-destination",
    "observation-signs-of-control-or-fear",
    "observation-scripted-answers",
    "observation-minor-not-related-to-adult",
    "third-party-cash-one-way-last-minute",
    "household-worker-visa-employer-paid",
    "lookout-weak-match",
    # A pattern across flights that no lawful traveler shares by accident (issue 18).
    # (minor-with-many-unrelated-adults is in shadow: one team trip with three chaperones
    # reached it.)
    "purchaser-buys-for-many-across-flights",
}


def test_only_the_listed_indicators_refer_alone_without_saying_priority() -> None:
    compiled = compile_directory(BUNDLED_RULES)
    threshold = compiled.pack.info.interview_threshold
    alone = {
        c.rule.id
        for c in compiled.rules
        if c.rule.enforced and not c.rule.refer_priority and c.rule.weight >= threshold
    }
    assert REFERS_ALONE == alone


def test_no_indicator_reads_a_protected_attribute() -> None:
    compiled = compile_directory(BUNDLED_RULES)
    readers = [
        c.rule.id for c in compiled.rules if set(fields_read(c.rule.condition)) & PROTECTED_FIELDS
    ]
    assert readers == []


def test_the_pack_covers_child_sex_and_labor_trafficking() -> None:
    compiled = compile_directory(BUNDLED_RULES)
    typologies = {c.rule.typology for c in compiled.rules}
    assert {"child_trafficking", "sex_trafficking", "labor_trafficking"} <= typologies


def test_every_observation_code_has_an_indicator() -> None:
    compiled = compile_directory(BUNDLED_RULES)
    text = " ".join(c.rule.when for c in compiled.rules)
    assert [code for code in OBSERVATION_CODE_VALUES if f'"{code}"' not in text] == []
