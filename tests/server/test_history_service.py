"""Memory across flights through the real server: counts survive a restart and never double.

Three flights on three days, each with three unrelated travelers whose
tickets one non-travelling purchaser bought: no single flight refers them on
the cross-flight rule; the third flight's travelers are referred with
`history.*` evidence, also after a restart, and screening the same manifest
twice counts it once.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import grpc

from screening_service.proto import pb, pb_grpc
from tests.conftest import BUNDLED_RULES
from tests.factories import traveler, ts
from tests.serving import ServeProcess

RULE = "purchaser-buys-for-many-across-flights"
FIRST_DEPARTURE = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(days=2)


def flight(day: int) -> pb.Manifest:
    """Day ``day``'s flight: three 27-year-olds on their own bookings, one absent purchaser."""
    departs = FIRST_DEPARTURE + dt.timedelta(days=day)
    travelers = []
    for n in range(3):
        t = traveler(
            f"T-D{day}-{n}",
            age=27,
            purchaser_is_traveler=False,
            purchaser_id="purchaser-history-0001",
            record_locator=f"HIST{day}{n}",
            surname=f"TESTPERSON{day}{n}",
            document_number=f"ZZH{day}{n}0001",
        )
        segment = t.itinerary.segments[0]
        segment.flight_number = f"{700 + day}"
        segment.departure_time.CopyFrom(ts(departs))
        segment.arrival_time.CopyFrom(ts(departs + dt.timedelta(hours=2)))
        t.booking.booking_time.CopyFrom(ts(departs - dt.timedelta(days=20)))
        t.date_of_birth = dt.date(departs.year - 27, 3, 14).isoformat()
        travelers.append(t)
    return pb.Manifest(
        carrier="AC",
        flight_number=f"{700 + day}",
        scheduled_departure=ts(departs),
        origin="YYZ",
        destination="JFK",
        travelers=travelers,
    )


def screen(server: ServeProcess, manifest: pb.Manifest) -> list[pb.Decision]:
    with grpc.insecure_channel(server.address) as channel:
        stub = pb_grpc.ScreeningServiceStub(channel)
        request = pb.ScreenManifestRequest(manifest=manifest)
        return list(stub.ScreenManifest(request, timeout=30).decisions)


def cross_flight(decision: pb.Decision) -> dict[str, str] | None:
    for indicator in decision.indicators:
        if indicator.rule_id == RULE:
            return {e.field: e.value for e in indicator.evidence}
    return None


def test_three_flights_one_purchaser_refer_on_the_third(tmp_path: Path) -> None:
    data = tmp_path / "var"
    server = ServeProcess(BUNDLED_RULES, "--data-dir", str(data), "--no-watch")
    try:
        for day in (0, 1):
            decisions = screen(server, flight(day))
            assert [None, None, None] == [cross_flight(d) for d in decisions]
            assert {pb.REFERRAL_NONE} == {d.referral for d in decisions}
        assert server.stop()[0] == 0  # the history outlives the process
        server = ServeProcess(BUNDLED_RULES, "--data-dir", str(data), "--no-watch")
        for _ in range(2):  # the same manifest screened twice counts once
            decisions = screen(server, flight(2))
            evidence = [cross_flight(d) for d in decisions]
            assert (
                3
                * [
                    {
                        "booking.purchaser_on_flight": "false",
                        "history.purchaser_travelers_30d": "9",
                        "flight.same_purchaser_count": "3",
                        "history.contact_travelers_30d": "unknown",
                        "flight.same_contact_count": "unknown",
                    }
                ]
                == evidence
            )
            assert {pb.REFERRAL_INTERVIEW, pb.REFERRAL_PRIORITY_INTERVIEW} >= {
                d.referral for d in decisions
            }
    finally:
        server.kill()
    assert (data / "history.sqlite3").exists()
    database = (data / "history.sqlite3").read_bytes()
    for day in range(3):
        for n in range(3):
            assert f"TESTPERSON{day}{n}".encode() not in database
            assert f"ZZH{day}{n}0001".encode() not in database
    assert b"purchaser-history-0001" not in database


def test_history_none_leaves_history_fields_unknown() -> None:
    server = ServeProcess(BUNDLED_RULES, "--history", "none", "--no-watch")
    try:
        for day in (0, 1, 2):
            decisions = screen(server, flight(day))
            assert [None, None, None] == [cross_flight(d) for d in decisions]
    finally:
        server.kill()
