"""The evaluation population: flights of background travel with planted units.

Each flight is filled in three passes: trafficking units and lawful
look-alike units, each drawn as a Poisson count per flight from its share of
travelers (typologies.py, lawful.py), then ordinary parties
(background.py) for the rest. Units whose direction does not match the
flight are skipped, and their rate on matching flights is doubled, so the
share holds over the population. Parties are shuffled, travelers renumbered
in manifest order (an id says nothing about how it was planted) and seated.
Everything is drawn from one seeded ``random.Random`` per flight: the same
seed gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Literal

from google.protobuf.timestamp_pb2 import Timestamp

from screening_service.evaluation import background
from screening_service.evaluation.common import BOTH, Party, Scenario
from screening_service.evaluation.jsonl import as_dict
from screening_service.evaluation.labels import Label, label_line
from screening_service.evaluation.lawful import LAWFUL
from screening_service.evaluation.people import DAY, FlightBuilder
from screening_service.evaluation.typologies import TRAFFICKING
from screening_service.proto import pb
from screening_service.synthetic import routes

SCENARIOS: Final = (*TRAFFICKING, *LAWFUL)
FLIGHT_SIZE: Final = (80, 320)
MAX_FLIGHT_SIZE: Final = 1000
# In the past, so every issue date and date of birth passes "not in the future".
START: Final = dt.datetime(2025, 9, 1, tzinfo=dt.UTC)
SPAN_DAYS: Final = 28


@dataclass(frozen=True)
class Written:
    records: int
    travelers: int
    labelled: int


def labels_path(records: Path | str) -> Path:
    """``eval.jsonl`` -> ``eval.labels.jsonl`` (where `screening synth` puts labels too)."""
    path = Path(records)
    return path.with_name(f"{path.stem}.labels.jsonl")


@dataclass(frozen=True)
class EvaluationFlight:
    manifest: pb.Manifest
    labels: list[Label]


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


def _seat(travelers: list[pb.Traveler], rng: random.Random) -> None:
    letters = "ABCDEFGHJK" if len(travelers) > 220 else "ABCDEF"
    seats = (f"{row}{letter}" for row in itertools.count(1) for letter in letters)
    for traveler in travelers:
        seat = next(seats)
        while rng.random() < 0.05:
            seat = next(seats)
        traveler.booking.seat = seat


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
    units: list[Party] = []
    labels: list[Label] = []
    room = size
    for scenario in _units(rng, size, plan.direction):
        if room < scenario.min_size:
            continue
        planted = scenario.plant(builder, room, scenario)
        if planted.size > room:  # pragma: no cover - every plant respects room
            raise AssertionError(f"{scenario.name} planted more than the room left")
        units += planted.parties
        labels += planted.labels
        room -= planted.size
    while room > 0:
        index = _archetype(rng)
        party = background.BUILDERS[index](builder, room)[:room]
        units.append(party)
        labels += [
            Label(t.traveler_id, "background", "background", None, background.NAMES[index])
            for t in party
        ]
        room -= len(party)
    rng.shuffle(units)
    travelers = [t for unit in units for t in unit]
    _seat(travelers, rng)
    new_id = {t.traveler_id: f"{key}-{i:04d}" for i, t in enumerate(travelers, start=1)}
    for traveler in travelers:
        traveler.traveler_id = new_id[traveler.traveler_id]
        for companion in traveler.companions:
            companion.traveler_id = new_id[companion.traveler_id]
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
    ordered = sorted(
        (label.renamed(new_id[label.traveler_id]) for label in labels),
        key=lambda label: label.traveler_id,
    )
    return EvaluationFlight(manifest, ordered)


def _archetype(rng: random.Random) -> int:
    draw = rng.random() * background.CUMULATIVE[-1]
    return next(i for i, c in enumerate(background.CUMULATIVE) if draw < c)


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
    rng = random.Random(seed)
    remaining = travelers
    for index in itertools.count():
        if remaining <= 0:
            return
        size = min(remaining, rng.randint(*flight_size))
        flight_rng = random.Random(rng.getrandbits(64))
        yield generate_flight(
            flight_rng, size, key=f"E{index:06d}", start=start, span_days=span_days
        )
        remaining -= size


def _line(kind: str, message: pb.Traveler | pb.Manifest) -> str:
    body = as_dict(message)
    return json.dumps({kind: body}, ensure_ascii=False, separators=(",", ":")) + "\n"


def write_evaluation_population(
    out: Path,
    travelers: int,
    seed: int,
    fmt: Literal["jsonl"] = "jsonl",
    *,
    as_manifests: bool = True,
    labels: Path | None = None,
) -> Written:
    """``out`` (one request per line, as `screening replay` reads) and ``NAME.labels.jsonl``.

    Records are the same protobuf JSON lines as `synthetic.write_jsonl`; the
    labels file has one line per traveler (labels.py).
    """
    if fmt != "jsonl":
        raise ValueError(f"unknown format {fmt!r}; known: jsonl")
    records = count = labelled = 0
    target = Path(labels) if labels is not None else labels_path(out)
    with (
        Path(out).open("w", encoding="utf-8", newline="\n") as lines,
        target.open("w", encoding="utf-8", newline="\n") as truth,
    ):
        for flight in generate_evaluation_population(travelers, seed):
            manifest = flight.manifest
            count += len(manifest.travelers)
            if as_manifests:
                lines.write(_line("manifest", manifest))
                records += 1
            else:
                for traveler in manifest.travelers:
                    lines.write(_line("traveler", traveler))
                    records += 1
            truth.writelines(label_line(label) for label in flight.labels)
            labelled += len(flight.labels)
    return Written(records, count, labelled)
