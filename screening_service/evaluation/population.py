"""The evaluation population: flights of background travel with planted units.

Each flight is filled in three passes: trafficking units and lawful
look-alike units, each drawn as a Poisson count per flight from its share of
travelers (typologies.py, lawful.py), then ordinary parties
(background.py) for the rest. Units whose direction does not match the
flight are skipped, and their rate on matching flights is doubled, so the
share holds over the population. Parties are shuffled, travelers renumbered
in manifest order (an id says nothing about how it was planted) and seated.
A flight is drawn from its own seeded ``random.Random``, whose seed (and the
flight's size) come from one generator for the population (`flight_plan`):
the same seed gives the same bytes, whichever process draws which flight.
Writing the population to files is output.py's job.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import Final, NamedTuple

from google.protobuf import json_format

from screening_service.evaluation import background
from screening_service.evaluation.common import BOTH, Party, Scenario
from screening_service.evaluation.labels import Label, Truth, label_bytes
from screening_service.evaluation.lawful import LAWFUL
from screening_service.evaluation.people import DAY, ID_SUFFIX, FlightBuilder
from screening_service.evaluation.records import DIRECTION, Body, rfc3339
from screening_service.evaluation.typologies import TRAFFICKING
from screening_service.proto import pb
from screening_service.synthetic import routes
from screening_service.synthetic.draws import Draws

SCENARIOS: Final = (*TRAFFICKING, *LAWFUL)
_BACKGROUND: Final[tuple[Truth, ...]] = tuple(
    ("background", "background", None, name) for name in background.NAMES
)
FLIGHT_SIZE: Final = (80, 320)
MAX_FLIGHT_SIZE: Final = 1000
assert len(ID_SUFFIX) > MAX_FLIGHT_SIZE  # every renumbered id comes from the table
# In the past, so every issue date and date of birth passes "not in the future".
START: Final = dt.datetime(2025, 9, 1, tzinfo=dt.UTC)
SPAN_DAYS: Final = 28


@dataclass(frozen=True)
class EvaluationFlight:
    """One manifest as its protobuf JSON body, and each traveler's truth in manifest order."""

    body: Body
    truths: list[Truth]

    @cached_property
    def labels(self) -> list[Label]:
        """A label per traveler, in manifest order (which is traveler id order)."""
        return [
            Label(traveler["traveler_id"], *truth)
            for traveler, truth in zip(self.body["travelers"], self.truths, strict=True)
        ]

    def label_lines(self) -> bytes:
        """The labels file's lines for this flight (labels.label_line, encoded)."""
        return b"".join(
            label_bytes(traveler["traveler_id"], truth)
            for traveler, truth in zip(self.body["travelers"], self.truths, strict=True)
        )

    @cached_property
    def manifest(self) -> pb.Manifest:
        """The body as a message (parsed on first use: the writers never need it)."""
        return json_format.ParseDict(self.body, pb.Manifest())


class FlightSpec(NamedTuple):
    """What one flight is drawn from: its position, size and seed."""

    number: int
    size: int
    seed: int

    @property
    def key(self) -> str:
        return f"E{self.number:06d}"


def _poisson(rng: random.Random, mean: float) -> int:
    """Knuth's method; the means here are small (a few units per flight)."""
    limit, count, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


def _units(rng: random.Random, size: int, direction: pb.Direction.ValueType) -> list[Scenario]:
    chosen: list[Scenario] = []
    for scenario in SCENARIOS:
        if direction not in scenario.directions:
            continue
        boost = 1.0 if scenario.directions == BOTH else 2.0
        chosen += [scenario] * _poisson(rng, size * scenario.share * boost / scenario.mean_size)
    rng.shuffle(chosen)
    return chosen


def _seat_name(letters: str, index: int) -> str:
    row, column = divmod(index, len(letters))
    return f"{row + 1}{letters[column]}"


_WIDE: Final = "ABCDEFGHJK"
_NARROW: Final = "ABCDEF"
# Every seat a flight of at most MAX_FLIGHT_SIZE reaches but for a run of skips.
_SEATS: Final = {
    letters: tuple(_seat_name(letters, i) for i in range(2 * MAX_FLIGHT_SIZE))
    for letters in (_WIDE, _NARROW)
}


