"""The SQLite store's counting index, kept in memory by each process.

Counting in SQL needed an index per key (traveler, purchaser, contact,
minor), and with pseudonyms for keys every traveler's row landed on a
random page of each: a 300-traveler flight rewrote some 900 pages of the
write-ahead log at every commit, most of what the history added to the
screening cost. The store now keeps, in memory, only what the counts read
(event time, purchaser, contact, minor, a minor's companions: pseudonyms and
numbers, nothing else), and the database keeps every row as before, indexed
only by flight and by the change number, which new rows reach in order.

`Mirror` is the data structure; `SqliteStore` keeps it equal to the
database: it loads it once, and at the start of each write transaction
applies what other processes committed since (rows stamped with a higher
change number), drops what a purge removed, or reloads after a forget.
`Mirror.counts` gives the numbers the SQL count query of the PostgreSQL
store gives (tests/history/test_mirror.py compares them on random flights).

Memory, per process: about 0.7 KB per event kept (725 bytes measured with
tracemalloc over 50,000 synthetic events, each with a purchaser and a
contact), so some 70 MB per 100,000 events of the retention window; a
deployment keeping many millions of events should share a PostgreSQL
database instead, which counts in SQL. Loading reads the whole table once,
at start (``preload``) or at the first flight.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence

from screening_service.history.model import (
    COMPANION_WINDOW,
    CONTACT_WINDOW,
    PURCHASER_WINDOW,
    TRAVELER_WINDOW,
    HistoryCounts,
    TravelEvent,
)

# event time, purchaser, contact, minor
Event = tuple[int, str | None, str | None, bool]
EventKey = tuple[str, str]  # flight key, traveler
PURCHASER_SECONDS = int(PURCHASER_WINDOW.total_seconds())
CONTACT_SECONDS = int(CONTACT_WINDOW.total_seconds())
TRAVELER_SECONDS = int(TRAVELER_WINDOW.total_seconds())
COMPANION_SECONDS = int(COMPANION_WINDOW.total_seconds())
Member = tuple[str, str, int, bool]  # flight key, traveler, event time, minor


class _Table(dict):  # type: ignore[type-arg]
    """A dict the garbage collector leaves in its oldest generation.

    The collector stops tracking a plain dict whose values it finds are all
    atomic (here: tuples of strings and numbers), and the next insert tracks
    it again as a new object: a table of 100,000 events was then traversed
    by the young collections several times per minute of traffic, which cost
    more than the counting. A dict subclass is never untracked, so it stays
    old and only full collections visit it.
    """

    __slots__ = ()


class Mirror:
    """Travel events by the keys the counts read; see the module docstring."""

    def __init__(self) -> None:
        self.clear()

    def clear(self) -> None:
        """Forget everything; ``loaded`` is False until the caller loads it again."""
        self.loaded = False
        self.change = 0
        self.erased = 0
        self.purged_before = 0
        self._events: dict[EventKey, Event] = _Table()
        # Each key's members carry what its count reads, so counting looks nothing up.
        # Tuples, not sets: a key has a few members, and tuples of strings and numbers
        # leave the garbage collector's lists, so a large index costs no collection time.
        self._flights: dict[str, tuple[Member, ...]] = _Table()
        self._purchased: dict[str, tuple[Member, ...]] = _Table()
        self._contacted: dict[str, tuple[Member, ...]] = _Table()
        self._companions: dict[str, dict[tuple[str, str], int]] = _Table()

    def __len__(self) -> int:
        return len(self._events)

    def put_event(
        self,
        flight_key: str,
        traveler: str,
        event_time: int,
        purchaser: str | None,
        contact: str | None,
        minor: bool,
    ) -> None:
        """Add or replace the event of ``traveler`` on ``flight_key``."""
        key = (flight_key, traveler)
        old = self._events.get(key)
        if old is not None:
            self._unindex(key, old)
        minor = bool(minor)
        self._events[key] = (event_time, purchaser, contact, minor)
        member = (flight_key, traveler, event_time, minor)
        _add(self._flights, traveler, member)
        if purchaser is not None:
            _add(self._purchased, purchaser, member)
        if contact is not None:
            _add(self._contacted, contact, member)

    def _unindex(self, key: EventKey, event: Event) -> None:
        _, purchaser, contact, _ = event
        _discard(self._flights, key[1], key)
        if purchaser is not None:
            _discard(self._purchased, purchaser, key)
        if contact is not None:
            _discard(self._contacted, contact, key)

    def has_companions(self, flight_key: str, travelers: list[str]) -> bool:
        """Whether any of ``travelers`` has companion links on ``flight_key``."""
        companions = self._companions
        return any(
            link[0] == flight_key
            for traveler in travelers
            if traveler in companions
            for link in companions[traveler]
        )

    def clear_companions(self, flight_key: str, traveler: str) -> None:
        """Drop the companion links of ``traveler`` on ``flight_key`` (they are rewritten)."""
        links = self._companions.get(traveler)
        if not links:
            return
        for link in [link for link in links if link[0] == flight_key]:
            del links[link]
        if not links:
            del self._companions[traveler]

    def put_companion(
        self, flight_key: str, traveler: str, companion: str, event_time: int
    ) -> None:
        links = self._companions.get(traveler)
        if links is None:
            links = self._companions[traveler] = {}
        links[(flight_key, companion)] = event_time

    def record(
        self, flight_key: str, at: int, events: Sequence[TravelEvent]
    ) -> list[HistoryCounts]:
        """Apply one flight as the store writes it (events upserted, a minor's links
        replaced), then count each traveler's history as of ``at``, in ``events`` order."""
        companions = self._companions
        for e in events:
            traveler = e.traveler
            self.put_event(flight_key, traveler, at, e.purchaser, e.contact, e.minor)
            if traveler in companions:
                self.clear_companions(flight_key, traveler)
            if e.minor:
                for companion in e.companions:
                    if companion != traveler:
                        self.put_companion(flight_key, traveler, companion, at)
        return self.counts(at, events)

    def older_than(self, cutoff: int) -> list[EventKey]:
        """The events older than ``cutoff`` (epoch seconds), as (flight key, traveler)."""
        return [key for key, event in self._events.items() if event[0] < cutoff]

    def drop_before(self, cutoff: int) -> None:
        """Drop events and links older than ``cutoff`` (epoch seconds), as a purge deletes them."""
        for key in self.older_than(cutoff):
            self._unindex(key, self._events.pop(key))
        for traveler, links in list(self._companions.items()):
            for link in [link for link, at in links.items() if at < cutoff]:
                del links[link]
            if not links:
                del self._companions[traveler]

    def counts(self, until: int, events: Sequence[TravelEvent]) -> list[HistoryCounts]:
        """Each traveler's counts over the windows ending at ``until`` (epoch seconds).

        The same numbers as the SQL count query of `counting` (which the
        PostgreSQL store runs): distinct travelers per purchaser and per
        contact, flights per traveler, distinct companions per minor; a
        purchaser or contact shared on the flight is counted once.
        """
        purchasers: dict[str, tuple[int, int]] = {}
        contacts: dict[str, int] = {}
        found: list[HistoryCounts] = []
        for e in events:
            purchaser = e.purchaser
            if purchaser is None:
                bought: tuple[int | None, int | None] = (None, None)
            else:
                bought = purchasers.get(purchaser) or purchasers.setdefault(
                    purchaser, self._purchased_by(purchaser, until - PURCHASER_SECONDS, until)
                )
            contact = e.contact
            if contact is None:
                contacted = None
            else:
                contacted = contacts.get(contact)
                if contacted is None:
                    contacted = contacts[contact] = self._contacted_by(
                        contact, until - CONTACT_SECONDS, until
                    )
            since = until - TRAVELER_SECONDS
            flights = 0
            for _, _, at, _ in self._flights.get(e.traveler, ()):
                if since <= at <= until:
                    flights += 1
            found.append(
                HistoryCounts(
                    e.traveler,
                    bought[0],
                    bought[1],
                    contacted,
                    flights,
                    self._companions_of(e.traveler, until - COMPANION_SECONDS, until)
                    if e.minor
                    else None,
                )
            )
        return found

    def _purchased_by(self, purchaser: str, since: int, until: int) -> tuple[int, int]:
        travelers: set[str] = set()
        minors: set[str] = set()
        for _, traveler, at, minor in self._purchased.get(purchaser, ()):
            if since <= at <= until:
                travelers.add(traveler)
                if minor:
                    minors.add(traveler)
        return len(travelers), len(minors)

    def _contacted_by(self, contact: str, since: int, until: int) -> int:
        return len(
            {
                traveler
                for _, traveler, at, _ in self._contacted.get(contact, ())
                if since <= at <= until
            }
        )

    def _companions_of(self, child: str, since: int, until: int) -> int:
        return len(
            {
                companion
                for (_, companion), at in self._companions.get(child, {}).items()
                if since <= at <= until
            }
        )


