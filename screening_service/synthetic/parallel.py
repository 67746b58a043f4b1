"""The scenario population written on several processes: the files one process writes.

`generate_population` seeds each flight's generator, and draws its size,
from one generator for the population (`population.flight_plan`), so the
flights can be planned here, cut into chunks of whole flights where
`export.write_records` cuts them (a new partition, or a full chunk), and
drawn and encoded on ``processes`` processes (`output.in_order`). The files
are byte for byte those of ``write_records(out, generate_population(...))``
(tests/synthetic/test_parallel.py), whatever the number of processes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from google.protobuf import json_format

from screening_service.synthetic.draws import Draws
from screening_service.synthetic.encode import FlightEncoder
from screening_service.synthetic.export import label_lines
from screening_service.synthetic.layout import Format, layout_for
from screening_service.synthetic.output import (
    Chunk,
    Written,
    cut_chunks,
    cycles_not_collected,
    in_order,
    write_chunks,
)
from screening_service.synthetic.population import (
    DEFAULT_FLIGHT_SIZE,
    DEFAULT_SCENARIO_RATE,
    DEFAULT_SPAN_DAYS,
    DEFAULT_START,
    FlightSpec,
    flight_plan,
    generate_flight,
    generate_population,
)
from screening_service.synthetic.scenarios import SCENARIO_NAMES


@dataclass(frozen=True)
class _Draw:
    """What every flight of a population shares."""

    scenario_rate: float
    scenarios: tuple[str, ...]
    start: dt.datetime
    span_days: int
    fmt: Format
    as_manifests: bool


@dataclass(frozen=True)
class _Task:
    partition: int
    flights: tuple[FlightSpec, ...]
    draw: _Draw


def write_population(
    out: Path | str,
    travelers: int,
    seed: int,
    scenario_rate: float = DEFAULT_SCENARIO_RATE,
    fmt: Format | None = None,
    *,
    as_manifests: bool = True,
    partitions: int | None = None,
    processes: int = 1,
    flight_size: tuple[int, int] = DEFAULT_FLIGHT_SIZE,
    scenarios: Iterable[str] = SCENARIO_NAMES,
    start: dt.datetime = DEFAULT_START,
    span_days: int = DEFAULT_SPAN_DAYS,
) -> Written:
    """``write_records(out, generate_population(...), travelers, ...)`` on ``processes``.

    OutputError when ``out`` cannot be used, ValueError for a bad argument
    (as generate_population), OSError when a file cannot be written.
    """
    chosen = tuple(scenarios)
    # Checks the arguments and draws nothing: the flights are drawn from the plan.
    generate_population(
        travelers,
        seed,
        scenario_rate,
        flight_size,
        scenarios=chosen,
        start=start,
        span_days=span_days,
    )
    layout = layout_for(out, travelers, fmt=fmt, partitions=partitions)
    draw = _Draw(scenario_rate, chosen, start, span_days, layout.fmt, as_manifests)
    plan = flight_plan(travelers, seed, flight_size)
    tasks = _tasks(plan, travelers, layout.partitions or 1, draw)
    return write_chunks(layout, in_order(tasks, _encode, processes))


def _tasks(
    plan: Iterable[FlightSpec], travelers: int, partitions: int, draw: _Draw
) -> Iterator[_Task]:
    """Chunks cut as `export._chunks` cuts the drawn flights: their sizes are planned."""
    for partition, flights in cut_chunks(plan, travelers, partitions):
        yield _Task(partition, flights, draw)


def _encode(task: _Task) -> Chunk:
    """Draw a chunk's flights and encode them (runs in a worker process)."""
    with cycles_not_collected():
        return _draw_and_encode(task)


def _draw_and_encode(task: _Task) -> Chunk:
    draw = task.draw
    encoder = FlightEncoder(draw.fmt)
    labels: list[bytes] = []
    travelers = 0
    for spec in task.flights:
        flight = generate_flight(
            Draws(spec.seed),
            spec.size,
            draw.scenario_rate,
            draw.scenarios,
            start=draw.start,
            span_days=draw.span_days,
            key=spec.key,
        )
        body = json_format.MessageToDict(flight.manifest, preserving_proto_field_name=True)
        travelers += len(flight.manifest.travelers)
        if draw.as_manifests:
            encoder.add([{"manifest": body}])
        else:
            encoder.add([{"traveler": traveler} for traveler in body.get("travelers", ())])
        labels += label_lines(flight)
    return Chunk(
        task.partition, encoder.encoded(), b"".join(labels), encoder.records, travelers, len(labels)
    )
