"""Synthetic, seeded inputs shared by the benchmarks, and a fair in-process timer.

Flights come from `screening_service.synthetic.generate_flight` (realistic
parties, planted scenarios at the default rate), so the rule hits, group
fields and response sizes are those of ordinary traffic, not of one record
repeated.

Departures lie 60 to 32 days before the run's UTC date (`START`): the live
server refuses departures more than 400 days from today and booking times in
the future (bookings precede departures), and the synthetic population's
own default start date is fixed, so it ages out of that window.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Callable, Mapping
from typing import Final

from screening_service.proto import pb
from screening_service.synthetic import GeneratedFlight, generate_flight

SEED: Final = 20261101
START: Final = dt.datetime.combine(
    dt.datetime.now(dt.UTC).date() - dt.timedelta(days=60), dt.time(), tzinfo=dt.UTC
)


def flights(count: int, size: int, seed: int = SEED) -> list[GeneratedFlight]:
    """``count`` flights of exactly ``size`` travelers, reproducible from ``seed``."""
    rng = random.Random(seed * 1000 + size)
    return [
        generate_flight(
            random.Random(rng.getrandbits(64)), size, start=START, key=f"B{size}X{n:04d}"
        )
        for n in range(count)
    ]


def travelers(count: int, seed: int = SEED) -> list[pb.Traveler]:
    """``count`` travelers drawn from 100-traveler flights, each to be screened alone."""
    out: list[pb.Traveler] = []
    for flight in flights((count + 99) // 100, 100, seed):
        out.extend(flight.manifest.travelers)
    return out[:count]


def screen_requests(count: int, seed: int = SEED) -> list[bytes]:
    return [pb.ScreenRequest(traveler=t).SerializeToString() for t in travelers(count, seed)]


def manifest_requests(count: int, size: int, seed: int = SEED) -> list[bytes]:
    return [
        pb.ScreenManifestRequest(manifest=f.manifest).SerializeToString()
        for f in flights(count, size, seed)
    ]


def interleaved(
    rounds: int, variants: Mapping[str, Callable[[], object]], *, warmup: int = 1
) -> dict[str, list[float]]:
    """Seconds per call of each variant, ``rounds`` times, variants alternating within a round.

    Alternating (in a rotating order) spreads the machine's noise, which is
    shared with other work, evenly over the variants compared.
    """
    names = list(variants)
    timings: dict[str, list[float]] = {name: [] for name in names}
    for n in range(warmup + rounds):
        shift = n % len(names)
        for name in names[shift:] + names[:shift]:
            started = time.perf_counter()
            variants[name]()
            if n >= warmup:
                timings[name].append(time.perf_counter() - started)
    return timings