def _add(index: dict[str, tuple[Member, ...]], key: str, member: Member) -> None:
    members = index.get(key)
    index[key] = (member,) if members is None else (*members, member)


def _discard(index: dict[str, tuple[Member, ...]], key: str, event: EventKey) -> None:
    """Remove ``event``'s member from ``key``'s (the key is dropped when it has none left)."""
    members = index.get(key)
    if members is None:
        return
    kept = tuple(m for m in members if (m[0], m[1]) != event)
    if kept:
        index[key] = kept
    else:
        del index[key]


def apply(
    mirror: Mirror,
    events: Iterable[tuple[str, str, int, str | None, str | None, bool]],
    companions: Iterable[tuple[str, str, str, int]],
) -> None:
    """Apply rows as the database returns them: every event given, then every link given.

    A write replaces all the links of the travelers it writes, in the same
    transaction, so an event row read back means its old links are gone.
    """
    intern = sys.intern  # rows read back repeat their keys: one string each, not one per row
    for flight, person, at, purchaser, contact, minor in events:
        flight_key, traveler = intern(flight), intern(person)
        mirror.put_event(
            flight_key,
            traveler,
            at,
            None if purchaser is None else intern(purchaser),
            None if contact is None else intern(contact),
            minor,
        )
        mirror.clear_companions(flight_key, traveler)
    for flight_key, traveler, companion, at in companions:
        mirror.put_companion(intern(flight_key), intern(traveler), intern(companion), at)
