"""Decisions an officer can act on, over gRPC against the real server and the bundled pack.

Expected values are written by hand from the bundled rule files and pack.yaml.
"""

from __future__ import annotations

import datetime as dt

from screening_service.proto import pb, pb_grpc
from tests.factories import DEPARTURE, interview_adult, lone_minor_cash_last_minute, manifest, ts
from tests.factories import traveler as make_traveler

NOTE = "adult in 14C held both passports"
REPORTED = DEPARTURE - dt.timedelta(minutes=40)


def _indicator(decision: pb.Decision, rule_id: str) -> pb.Indicator:
    """The rule's indicator, enforced or (pack 2026.12.1 keeps group rules so) in shadow."""
    found = [*decision.indicators, *decision.shadow_indicators]
    return next(i for i in found if i.rule_id == rule_id)


def test_a_crew_report_comes_back_with_its_note_source_time_and_guidance(
    stub: pb_grpc.ScreeningServiceStub,
) -> None:
    report = pb.Observation(
        code=pb.OBSERVATION_CODE_DOCUMENTS_HELD_BY_OTHER,
        source=pb.OBSERVATION_SOURCE_CREW,
        reported_at=ts(REPORTED),
        note=NOTE,
    )
    reported = make_traveler("T-CREW", observations=[report])

    decision = stub.Screen(pb.ScreenRequest(traveler=reported)).decision

    indicator = _indicator(decision, "observation-documents-held-by-other")
    assert [report] == list(indicator.observations)
    assert ts(REPORTED) == indicator.observations[0].reported_at
    assert indicator.rationale.startswith("Control of a person's identity documents")
    assert "ICAO Circular 352" in indicator.source
    assert [("observations.codes", "reported: documents held by other", "", False)] == [
        (e.field, e.phrase, e.unit, e.unknown) for e in indicator.evidence
    ]
    assert pb.REFERRAL_PRIORITY_INTERVIEW == decision.referral
    assert pb.ReferralReason.KIND_PRIORITY_RULE == decision.referral_reason.kind
    assert "observation-documents-held-by-other" == decision.referral_reason.rule_id
    assert ["trafficking_general"] == [g.typology for g in decision.guidance]
    items = {(i.kind, i.text): i.source for i in decision.guidance[0].items}
    assert (
        "US Department of State, Identify and Assist a Trafficking Victim"
        == items[
            (pb.GUIDANCE_KIND_QUESTION, "Do you have your passport or identification? Who has it?")
        ]
    )
    assert all(item.source for item in decision.guidance[0].items)


def test_one_absent_purchaser_of_four_young_travelers_names_the_other_three(
    stub: pb_grpc.ScreeningServiceStub,
) -> None:
    young = [
        make_traveler(
            f"T-Y{n}", age=19 + n, purchaser_is_traveler=False, purchaser_id="purchaser-hash-0009"
        )
        for n in range(4)
    ]
    bystander = make_traveler("T-OTHER", purchaser_id="purchaser-hash-0010")
    flight = manifest([young[0], young[1], bystander, young[2], young[3]])

    decisions = stub.ScreenManifest(pb.ScreenManifestRequest(manifest=flight)).decisions

    by_id = {d.traveler_id: d for d in decisions}
    expected = {
        "T-Y0": ["T-Y1", "T-Y2", "T-Y3"],
        "T-Y1": ["T-Y0", "T-Y2", "T-Y3"],
        "T-Y2": ["T-Y0", "T-Y1", "T-Y3"],
        "T-Y3": ["T-Y0", "T-Y1", "T-Y2"],
    }
    for traveler_id, others in expected.items():
        indicator = _indicator(by_id[traveler_id], "young-group-one-absent-purchaser")
        assert others == list(indicator.related_traveler_ids)
        phrases = [e.phrase for e in indicator.evidence]
        assert "4 travelers under 25 on this flight bought by the same purchaser" in phrases
        assert "the purchaser is not on this flight" in phrases
    assert [] == list(by_id["T-OTHER"].indicators)


def test_a_priority_referral_by_rule_and_one_by_threshold_give_different_reasons(
    stub: pb_grpc.ScreeningServiceStub,
) -> None:
    by_rule = stub.Screen(pb.ScreenRequest(traveler=lone_minor_cash_last_minute())).decision
    silent = interview_adult("T-SILENT")
    silent.observations.append(
        pb.Observation(
            code=pb.OBSERVATION_CODE_DOES_NOT_SPEAK_FOR_SELF, source=pb.OBSERVATION_SOURCE_OFFICER
        )
    )
    by_score = stub.Screen(pb.ScreenRequest(traveler=silent)).decision

    assert pb.REFERRAL_PRIORITY_INTERVIEW == by_rule.referral == by_score.referral
    assert (
        pb.ReferralReason.KIND_PRIORITY_RULE,
        "minor-third-party-cash-last-minute",
        0.0,
    ) == (
        by_rule.referral_reason.kind,
        by_rule.referral_reason.rule_id,
        by_rule.referral_reason.threshold,
    )
    assert (pb.ReferralReason.KIND_SCORE_THRESHOLD, "", 100.0, 100.0) == (
        by_score.referral_reason.kind,
        by_score.referral_reason.rule_id,
        by_score.referral_reason.threshold,
        by_score.referral_reason.score,
    )
    assert "score 100 reached the priority interview threshold 100" == by_score.referral_reason.text
    booked = _indicator(by_score, "last-minute-booking").evidence[0]
    assert ("6", "hours", "booked 6 hours before departure", False) == (
        booked.value,
        booked.unit,
        booked.phrase,
        booked.unknown,
    )


def test_no_referral_says_so_and_carries_no_guidance(stub: pb_grpc.ScreeningServiceStub) -> None:
    decision = stub.Screen(pb.ScreenRequest(traveler=make_traveler("T-CALM"))).decision

    assert pb.REFERRAL_NONE == decision.referral
    assert pb.ReferralReason.KIND_NONE == decision.referral_reason.kind
    assert 50.0 == decision.referral_reason.threshold
    assert [] == list(decision.guidance)
