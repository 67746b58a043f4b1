"""Draws gives exactly the numbers random.Random gives for the same seed."""

from __future__ import annotations

import random

import pytest

from screening_service.synthetic.draws import Draws


@pytest.mark.parametrize("seed", [0, 1, 2**63 + 5])
def test_randint_and_choice_match_random_random(seed: int) -> None:
    plain, fast = random.Random(seed), Draws(seed)
    bounds = [(0, 0), (1, 2), (18, 80), (1, 9999), (-6, 6), (0, 2**40)]
    pools = ["ABCDEFGHJK", ("a",), tuple(range(17)), list(range(1000))]
    for step in range(2_000):
        low, high = bounds[step % len(bounds)]
        assert plain.randint(low, high) == fast.randint(low, high)
        pool = pools[step % len(pools)]
        assert plain.choice(pool) == fast.choice(pool)
        assert plain.random() == fast.random()


def test_errors_are_random_randoms() -> None:
    with pytest.raises(ValueError, match="empty range"):
        Draws(1).randint(3, 2)
    with pytest.raises(IndexError, match="empty sequence"):
        Draws(1).choice([])
