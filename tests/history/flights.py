"""Synthetic flights for the history tests: fictional pseudonyms, fixed times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from screening_service.history.model import FlightEvents, FlightKey, TravelEvent

DAY0 = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)


def at(days: float) -> datetime:
    """``days`` after DAY0 (negative: before)."""
    return DAY0 + timedelta(days=days)


def flight(number: str, when: datetime, *events: TravelEvent, carrier: str = "ZZ") -> FlightEvents:
    return FlightEvents(FlightKey(carrier, number, when.date()), when, tuple(events))


def bought_by(purchaser: str, *travelers: str, minor: bool = False) -> tuple[TravelEvent, ...]:
    """Travelers on tickets bought by ``purchaser`` (who does not travel)."""
    return tuple(TravelEvent(t, purchaser=purchaser, minor=minor) for t in travelers)
