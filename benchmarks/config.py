"""What one run measures and for how long; `--quick` shortens the memory soak only."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

FULL_MEMORY_TRAVELERS: Final = 1_000_000
QUICK_MEMORY_TRAVELERS: Final = 100_000


@dataclass(frozen=True)
class Config:
    quick: bool = False
    memory_travelers: int = FULL_MEMORY_TRAVELERS
    rounds: int = 7  # in-process timings: median of this many alternating rounds
    load_seconds: float = 5.0  # measured window of each load level (after 1 s of warm-up)
    max_calls: int = 50_000  # and at most this many measured calls per load level
    profile: bool = False
