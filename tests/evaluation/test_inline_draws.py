"""Draws made inline give what the random module's calls they replace give."""

from __future__ import annotations

import random

import pytest

from screening_service.evaluation.common import bags_between, hours_ahead


@pytest.mark.parametrize("within", [0.0, 0.18, 1.0])
def test_hours_ahead_is_uniform_then_triangular_as_random_draws_them(within: float) -> None:
    inline, reference = random.Random(9), random.Random(9)
    for _ in range(2_000):
        if reference.random() < within:
            expected = reference.uniform(1.5, 72.0)
        else:
            expected = reference.triangular(3.0, 120.0, 21.0) * 24
        assert expected == hours_ahead(inline, within)


@pytest.mark.parametrize(("low", "high"), [(0, 0), (0, 1), (1, 2), (0, 2), (3, 30)])
def test_bags_between_is_randint_after_the_missing_draw(low: int, high: int) -> None:
    inline, reference = random.Random(4), random.Random(4)
    for _ in range(2_000):
        expected = None if reference.random() < 0.1 else reference.randint(low, high)
        assert expected == bags_between(inline, low, high, 0.1)
    assert reference.random() == inline.random()
