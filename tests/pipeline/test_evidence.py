"""Evidence, for every bundled rule: the fields the rule reads, with exact values.

For each rule's first `refer` example, the expected evidence is written out
by hand: every field the rule's `when` reads (in the order it reads them), the
value as an officer reads it, and `unknown` for a field the example leaves
out. The example is run through the real pipeline stages (engine, then
decide) so the rule must also fire.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from screening_service.engine.native import Engine
from screening_service.pipeline.decide import UNKNOWN, decide
from screening_service.pipeline.evaluate import facts_of
from screening_service.pipeline.snapshot import Snapshot
from screening_service.rules.build import compile_directory
from screening_service.values import Record
from tests.conftest import BUNDLED_RULES
from tests.rules.packs import rule, write_pack

A = UNKNOWN
EXPECTED: dict[str, list[tuple[str, str]]] = {
    "purchaser-buys-for-many-across-flights": [
        ("booking.purchaser_on_flight", "false"),
        ("history.purchaser_travelers_30d", "9"),
        ("flight.same_purchaser_count", "3"),
        ("history.contact_travelers_30d", A),
        ("flight.same_contact_count", A),
    ],
    "minor-with-many-unrelated-adults": [
        ("traveler.is_minor", "true"),
        ("history.minor_adult_companions_90d", "3"),
        ("history.traveler_flights_30d", "2"),
    ],
    "third-party-purchase": [
        ("booking.purchaser_is_traveler", "false"),
        ("booking.purchaser_on_flight", "false"),
    ],
    "cash-payment": [("booking.payment_form", "cash")],
    "last-minute-booking": [("booking.hours_before_departure", "6")],
    "one-way-ticket": [("booking.ticket_type", "one_way")],
    "third-party-cash-one-way-last-minute": [
        ("booking.purchaser_is_traveler", "false"),
        ("booking.purchaser_on_flight", "false"),
        ("booking.payment_form", "cash"),
        ("booking.ticket_type", "one_way"),
        ("booking.hours_before_departure", "10"),
    ],
    "recently-issued-document": [("document.days_since_issue", "12")],
    "recent-document-third-party-one-way": [
        ("document.days_since_issue", "10"),
        ("booking.ticket_type", "one_way"),
        ("booking.purchaser_is_traveler", "false"),
        ("booking.purchaser_on_flight", "false"),
    ],
    "young-group-one-absent-purchaser": [
        ("traveler.age_years", "20"),
        ("flight.same_purchaser_under_25", "4"),
        ("booking.purchaser_on_flight", "false"),
    ],
    "shared-contact-across-bookings": [
        ("flight.same_contact_bookings", "2"),
        ("flight.same_contact_unrelated_adults", "1"),
        ("companion.relationship", "none"),
    ],
    "circuitous-routing": [("itinerary.circuity", "2.4"), ("itinerary.segment_count", "3")],
    "no-checked-bags-long-one-way-trip": [
        ("booking.checked_bags", "0"),
        ("booking.ticket_type", "one_way"),
        ("itinerary.total_hours", "14"),
    ],
    "lookout-missing-person": [
        ("lookout.kinds", "missing_person"),
        ("lookout.document_match", A),
        ("lookout.best_score", "97"),
    ],
    "lookout-known-trafficker": [
        ("lookout.kinds", "known_trafficker"),
        ("lookout.document_match", A),
        ("lookout.best_score", "95"),
    ],
    "lookout-weak-match": [
        ("lookout.kinds", "missing_person"),
        ("lookout.best_score", "90"),
        ("lookout.document_match", "false"),
    ],
    "minor-alone-one-way-no-bags-or-short-notice": [
        ("traveler.is_minor", "true"),
        ("booking.has_parent_or_guardian", "false"),
        ("booking.ticket_type", "one_way"),
        ("booking.purchaser_is_traveler", "false"),
        ("booking.checked_bags", "0"),
        ("booking.hours_before_departure", "400"),
    ],
    "young-adult-alone-one-way-arranged": [
        ("traveler.age_years", "19"),
        ("booking.ticket_type", "one_way"),
        ("booking.purchaser_is_traveler", "false"),
        ("booking.purchaser_on_flight", "false"),
        ("companion.relationship", A),
        ("booking.payment_form", A),
        ("booking.hours_before_departure", "30"),
        ("document.days_since_issue", A),
        ("booking.checked_bags", A),
    ],
    "young-adult-group-absent-purchaser": [
        ("traveler.age_years", "21"),
        ("flight.same_purchaser_under_25", "4"),
        ("booking.purchaser_on_flight", "false"),
        ("booking.minors_in_party", "0"),
        ("companion.relationship", "none, none, none"),
        ("booking.payment_form", "card"),
    ],
    "household-worker-visa-employer-paid": [
        ("traveler.visa_category", "A3"),
        ("booking.purchaser_is_traveler", "false"),
        ("booking.purchaser_on_flight", "true"),
    ],
    "lookout-other-list": [("lookout.kinds", "other")],
    "minor-without-parent-or-guardian": [
        ("traveler.is_minor", "true"),
        ("booking.has_parent_or_guardian", "false"),
    ],
    "minor-third-party-cash-last-minute": [
        ("traveler.is_minor", "true"),
        ("booking.purchaser_is_traveler", "false"),
        ("booking.purchaser_on_flight", "false"),
        ("booking.payment_form", "cash"),
        ("booking.hours_before_departure", "6"),
    ],
    "several-minors-one-absent-purchaser": [
        ("traveler.is_minor", "true"),
        ("flight.same_purchaser_minors", "3"),
        ("booking.purchaser_on_flight", "false"),
    ],
    "minor-shares-contact-with-unrelated-adult": [
        ("traveler.is_minor", "true"),
        ("booking.has_parent_or_guardian", "false"),
        ("flight.same_contact_unrelated_adults", "1"),
    ],
    "observation-documents-held-by-other": [("observations.codes", "documents_held_by_other")],
    "observation-does-not-speak-for-self": [("observations.codes", "does_not_speak_for_self")],
    "observation-unaware-of-destination": [("observations.codes", "unaware_of_destination")],
    "observation-signs-of-control-or-fear": [("observations.codes", "signs_of_control_or_fear")],
    "observation-scripted-answers": [("observations.codes", "scripted_answers")],
    "observation-minor-not-related-to-adult": [
        ("observations.codes", "minor_not_related_to_adult")
    ],
    "observation-other": [("observations.codes", "other")],
    "observation-several-reports": [("observations.count", "2")],
    "outbound-minor-third-party-one-way": [
        ("traveler.direction", "outbound"),
        ("traveler.is_minor", "true"),
        ("booking.ticket_type", "one_way"),
        ("booking.purchaser_is_traveler", "false"),
        ("booking.purchaser_on_flight", "false"),
    ],
    "outbound-young-adult-recruited-abroad": [
        ("traveler.direction", "outbound"),
        ("traveler.age_years", "20"),
        ("booking.ticket_type", "one_way"),
        ("booking.purchaser_is_traveler", "false"),
        ("booking.hours_before_departure", "30"),
    ],
    "outbound-minor-long-layover-alone": [
        ("traveler.is_minor", "true"),
        ("booking.has_parent_or_guardian", "false"),
        ("itinerary.max_layover_hours", "9"),
    ],
}
# A second example whose evidence differs in kind: a field left out, a list of two.
EXPECTED_SECOND: dict[str, list[tuple[str, str]]] = {
    "last-minute-booking": [("booking.hours_before_departure", "23.5")],
    "observation-documents-held-by-other": [
        ("observations.codes", "scripted_answers, documents_held_by_other")
    ],
}


@pytest.fixture(scope="module")
def snapshot() -> Iterator[Snapshot]:
    compiled = compile_directory(BUNDLED_RULES)
    engine = Engine(compiled.engine_spec)
    yield Snapshot(compiled, engine, dt.datetime(2026, 11, 1, tzinfo=dt.UTC))
    engine.close()


def evidence_of(snapshot: Snapshot, rule_id: str, example: int) -> list[tuple[str, str]]:
    compiled = next(c for c in snapshot.compiled.rules if c.rule.id == rule_id)
    values: Record = dict(compiled.rule.examples_refer[example].values)
    fired = snapshot.engine.evaluate(facts_of([values], snapshot.compiled))[0]
    assert compiled.index in fired, f"{rule_id}: its own example did not fire it"
    decision = decide(snapshot, "T-1", values, fired, dt.datetime(2026, 11, 1, tzinfo=dt.UTC))
    hits = [*decision.indicators, *decision.shadow_indicators]
    hit = next(h for h in hits if h.rule_id == rule_id)
    return [(e.field, e.value) for e in hit.evidence]


def test_every_bundled_rule_has_a_hand_written_expectation(snapshot: Snapshot) -> None:
    assert set(EXPECTED) == {c.rule.id for c in snapshot.compiled.rules}


@pytest.mark.parametrize("rule_id", sorted(EXPECTED))
def test_evidence_of_the_first_refer_example(snapshot: Snapshot, rule_id: str) -> None:
    assert EXPECTED[rule_id] == evidence_of(snapshot, rule_id, 0)


@pytest.mark.parametrize("rule_id", sorted(EXPECTED_SECOND))
def test_evidence_of_the_second_refer_example(snapshot: Snapshot, rule_id: str) -> None:
    assert EXPECTED_SECOND[rule_id] == evidence_of(snapshot, rule_id, 1)


def test_a_field_the_record_lacks_reads_unknown(tmp_path: Path) -> None:
    """An `or` fires on one known branch; the other branch's field is shown as unknown."""
    pack = write_pack(
        tmp_path,
        {
            "r.yaml": rule(
                "cash-or-last-minute",
                'booking.payment_form == "cash" or booking.hours_before_departure < 24',
                refer="{booking.payment_form: cash}",
                passing="{booking.payment_form: card, booking.hours_before_departure: 48}",
            )
        },
    )
    compiled = compile_directory(pack)
    engine = Engine(compiled.engine_spec)
    try:
        snapshot = Snapshot(compiled, engine, dt.datetime(2026, 11, 1, tzinfo=dt.UTC))
        assert [
            ("booking.payment_form", "cash"),
            ("booking.hours_before_departure", "unknown"),
        ] == evidence_of(snapshot, "cash-or-last-minute", 0)
    finally:
        engine.close()
