"""Enrich -> related: the other travelers a flight-level value is about.

``flight.same_purchaser_minors = 3`` tells the officer there are others; the
officer needs to know which. For each traveler and each flight-level field,
the ids of the other travelers that make up the value, from the same groups
enrichment counted (`enrich.FlightGroups`), in manifest order. Declared
aggregates (``flight.<name>`` in pack.yaml) name the other travelers of the
same ``same:`` key for whom the aggregate's condition is true.

Computed only for a flight on which a rule reading such a field fired. At most
`MAX_NAMED` others are named per field, the first in manifest order (the
evidence value says how many there are): a flight where hundreds share one
purchaser stays linear in time and in the size of its answer.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from itertools import islice
from typing import Final

from screening_service.pipeline.enrich import ADULT_AGE, YOUNG_AGE, FlightGroups, unrelated_adult
from screening_service.pipeline.records import Traveler
from screening_service.rules.derive import Derivations
from screening_service.rules.model import Aggregate
from screening_service.values import Record

Related = Mapping[str, tuple[str, ...]]
NOBODY: Final[Related] = {}
MAX_NAMED: Final = 20


def _first(members: Iterable[int], i: int) -> list[int]:
    """Up to `MAX_NAMED` of ``members`` other than ``i``, in order."""
    return list(islice((m for m in members if m != i), MAX_NAMED))


class _Cohorts:
    """A group's members that meet a condition, listed once per flight, not per traveler."""

    def __init__(self) -> None:
        self._lists: dict[tuple[str, str], list[int]] = {}

    def get(
        self, key: tuple[str, str], members: list[int], keep: Callable[[int], bool]
    ) -> list[int]:
        found = self._lists.get(key)
        if found is None:
            found = self._lists[key] = [m for m in members if keep(m)]
        return found


PURCHASER_FIELDS: Final = (
    "flight.same_purchaser_count",
    "flight.same_purchaser_minors",
    "flight.same_purchaser_under_25",
    "booking.purchaser_on_flight",
)
CONTACT_FIELDS: Final = (
    "flight.same_contact_count",
    "flight.same_contact_bookings",
    "flight.same_contact_unrelated_adults",
)
COMPANION_FIELDS: Final = (
    "booking.minors_in_party",
    "companion.relationship",
    "companion.age_years",
    "companion.is_minor",
    "companion.on_flight",
)
RELATED_FIELDS: Final = frozenset((*PURCHASER_FIELDS, *CONTACT_FIELDS, *COMPANION_FIELDS))


def reads_related(fields: Sequence[str], aggregates: Sequence[Aggregate]) -> bool:
    """Whether a rule reading ``fields`` names other travelers."""
    declared = {a.field_name for a in aggregates}
    return any(name in RELATED_FIELDS or name in declared for name in fields)


def _purchaser(
    groups: FlightGroups, cohorts: _Cohorts, travelers: Sequence[Traveler], i: int
) -> dict[str, list[int]]:
    b = travelers[i].booking
    if b is None or not b.purchaser_id:
        return {}
    members = groups.by_purchaser[b.purchaser_id].members
    age = groups.age_of
    key = b.purchaser_id

    def buying(m: int) -> bool:
        other = travelers[m].booking
        return other is not None and other.purchaser_is_traveler is True

    return {
        "flight.same_purchaser_count": _first(members, i),
        "flight.same_purchaser_minors": _first(
            cohorts.get(("minors", key), members, lambda m: age[m] < ADULT_AGE), i
        ),
        "flight.same_purchaser_under_25": _first(
            cohorts.get(("under_25", key), members, lambda m: age[m] < YOUNG_AGE), i
        ),
        "booking.purchaser_on_flight": _first(cohorts.get(("buying", key), members, buying), i),
    }


def _contact(groups: FlightGroups, travelers: Sequence[Traveler], i: int) -> dict[str, list[int]]:
    b = travelers[i].booking
    if b is None or not b.contact_id:
        return {}
    members = groups.by_contact[b.contact_id].members
    unrelated = islice(
        (
            m
            for m in members
            if m != i and unrelated_adult(travelers, i, m, groups.position_of, groups.age_of)
        ),
        MAX_NAMED,
    )
    others = _first(members, i)
    return {
        "flight.same_contact_count": others,
        "flight.same_contact_bookings": others,
        "flight.same_contact_unrelated_adults": list(unrelated),
    }


def _aggregates(
    derivations: Derivations | None, records: Sequence[Record]
) -> list[dict[str, list[int]]]:
    found: list[dict[str, list[int]]] = [{} for _ in records]
    if derivations is None:
        return found
    for aggregate, truths in derivations.truths(records):
        by_key: dict[object, list[int]] = {}
        for n, record in enumerate(records):
            key = record.get(aggregate.same) if aggregate.same else ""
            if key is not None and truths[n] is True:
                by_key.setdefault(key, []).append(n)
        for n, record in enumerate(records):
            key = record.get(aggregate.same) if aggregate.same else ""
            members = by_key.get(key, []) if key is not None else []
            found[n][aggregate.field_name] = _first(members, n)
    return found


def related_travelers(
    travelers: Sequence[Traveler],
    records: Sequence[Record],
    derivations: Derivations | None = None,
    wanted: Sequence[bool] | None = None,
    groups: FlightGroups | None = None,
) -> list[Related]:
    """Per traveler: flight-level field -> the ids of the other travelers behind its value.

    ``derivations`` holds the pack's declared aggregates, compiled. With
    ``wanted``, only the travelers it marks get theirs (the others get
    `NOBODY`): on a large flight, few travelers fire a rule that names others.
    ``groups`` are the flight's, if the caller has them already (a replay asks
    once per pack of the same flight).
    """
    groups = groups or FlightGroups(travelers, records)
    cohorts = _Cohorts()
    declared = _aggregates(derivations, records)
    result: list[Related] = []
    for i, t in enumerate(travelers):
        if wanted is not None and not wanted[i]:
            result.append(NOBODY)
            continue
        positions = _purchaser(groups, cohorts, travelers, i) | _contact(groups, travelers, i)
        companions = [
            p for c in t.companions if (p := groups.position_of[c.traveler_id]) >= 0 and p != i
        ][:MAX_NAMED]
        positions |= dict.fromkeys(COMPANION_FIELDS, companions)
        positions |= declared[i]
        result.append(
            {
                name: tuple(travelers[m].traveler_id for m in members)
                for name, members in positions.items()
                if members
            }
        )
    return result
