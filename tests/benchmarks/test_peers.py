"""The peer translations keep the language's three-valued semantics (hand-written cases)."""

from __future__ import annotations

from typing import Any

import pytest

from benchmarks.peers import Untranslatable, python_test, zen_expression
from screening_service.rules.condition_parser import parse_condition

zen = pytest.importorskip("zen")

CASES: list[tuple[str, dict[str, Any], bool]] = [
    ('booking.payment_form == "cash"', {"booking.payment_form": "cash"}, True),
    ('booking.payment_form == "cash"', {}, False),
    ('not (booking.payment_form == "cash")', {}, False),
    ('not (booking.payment_form == "cash")', {"booking.payment_form": "card"}, True),
    ("not (booking.purchaser_on_flight)", {"booking.purchaser_on_flight": False}, True),
    ("not (booking.purchaser_on_flight)", {}, False),
    ('lookout.kinds contains "other"', {"lookout.kinds": ["other"]}, True),
    ('not (lookout.kinds contains "other")', {"lookout.kinds": ["<none>"]}, True),
    ('not (lookout.kinds contains "other")', {}, False),
    ("traveler.age_years < 25 or booking.checked_bags == 0", {"booking.checked_bags": 0}, True),
    (
        "not (traveler.age_years < 25 or booking.checked_bags == 0)",
        {"traveler.age_years": 40},
        False,
    ),
    (
        "not (traveler.age_years < 25 or booking.checked_bags == 0)",
        {"traveler.age_years": 40, "booking.checked_bags": 1},
        True,
    ),
    ("traveler.age_years is unknown", {}, True),
    ("not (traveler.age_years is unknown)", {"traveler.age_years": 3}, True),
]


@pytest.mark.parametrize(("text", "fact", "expected"), CASES)
def test_both_translations_agree_with_the_language(
    text: str, fact: dict[str, Any], expected: bool
) -> None:
    condition = parse_condition(text)
    assert python_test(condition)(fact) is expected
    assert zen.evaluate_expression(zen_expression(condition), fact) is expected


def test_a_field_to_field_comparison_is_not_translated() -> None:
    condition = parse_condition("traveler.age_years < booking.checked_bags")
    with pytest.raises(Untranslatable):
        zen_expression(condition)
    with pytest.raises(Untranslatable):
        python_test(condition)
