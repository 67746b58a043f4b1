"""Evidence phrased for the desk: units, booleans, enum words and unknown (hand-written)."""

from __future__ import annotations

import pytest

from screening_service.pipeline.phrase import phrase, unit


@pytest.mark.parametrize(
    ("name", "shown", "known", "expected"),
    [
        ("booking.hours_before_departure", "6", True, "booked 6 hours before departure"),
        ("booking.hours_before_departure", "1", True, "booked 1 hour before departure"),
        ("document.days_since_issue", "12", True, "document issued 12 days before departure"),
        ("traveler.is_minor", "true", True, "a minor (under 18)"),
        ("booking.purchaser_on_flight", "false", True, "the purchaser is not on this flight"),
        ("booking.ticket_type", "one_way", True, "one way ticket"),
        ("itinerary.circuity", "2.4", True, "route 2.4 times the direct distance"),
        (
            "booking.checked_bags",
            "unknown",
            False,
            "Checked bags on the booking: not in the record",
        ),
        ("itinerary.origin", "YYZ", True, "IATA code of the first origin airport: YYZ"),
    ],
)
def test_phrase(name: str, shown: str, known: bool, expected: str) -> None:
    assert expected == phrase(name, shown, known)


def test_a_declared_aggregate_reads_its_own_description() -> None:
    assert "Minors flying alone on this flight: 3" == phrase(
        "flight.minors_alone", "3", True, "Minors flying alone on this flight"
    )
    assert "" == unit("flight.minors_alone")
    assert "hours" == unit("booking.hours_before_departure")
