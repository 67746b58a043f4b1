"""Values reach the engine only in forms it reads as Python means them (regressions)."""

from __future__ import annotations

from pathlib import Path

import pytest

from screening_service.engine.facts import to_fact
from screening_service.rules.build import compile_directory
from screening_service.rules.errors import PackError
from screening_service.values import ValueTypeError
from tests.rules.packs import GOOD_RULE, write_pack


@pytest.mark.parametrize("value", [1e-05, 1e16, float("inf"), float("nan"), 0.12345])
def test_floats_the_engine_would_misread_are_refused(value: float) -> None:
    """Exponent notation crashed the engine; NaN broke negation."""
    with pytest.raises(ValueTypeError):
        to_fact({"itinerary.total_hours": value}, 0)


def test_integers_beyond_2_to_53_are_refused() -> None:
    """The engine saturates at 64 bits: 10**20 == 10**20 + 1 fired."""
    with pytest.raises(ValueTypeError):
        to_fact({"traveler.age_years": 10**20}, 0)
    assert to_fact({"traveler.age_years": 2**53}, 0)["traveler.age_years"] == 2**53


def test_plain_floats_pass_unchanged() -> None:
    assert to_fact({"itinerary.total_hours": 6.25}, 0)["itinerary.total_hours"] == 6.25


def test_a_literal_with_too_many_decimals_is_a_rule_error(tmp_path: Path) -> None:
    text = GOOD_RULE.replace("traveler.age_years > 18", "itinerary.total_hours < 0.00001")
    with pytest.raises(PackError) as caught:
        compile_directory(write_pack(tmp_path, {"r.yaml": text}))
    first = caught.value.errors[0]
    assert (first.code, str(first.location)) == ("E202", "r.yaml:8:35")
