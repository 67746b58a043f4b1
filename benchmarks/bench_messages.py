"""PAXLST conversion speed: a generated 1,000-passenger message on one core.

Run with ``.venv/bin/python -m benchmarks.bench_messages``. The message is
written by the test-only writer (`tests.messages.writer`): seven segments per
passenger (NAD, ATT, DTM, NAT, DOC, DTM, LOC) after one flight leg. The time
covers the whole `convert`: cleaning, pydifact tokenizing, mapping, time
zones and the service's validation of the result. Best of ``--repeat`` runs
after one warm-up (airport tables load once per process).
"""

from __future__ import annotations

import argparse
import random
import time
from typing import Final

from screening_service.messages import convert
from tests.messages.writer import Person, paxlst

PASSENGERS: Final = 1_000
TARGET_SECONDS: Final = 0.5
SYLLABLES: Final = ("TEST", "SYN", "THE", "TIC", "PER", "SON", "ALEX", "KIM", "SAM", "ROBIN")


def _name(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3)))


def generated(count: int, seed: int = 1) -> bytes:
    rng = random.Random(seed)
    persons = [
        Person(
            surname=_name(rng),
            given=_name(rng),
            birth=f"{rng.randint(1940, 2019)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
            sex=rng.choice("MF"),
            nationality=rng.choice(["GBR", "FRA", "USA", "DEU", "THA"]),
            document=f"TP{rng.randrange(10**7):07d}",
            expiry=f"{rng.randint(2021, 2030)}-{rng.randint(1, 12):02d}-01",
        )
        for _ in range(count)
    ]
    return paxlst(persons).encode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passengers", type=int, default=PASSENGERS)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    data = generated(args.passengers)
    conversion = convert(data, home_country="USA")
    converted = len(conversion.flights[0].manifest.travelers)
    times = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        convert(data, home_country="USA")
        times.append(time.perf_counter() - start)
    best = min(times)
    verdict = "met" if best <= TARGET_SECONDS else "MISSED"
    print(
        f"PAXLST {args.passengers} passengers ({len(data):,} bytes, {converted} converted):"
        f" best {best:.3f} s, median {sorted(times)[len(times) // 2]:.3f} s"
        f" over {args.repeat} runs; target <= {TARGET_SECONDS} s {verdict}"
    )


if __name__ == "__main__":
    main()
