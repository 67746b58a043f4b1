"""Travel history data: what one screened flight adds, and what rules read back.

Every identifier here is a keyed pseudonym (`screening_service.pseudonyms`),
computed by the caller: the store never sees a name, a date of birth or a
document number. The event time is the flight's first departure, never the
wall-clock time of screening, so that a replay of the same traffic computes
the same counts as the live service did.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Final, NamedTuple

PURCHASER_WINDOW: Final = timedelta(days=30)
CONTACT_WINDOW: Final = timedelta(days=30)
TRAVELER_WINDOW: Final = timedelta(days=30)
COMPANION_WINDOW: Final = timedelta(days=90)
LONGEST_WINDOW: Final = max(PURCHASER_WINDOW, CONTACT_WINDOW, TRAVELER_WINDOW, COMPANION_WINDOW)

DEFAULT_RETENTION_DAYS: Final = 180
"""The EU PNR directive's horizon (Directive (EU) 2016/681, art. 12(2)):
after six months PNR data are depersonalised; the history keeps no longer."""


def epoch_seconds(moment: datetime) -> int:
    """Whole seconds since 1970-01-01 UTC; a naive datetime is a caller's bug."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("history event times must be timezone-aware (UTC)")
    return int(moment.timestamp())


def from_epoch_seconds(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, tz=UTC)


@dataclass(frozen=True)
class FlightKey:
    """One operated flight: the unit that makes a screening idempotent."""

    carrier: str
    flight_number: str
    departure_date: date

    def __str__(self) -> str:
        """The stored form: "AC 750/2026-12-01" (carrier upper case, no leading zeros)."""
        number = self.flight_number.strip().upper().lstrip("0") or "0"
        return f"{self.carrier.strip().upper()} {number}/{self.departure_date.isoformat()}"


@dataclass(frozen=True, slots=True)
class TravelEvent:
    """One traveler on one flight, as pseudonyms.

    ``companions`` are the identity pseudonyms of the unrelated adults who
    travel with this traveler (same booking without a declared family tie,
    or sharing the booking contact).
    """

    traveler: str
    document: str | None = None
    purchaser: str | None = None
    purchaser_travels: bool = False
    contact: str | None = None
    minor: bool = False
    companions: frozenset[str] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        if not self.traveler:
            raise ValueError("a travel event needs the traveler's identity pseudonym")
        if "" in (self.document, self.purchaser, self.contact):
            name = ("document", "purchaser", "contact")[
                (self.document, self.purchaser, self.contact).index("")
            ]
            raise ValueError(f"an empty {name} pseudonym must be None (unknown)")


@dataclass(frozen=True)
class FlightEvents:
    """Everything one screened manifest adds to the history."""

    flight: FlightKey
    event_time: datetime
    events: tuple[TravelEvent, ...]

    def __post_init__(self) -> None:
        epoch_seconds(self.event_time)
        if len({event.traveler for event in self.events}) != len(self.events):
            raise ValueError(f"traveler listed twice on flight {self.flight}")


class HistoryCounts(NamedTuple):
    """The history of one traveler as rules read it (``history.<name>``).

    Each count covers a window that ends at this flight's departure and
    includes this flight. None means unknown: the key it counts by (the
    purchaser, the contact) was not given, or the field does not apply (a
    companion count for an adult). It is never a silent zero.

    A named tuple rather than a frozen dataclass: one is built per traveler
    screened, and a frozen dataclass costs four times as much to build.
    """

    traveler: str
    purchaser_travelers_30d: int | None
    purchaser_minors_30d: int | None
    contact_travelers_30d: int | None
    traveler_flights_30d: int
    minor_adult_companions_90d: int | None

    def values(self) -> tuple[int | None, ...]:
        """The rule fields' values, in `HISTORY_FIELDS` order."""
        return self[1:]

    def fields(self) -> Mapping[str, int | None]:
        """The rule fields, without the ``history.`` prefix."""
        return dict(zip(HISTORY_FIELDS, self[1:], strict=True))


HISTORY_FIELDS: Final = HistoryCounts._fields[1:]
"""The rule fields' names, without the ``history.`` prefix."""


@dataclass(frozen=True)
class HistoryStats:
    """The store's size and span, with no personal data."""

    backend: str
    schema_version: int
    events: int
    flights: int
    travelers: int
    companion_links: int
    oldest_event: datetime | None
    newest_event: datetime | None
    size_bytes: int
    retention_days: int
