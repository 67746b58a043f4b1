"""Shadow rules are evaluated, returned, counted and logged; they never change a referral."""

from __future__ import annotations

import datetime as dt

from prometheus_client import REGISTRY

from screening_service.proto import pb, pb_grpc
from tests.factories import DEPARTURE, traveler, ts


def minor_with_long_layover() -> pb.Traveler:
    t = traveler("T-SHADOW", age=15)
    first = t.itinerary.segments[0]
    second = t.itinerary.segments.add(
        carrier="AA", flight_number="100", origin="JFK", destination="LAX"
    )
    second.departure_time.CopyFrom(ts(DEPARTURE + dt.timedelta(hours=10)))
    second.arrival_time.CopyFrom(ts(DEPARTURE + dt.timedelta(hours=16)))
    assert first.destination == "JFK"
    return t


def shadow_hits() -> float:
    value = REGISTRY.get_sample_value(
        "screening_rule_hits_total",
        {"rule_id": "outbound-minor-long-layover-alone", "mode": "shadow"},
    )
    return value or 0.0


def test_shadow_rule_is_reported_and_counted_but_changes_nothing(
    stub: pb_grpc.ScreeningServiceStub,
) -> None:
    before = shadow_hits()
    decision = stub.Screen(pb.ScreenRequest(traveler=minor_with_long_layover())).decision

    assert [i.rule_id for i in decision.shadow_indicators] == ["outbound-minor-long-layover-alone"]
    evidence = {e.field: e.value for e in decision.shadow_indicators[0].evidence}
    assert evidence["itinerary.max_layover_hours"] == "8.25"
    assert [i.rule_id for i in decision.indicators] == ["minor-without-parent-or-guardian"]
    assert decision.score == 15.0  # minor-without-parent-or-guardian
    assert decision.referral == pb.REFERRAL_NONE
    assert shadow_hits() == before + 1
