"""Issue 15's two promises about the recalibrated pack, over gRPC against the bundled pack.

Every single crew or officer report of a core behavioural indicator refers on
its own (documents held by another: a priority interview); a child alone on
an ordinary booking does not. Expected referrals and scores are worked out by
hand from the weights in rules/*.yaml and the caps in rules/pack.yaml.
"""

from __future__ import annotations

import pytest

from screening_service.proto import pb, pb_grpc
from tests.factories import DEPARTURE, traveler, ts

CORE = [
    (pb.OBSERVATION_CODE_DOCUMENTS_HELD_BY_OTHER, pb.REFERRAL_PRIORITY_INTERVIEW),
    (pb.OBSERVATION_CODE_DOES_NOT_SPEAK_FOR_SELF, pb.REFERRAL_INTERVIEW),
    (pb.OBSERVATION_CODE_UNAWARE_OF_DESTINATION, pb.REFERRAL_INTERVIEW),
    (pb.OBSERVATION_CODE_SIGNS_OF_CONTROL_OR_FEAR, pb.REFERRAL_INTERVIEW),
    (pb.OBSERVATION_CODE_SCRIPTED_ANSWERS, pb.REFERRAL_INTERVIEW),
    (pb.OBSERVATION_CODE_MINOR_NOT_RELATED_TO_ADULT, pb.REFERRAL_INTERVIEW),
]
SOURCES = [pb.OBSERVATION_SOURCE_CREW, pb.OBSERVATION_SOURCE_OFFICER]


@pytest.mark.parametrize("source", SOURCES, ids=["crew", "officer"])
@pytest.mark.parametrize(
    ("code", "expected"), CORE, ids=[pb.ObservationCode.Name(c) for c, _ in CORE]
)
def test_a_single_report_of_a_core_indicator_refers_on_its_own(
    stub: pb_grpc.ScreeningServiceStub,
    code: pb.ObservationCode.ValueType,
    expected: pb.Referral.ValueType,
    source: pb.ObservationSource.ValueType,
) -> None:
    # An ordinary adult (round trip, card, bought a month ahead) with one report.
    report = pb.Observation(code=code, source=source, reported_at=ts(DEPARTURE))
    request = pb.ScreenRequest(traveler=traveler("T-REPORTED", observations=[report]))

    decision = stub.Screen(request, timeout=10).decision

    assert expected == decision.referral
    assert 1 == len(decision.indicators)


def test_a_ten_year_old_alone_on_an_ordinary_booking_is_not_referred(
    stub: pb_grpc.ScreeningServiceStub,
) -> None:
    # Round trip, card, bought 40 days ahead by a third party who does not travel.
    child = traveler(
        "T-CHILD",
        age=10,
        hours_before=40 * 24,
        ticket=pb.TICKET_TYPE_ROUND_TRIP,
        payment=pb.PAYMENT_FORM_CARD,
        purchaser_is_traveler=False,
        purchaser_id="purchaser-hash-0010",
    )

    decision = stub.Screen(pb.ScreenRequest(traveler=child), timeout=10).decision

    assert pb.REFERRAL_NONE == decision.referral
    # minor-without-parent-or-guardian 15 + third-party-purchase 15.
    assert {"minor-without-parent-or-guardian", "third-party-purchase"} == {
        i.rule_id for i in decision.indicators
    }
    assert 30.0 == decision.score
