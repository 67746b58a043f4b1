"""Enrich -> related: the other travelers a flight-level value is about.

``flight.same_purchaser_minors = 3`` tells the officer there are others; the
officer needs to know which. For each traveler and each flight-level field,
the ids of the other travelers that make up the value, from the same groups
enrichment counted (`enrich.FlightGroups`), in manifest order. Declared
aggregates (``flight.<name>`` in pack.yaml) name the other travelers of the
same ``same:`` key for whom the aggregate's condition is true.

Computed only for a flight on which a rule reading such a field fired.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Final

from screening_service.pipeline.enrich import ADULT_AGE, YOUNG_AGE, FlightGroups, unrelated_adult
from screening_service.pipeline.records import Traveler
from screening_service.rules.derive import Evaluator
from screening_service.rules.model import Aggregate
from screening_service.values import Record

Related = Mapping[str, tuple[str, ...]]
NOBODY: Final[Related] = {}

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


def _purchaser(groups: FlightGroups, travelers: Sequence[Traveler], i: int) -> dict[str, list[int]]:
    b = travelers[i].booking
    if b is None or not b.purchaser_id:
        return {}
    others = [m for m in groups.by_purchaser[b.purchaser_id].members if m != i]
    age = groups.age_of
    found = {
        "flight.same_purchaser_count": others,
        "flight.same_purchaser_minors": [m for m in others if age[m] < ADULT_AGE],
        "flight.same_purchaser_under_25": [m for m in others if age[m] < YOUNG_AGE],
    }
    found["booking.purchaser_on_flight"] = [
        m for m in others if (other := travelers[m].booking) and other.purchaser_is_traveler
    ]
    return found


def _contact(groups: FlightGroups, travelers: Sequence[Traveler], i: int) -> dict[str, list[int]]:
    b = travelers[i].booking
    if b is None or not b.contact_id:
        return {}
    others = [m for m in groups.by_contact[b.contact_id].members if m != i]
    unrelated = [
        m for m in others if unrelated_adult(travelers, i, m, groups.position_of, groups.age_of)
    ]
    return {
        "flight.same_contact_count": others,
        "flight.same_contact_bookings": others,
        "flight.same_contact_unrelated_adults": unrelated,
    }


def _aggregates(
    aggregates: Sequence[Aggregate], records: Sequence[Record]
) -> list[dict[str, list[int]]]:
    found: list[dict[str, list[int]]] = [{} for _ in records]
    for aggregate in aggregates:
        truths = [Evaluator(record).truth(aggregate.condition) for record in records]
        by_key: dict[object, list[int]] = {}
        for n, record in enumerate(records):
            key = record.get(aggregate.same) if aggregate.same else ""
            if key is not None and truths[n] is True:
                by_key.setdefault(key, []).append(n)
        for n, record in enumerate(records):
            key = record.get(aggregate.same) if aggregate.same else ""
            members = by_key.get(key, []) if key is not None else []
            found[n][aggregate.field_name] = [m for m in members if m != n]
    return found


def related_travelers(
    travelers: Sequence[Traveler],
    records: Sequence[Record],
    aggregates: Sequence[Aggregate] = (),
    wanted: Sequence[bool] | None = None,
) -> list[Related]:
    """Per traveler: flight-level field -> the ids of the other travelers behind its value.

    With ``wanted``, only the travelers it marks get theirs (the others get
    `NOBODY`): on a large flight, few travelers fire a rule that names others.
    """
    groups = FlightGroups(travelers, records)
    declared = _aggregates(aggregates, records)
    result: list[Related] = []
    for i, t in enumerate(travelers):
        if wanted is not None and not wanted[i]:
            result.append(NOBODY)
            continue
        positions = _purchaser(groups, travelers, i) | _contact(groups, travelers, i)
        companions = [
            p for c in t.companions if (p := groups.position_of[c.traveler_id]) >= 0 and p != i
        ]
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
