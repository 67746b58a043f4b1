"""Enrich -> history: the flight's travel events recorded, each traveler's counts read back.

One call per manifest (one batched read, one transaction of writes). Every
identifier becomes a keyed pseudonym before it reaches the store: the
traveler's identity (name and date of birth), the document number, the
purchaser and the contact. The event time is the flight's first departure,
so a replay computes what the live service did. A traveler whose flight
cannot be named (no carrier, number or departure anywhere) has no history:
its `history.*` fields stay unknown, never zero.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from screening_service.history import (
    HISTORY_FIELDS,
    FlightEvents,
    FlightKey,
    HistoryStore,
    HistoryUnavailable,
    TravelEvent,
    document_pseudonym,
    identity_pseudonym,
)
from screening_service.pipeline.enrich import ADULT_AGE, local_date
from screening_service.pipeline.records import Flight, Traveler
from screening_service.pseudonyms import IdentifierKind, PseudonymKey
from screening_service.values import Record

PREFIX: Final = "history."
FIELDS: Final = tuple(PREFIX + name for name in HISTORY_FIELDS)
# Read once per process: an enum member's lookup is a metaclass call, twice per traveler.
PAYER: Final = IdentifierKind.PAYER
OTHER: Final = IdentifierKind.OTHER
NO_COMPANIONS: Final[frozenset[str]] = frozenset()
# Declared ties that make an adult family, not an "unrelated adult" for a minor.
FAMILY: Final = frozenset({"parent", "legal_guardian", "sibling", "other_relative", "spouse"})


class HistoryFailed(RuntimeError):
    """The history store is unreachable and the service fails closed (the default)."""


@dataclass(frozen=True)
class HistoryOptions:
    store: HistoryStore
    key: PseudonymKey
    # True: a store failure leaves history fields unknown (and says so); False: the call fails.
    degraded_unknown: bool = False
    # The document's pseudonym is kept only so that `forget` can find a traveler by it;
    # a store that is thrown away afterwards (replay's) does without.
    documents: bool = True


def _flight_key(
    flight: Flight, travelers: Sequence[Traveler]
) -> tuple[FlightKey, dt.datetime] | None:
    """The flight's key and its event time (first departure), from the manifest or a segment."""
    first = next((t.segments[0] for t in travelers if t.segments), None)
    carrier = flight.carrier or (first.carrier if first else None)
    number = flight.flight_number or (first.flight_number if first else None)
    departs = flight.scheduled_departure or (first.departure if first else None)
    origin = flight.origin or (first.origin if first else "")
    if not carrier or not number or departs is None:
        return None
    return FlightKey(carrier, number, local_date(departs, origin or "")), departs


def _events(
    travelers: Sequence[Traveler], records: Sequence[Record], key: PseudonymKey, documents: bool
) -> list[TravelEvent | None]:
    identities = [
        identity_pseudonym(key, t.surname, t.given_names, t.date_of_birth) for t in travelers
    ]
    position = {t.traveler_id: n for n, t in enumerate(travelers)}
    adult = [isinstance(a := r.get("traveler.age_years"), int) and a >= ADULT_AGE for r in records]
    by_contact: dict[str, list[int]] = {}
    for n, t in enumerate(travelers):
        if t.booking is not None and t.booking.contact_id:
            by_contact.setdefault(t.booking.contact_id, []).append(n)
    events: list[TravelEvent | None] = []
    for n, (t, record) in enumerate(zip(travelers, records, strict=True)):
        identity = identities[n]
        if identity is None:
            events.append(None)
            continue
        b = t.booking
        minor = record.get("traveler.is_minor") is True
        companions: set[str] = set()
        if minor:
            family = {c.traveler_id for c in t.companions if c.relationship in FAMILY}
            others = [position[c.traveler_id] for c in t.companions if c.traveler_id in position]
            if b is not None and b.contact_id:
                others += by_contact[b.contact_id]
            companions = {
                other_identity
                for m in others
                if m != n
                and adult[m]
                and travelers[m].traveler_id not in family
                and (other_identity := identities[m]) is not None
            }
        events.append(
            TravelEvent(
                traveler=identity,
                document=(
                    document_pseudonym(key, t.document.number)
                    if documents and t.document is not None and t.document.number
                    else None
                ),
                purchaser=(
                    key.pseudonym(PAYER, b.purchaser_id) or None
                    if b is not None and b.purchaser_id
                    else None
                ),
                purchaser_travels=record.get("booking.purchaser_on_flight") is True,
                contact=(
                    key.pseudonym(OTHER, b.contact_id) or None
                    if b is not None and b.contact_id
                    else None
                ),
                minor=minor,
                companions=frozenset(companions) if companions else NO_COMPANIONS,
            )
        )
    return events


def _flight_events(
    flight: Flight, travelers: Sequence[Traveler], events: Sequence[TravelEvent | None]
) -> FlightEvents | None:
    keyed = _flight_key(flight, travelers)
    if keyed is None:
        return None
    flight_key, departs = keyed
    unique = {e.traveler: e for e in events if e is not None}  # one person listed twice: once
    if not unique:
        return None
    return FlightEvents(flight_key, departs, tuple(unique.values()))


def flight_events(
    options: HistoryOptions,
    flight: Flight,
    travelers: Sequence[Traveler],
    records: Sequence[Record],
) -> FlightEvents | None:
    """What the flight adds to the history (None: nothing, its flight cannot be named);
    `add_history` records it, replay's first pass collects it."""
    return _flight_events(
        flight, travelers, _events(travelers, records, options.key, options.documents)
    )


def add_history(
    options: HistoryOptions,
    flight: Flight,
    travelers: Sequence[Traveler],
    records: Sequence[Record],
) -> bool:
    """Record the flight and write each traveler's `history.*` fields into ``records``.

    Returns False when the store failed and the options say to go on with
    history unknown; raises `HistoryFailed` when they say to fail closed.
    """
    events = _events(travelers, records, options.key, options.documents)
    flight_events = _flight_events(flight, travelers, events)
    if flight_events is None:
        return True
    try:
        counts = options.store.record_and_count(flight_events)
    except HistoryUnavailable as error:
        if options.degraded_unknown:
            return False
        raise HistoryFailed(str(error)) from error
    by_traveler = {c.traveler: c for c in counts}
    for record, event in zip(records, events, strict=True):
        if event is not None:
            record.update(zip(FIELDS, by_traveler[event.traveler].values(), strict=True))
    return True