def _seat_and_number(travelers: list[Body], rng: random.Random, key: str) -> dict[str, str]:
    """Seats in row order, each left empty with probability 0.05; ids renumbered in
    manifest order. Returns the new id of each old one."""
    letters = _WIDE if len(travelers) > 220 else _NARROW
    names = _SEATS[letters]
    draw = rng.random
    index = -1
    new_id: dict[str, str] = {}
    for traveler, suffix in zip(travelers, ID_SUFFIX[1:], strict=False):
        index += 1
        while draw() < 0.05:
            index += 1
        seat = names[index] if index < len(names) else _seat_name(letters, index)
        traveler["booking"]["seat"] = seat
        new = key + suffix
        new_id[traveler["traveler_id"]] = new
        traveler["traveler_id"] = new
    return new_id


def generate_flight(
    rng: random.Random,
    size: int,
    *,
    key: str,
    start: dt.datetime = START,
    span_days: int = SPAN_DAYS,
) -> EvaluationFlight:
    """One flight of exactly ``size`` travelers, every one of them labelled."""
    if not 1 <= size <= MAX_FLIGHT_SIZE:
        raise ValueError(f"size must be between 1 and {MAX_FLIGHT_SIZE}")
    plan = routes.plan_flight(rng, int(start.timestamp()), span_days * DAY)
    builder = FlightBuilder(rng, plan, key)
    # Each unit's parties with their travelers' truths, in traveler order.
    units: list[tuple[Party, list[Truth]]] = []
    room = size
    for scenario in _units(rng, size, plan.direction):
        if room < scenario.min_size:
            continue
        planted = scenario.plant(builder, room, scenario)
        if planted.size > room:  # pragma: no cover - every plant respects room
            raise AssertionError(f"{scenario.name} planted more than the room left")
        truth_of = {label.traveler_id: label.truth for label in planted.labels}
        units += [(p, [truth_of[t["traveler_id"]] for t in p]) for p in planted.parties]
        room -= planted.size
    while room > 0:
        index = _archetype(rng)
        party = background.BUILDERS[index](builder, room)[:room]
        units.append((party, [_BACKGROUND[index]] * len(party)))
        room -= len(party)
    rng.shuffle(units)
    travelers = [t for party, _ in units for t in party]
    ordered = [truth for _, truths in units for truth in truths]
    new_id = _seat_and_number(travelers, rng, key)
    for traveler in travelers:
        for companion in traveler.get("companions", ()):
            companion["traveler_id"] = new_id[companion["traveler_id"]]
    leg = plan.leg
    body: Body = {
        "carrier": leg.carrier,
        "flight_number": leg.flight_number,
        "scheduled_departure": rfc3339(leg.departs),
        "origin": leg.origin,
        "destination": leg.destination,
        "direction": DIRECTION[plan.direction],
        "travelers": travelers,
    }
    # Ids are the flight key and a zero-padded position: manifest order is id order.
    return EvaluationFlight(body, ordered)


def _archetype(rng: random.Random) -> int:
    """The first archetype whose cumulative weight exceeds the draw."""
    return bisect.bisect_right(background.CUMULATIVE, rng.random() * background.CUMULATIVE[-1])


def generate_evaluation_population(
    travelers: int,
    seed: int,
    *,
    flight_size: tuple[int, int] = FLIGHT_SIZE,
    start: dt.datetime = START,
    span_days: int = SPAN_DAYS,
) -> Iterator[EvaluationFlight]:
    """Flights of exactly ``travelers`` in all (the last takes the rest), ids ``E000001-0001``."""
    low, high = flight_size
    if travelers < 0:
        raise ValueError("travelers must not be negative")
    if not 1 <= low <= high <= MAX_FLIGHT_SIZE:
        raise ValueError(f"flight_size must satisfy 1 <= low <= high <= {MAX_FLIGHT_SIZE}")
    return _flights(travelers, seed, flight_size, start, span_days)


def _flights(
    travelers: int, seed: int, flight_size: tuple[int, int], start: dt.datetime, span_days: int
) -> Iterator[EvaluationFlight]:
    for spec in flight_plan(travelers, seed, flight_size):
        yield generate_flight(
            Draws(spec.seed), spec.size, key=spec.key, start=start, span_days=span_days
        )


def flight_plan(
    travelers: int, seed: int, flight_size: tuple[int, int] = FLIGHT_SIZE
) -> Iterator[FlightSpec]:
    """Sizes and seeds of the flights, in order: cheap, so one process plans for all."""
    rng = random.Random(seed)
    remaining = travelers
    for index in itertools.count():
        if remaining <= 0:
            return
        size = min(remaining, rng.randint(*flight_size))
        yield FlightSpec(index, size, rng.getrandbits(64))
        remaining -= size
