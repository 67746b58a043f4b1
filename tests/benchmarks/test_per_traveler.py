"""The per_traveler benchmark's baseline computes the derived values the pipeline does."""

from __future__ import annotations

from typing import Any

from benchmarks.per_traveler import interpreted_extras
from screening_service.rules import condition_ast as ast
from screening_service.rules.build import compile_directory
from tests.conftest import BUNDLED_RULES


def test_the_reference_baseline_equals_the_compiled_derived_values() -> None:
    derivations = compile_directory(BUNDLED_RULES).derivations
    by_text = {ast.render(d.node): d.name for d in derivations.items}
    record: dict[str, Any] = {
        "companion.on_flight": ["true", "true"],
        "companion.relationship": ["none", "parent"],
        "traveler.visa_category": "G-5",
        "booking.checked_bags": 2,
        "booking.hours_before_departure": 80.0,
    }
    expected = {
        by_text['any companion (companion.relationship == "none")']: True,
        by_text['all companions (companion.relationship == "none")']: False,
        by_text[
            "at least 1 of (booking.checked_bags == 0, booking.hours_before_departure < 72.0)"
        ]: False,
        by_text['traveler.visa_category matches "(A-?3|G-?5)"']: True,
    }
    assert interpreted_extras(derivations, record) == expected
    assert derivations.extras(record) == expected
