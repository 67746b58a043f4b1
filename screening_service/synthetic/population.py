"""Flights and populations: clean parties plus planted scenarios, seeded.

`generate_flight` fills one manifest of an exact size: first the planted
scenario instances (about ``scenario_rate`` per traveler slot), then now and
then a tour group, then ordinary parties; parties are shuffled, travelers are
numbered in manifest order and seated party by party. `generate_population`
yields flights until a number of travelers is reached. Everything comes from
the ``random.Random`` passed in (or seeded here), never from global state.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Final, NamedTuple

from google.protobuf.timestamp_pb2 import Timestamp

from screening_service.proto import pb
from screening_service.synthetic import parties, routes
from screening_service.synthetic.draws import Draws
from screening_service.synthetic.scenarios import SCENARIO_NAMES, SCENARIOS, Scenario
from screening_service.synthetic.travelers import DAY, FlightBuilder

MAX_FLIGHT_SIZE: Final = 1000
DEFAULT_SCENARIO_RATE: Final = 0.005
DEFAULT_FLIGHT_SIZE: Final = (80, 320)
# Flights depart in the four weeks from here: in the past, so that every issue
# date and date of birth passes the validator's "not in the future" checks.
DEFAULT_START: Final = dt.datetime(2025, 6, 2, tzinfo=dt.UTC)
DEFAULT_SPAN_DAYS: Final = 28
TOUR_GROUP_SHARE: Final = 0.12

_ARCHETYPES: Final = tuple(a for a, _ in parties.ARCHETYPES)
_ARCHETYPE_CUMULATIVE: Final = tuple(itertools.accumulate(w for _, w in parties.ARCHETYPES))


@dataclass(frozen=True)
class GeneratedFlight:
    """One manifest and its ground truth.

    ``labels`` maps every planted traveler (subjects and their escorts) to
    its scenario name; ``subjects`` are the planted travelers the indicators
    describe, the ones a rule pack should refer. Unlabelled travelers are the
    clean population.
    """

    manifest: pb.Manifest
    labels: dict[str, str]
    subjects: frozenset[str]


def _scenarios(names: Iterable[str]) -> list[Scenario]:
    chosen: list[Scenario] = []
    for name in names:
        if name not in SCENARIOS:
            raise ValueError(f"unknown scenario {name!r}; known: {', '.join(SCENARIO_NAMES)}")
        chosen.append(SCENARIOS[name])
    return chosen


def _seat(travelers: list[pb.Traveler], rng: random.Random) -> None:
    """Seats in manifest order, so a party sits together; a few seats stay empty."""
    letters = "ABCDEFGHJK" if len(travelers) > 220 else "ABCDEF"
    seats = (f"{row}{letter}" for row in itertools.count(1) for letter in letters)
    for traveler in travelers:
        seat = next(seats)
        while rng.random() < 0.05:
            seat = next(seats)
        traveler.booking.seat = seat


def _renumber(
    travelers: list[pb.Traveler], key: str, labels: dict[str, str], subjects: set[str]
) -> tuple[dict[str, str], frozenset[str]]:
    """Traveler ids in manifest order, so an id says nothing about how it was planted."""
    new_id = {t.traveler_id: f"{key}-{i:04d}" for i, t in enumerate(travelers, start=1)}
    for traveler in travelers:
        traveler.traveler_id = new_id[traveler.traveler_id]
        for companion in traveler.companions:
            companion.traveler_id = new_id[companion.traveler_id]
    return (
        {new_id[old]: name for old, name in labels.items()},
        frozenset(new_id[old] for old in subjects),
    )


def generate_flight(
    rng: random.Random,
    size: int,
    scenario_rate: float = DEFAULT_SCENARIO_RATE,
    scenarios: Iterable[str] = SCENARIO_NAMES,
    *,
    start: dt.datetime = DEFAULT_START,
    span_days: int = DEFAULT_SPAN_DAYS,
    key: str | None = None,
) -> GeneratedFlight:
    """One flight of exactly ``size`` travelers departing in [start, start + span_days).

    About ``scenario_rate`` scenario instances are planted per traveler slot
    (each chosen uniformly from ``scenarios``, as long as it fits); traveler
    ids are ``{key}-{position:04d}``, ``key`` defaulting to a random tag.
    """
    if not 1 <= size <= MAX_FLIGHT_SIZE:
        raise ValueError(f"size must be between 1 and {MAX_FLIGHT_SIZE}")
    if not 0.0 <= scenario_rate <= 1.0:
        raise ValueError("scenario_rate must be between 0 and 1")
    chosen = _scenarios(scenarios)
    plan = routes.plan_flight(rng, int(start.timestamp()), span_days * DAY)
    key = key or f"SYN{rng.getrandbits(32):08X}"
    builder = FlightBuilder(rng, plan, key)
    units: list[parties.Party] = []
    labels: dict[str, str] = {}
    subjects: set[str] = set()
    room = size
    instances = sum(rng.random() < scenario_rate for _ in range(size)) if chosen else 0
    for _ in range(instances):
        fitting = [s for s in chosen if s.min_size <= room]
        if not fitting:
            break
        scenario = rng.choice(fitting)
        planted = scenario.plant(builder, room)
        units.extend(planted.parties)
        labels.update(dict.fromkeys(planted.involved, scenario.name))
        subjects.update(planted.subjects)
        room -= planted.size
    if room >= 12 and rng.random() < TOUR_GROUP_SHARE:
        group = parties.tour_group(builder, room)
        units.extend(group)
        room -= sum(len(p) for p in group)
    while room > 0:
        archetype = rng.choices(_ARCHETYPES, cum_weights=_ARCHETYPE_CUMULATIVE)[0]
        party = archetype(builder, room)
        units.append(party)
        room -= len(party)
    rng.shuffle(units)
    travelers = [t for unit in units for t in unit]
    _seat(travelers, rng)
    final_labels, final_subjects = _renumber(travelers, key, labels, subjects)
    leg = plan.leg
    manifest = pb.Manifest(
        carrier=leg.carrier,
        flight_number=leg.flight_number,
        scheduled_departure=Timestamp(seconds=leg.departs),
        origin=leg.origin,
        destination=leg.destination,
        direction=plan.direction,
        travelers=travelers,
    )
    return GeneratedFlight(manifest, final_labels, final_subjects)


def generate_population(
    travelers: int,
    seed: int,
    scenario_rate: float = DEFAULT_SCENARIO_RATE,
    flight_size: tuple[int, int] = DEFAULT_FLIGHT_SIZE,
    *,
    scenarios: Iterable[str] = SCENARIO_NAMES,
    start: dt.datetime = DEFAULT_START,
    span_days: int = DEFAULT_SPAN_DAYS,
) -> Iterator[GeneratedFlight]:
    """Flights totalling exactly ``travelers`` travelers (the last flight takes the rest).

    Each flight gets its own generator seeded from the population's, and
    traveler ids ``F{flight:06d}-{position:04d}`` unique across the population.
    """
    low, high = flight_size
    if travelers < 0:
        raise ValueError("travelers must not be negative")
    if not 0.0 <= scenario_rate <= 1.0:
        raise ValueError("scenario_rate must be between 0 and 1")
    if not 1 <= low <= high <= MAX_FLIGHT_SIZE:
        raise ValueError(f"flight_size must satisfy 1 <= low <= high <= {MAX_FLIGHT_SIZE}")
    chosen = tuple(scenarios)
    _scenarios(chosen)
    return _flights(travelers, seed, scenario_rate, flight_size, chosen, start, span_days)


def _flights(
    travelers: int,
    seed: int,
    scenario_rate: float,
    flight_size: tuple[int, int],
    scenarios: tuple[str, ...],
    start: dt.datetime,
    span_days: int,
) -> Iterator[GeneratedFlight]:
    for spec in flight_plan(travelers, seed, flight_size):
        yield generate_flight(
            Draws(spec.seed),
            spec.size,
            scenario_rate,
            scenarios,
            start=start,
            span_days=span_days,
            key=spec.key,
        )


class FlightSpec(NamedTuple):
    """What one flight of a population is drawn from: its position, size and seed."""

    number: int
    size: int
    seed: int

    @property
    def key(self) -> str:
        return f"F{self.number:06d}"


def flight_plan(
    travelers: int, seed: int, flight_size: tuple[int, int] = DEFAULT_FLIGHT_SIZE
) -> Iterator[FlightSpec]:
    """Sizes and seeds of `generate_population`'s flights, in order, without drawing them."""
    low, high = flight_size
    rng = random.Random(seed)
    remaining = travelers
    for index in itertools.count():
        if remaining <= 0:
            return
        size = min(remaining, rng.randint(low, high))
        yield FlightSpec(index, size, rng.getrandbits(64))
        remaining -= size
