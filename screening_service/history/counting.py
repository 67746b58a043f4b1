"""What both backends write and read for one flight, apart from SQL dialect.

`rows` turns a flight into the rows to upsert (sorted, so that two replicas
writing the same flight lock rows in the same order and cannot deadlock);
`CountQuery` holds the keys and window bounds of the one read; `assemble`
turns that read's result rows into one `HistoryCounts` per traveler.

The read returns rows ``(kind, key, count, minors)`` where kind is one of
the `Kind` values below and ``key`` the pseudonym counted by.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass

from screening_service.history.model import (
    COMPANION_WINDOW,
    CONTACT_WINDOW,
    PURCHASER_WINDOW,
    TRAVELER_WINDOW,
    FlightEvents,
    HistoryCounts,
    epoch_seconds,
)

EventRow = tuple[str, str, int, str | None, str | None, bool, str | None, bool]
CompanionRow = tuple[str, str, str, int]


class Kind(enum.IntEnum):
    PURCHASER = 0
    CONTACT = 1
    TRAVELER = 2
    COMPANIONS = 3


# Plain ints, read once: an enum member's lookup is a metaclass call.
PURCHASER, CONTACT, TRAVELER, COMPANIONS = (int(kind) for kind in Kind)


@dataclass(frozen=True)
class FlightRows:
    flight_key: str
    travelers: list[str]
    events: list[EventRow]
    companions: list[CompanionRow]


def rows(flight: FlightEvents) -> FlightRows:
    key = str(flight.flight)
    at = epoch_seconds(flight.event_time)
    ordered = sorted(flight.events, key=lambda e: e.traveler)
    events = [
        (
            key,
            e.traveler,
            at,
            e.document,
            e.purchaser,
            e.purchaser_travels,
            e.contact,
            e.minor,
        )
        for e in ordered
    ]
    companions = [
        (key, e.traveler, companion, at)
        for e in ordered
        if e.minor
        for companion in sorted(e.companions)
        if companion != e.traveler
    ]
    return FlightRows(key, [e.traveler for e in ordered], events, companions)


@dataclass(frozen=True)
class CountQuery:
    """The keys to count by and the windows, as epoch seconds (bounds inclusive)."""

    purchasers: list[str]
    contacts: list[str]
    travelers: list[str]
    minors: list[str]
    until: int
    purchaser_since: int
    contact_since: int
    traveler_since: int
    companion_since: int

    @classmethod
    def of(cls, flight: FlightEvents) -> CountQuery:
        at = epoch_seconds(flight.event_time)
        events = flight.events
        return cls(
            purchasers=sorted({e.purchaser for e in events if e.purchaser}),
            contacts=sorted({e.contact for e in events if e.contact}),
            travelers=sorted({e.traveler for e in events}),
            minors=sorted({e.traveler for e in events if e.minor}),
            until=at,
            purchaser_since=at - int(PURCHASER_WINDOW.total_seconds()),
            contact_since=at - int(CONTACT_WINDOW.total_seconds()),
            traveler_since=at - int(TRAVELER_WINDOW.total_seconds()),
            companion_since=at - int(COMPANION_WINDOW.total_seconds()),
        )


def assemble(
    flight: FlightEvents, result: Iterable[tuple[int, str, int, int | None]]
) -> list[HistoryCounts]:
    """One `HistoryCounts` per event of ``flight``, in its order.

    The flight's own rows were written before the read, so every key given
    has at least this flight in its window; a key missing from the result
    can only be a minor's companions (none at all), which count as zero.
    """
    found: dict[tuple[int, str], tuple[int, int]] = {
        (kind, key): (count, minors or 0) for kind, key, count, minors in result
    }
    none = (None, None)
    zero = (0, 0)
    counts: list[HistoryCounts] = []
    for e in flight.events:
        purchaser = none if e.purchaser is None else found.get((PURCHASER, e.purchaser), zero)
        contact = none if e.contact is None else found.get((CONTACT, e.contact), zero)
        companions = found.get((COMPANIONS, e.traveler), zero) if e.minor else none
        counts.append(
            HistoryCounts(
                e.traveler,
                purchaser[0],
                purchaser[1],
                contact[0],
                found.get((TRAVELER, e.traveler), zero)[0],
                companions[0],
            )
        )
    return counts
