"""Replay's first pass reads travel history's fields from `history_fields`, not from the
whole enrichment: for every traveler they must be what `enrich_flight` computes."""

from __future__ import annotations

import datetime as dt

from screening_service.pipeline.enrich import enrich_flight, history_fields
from screening_service.pipeline.screen import validate
from screening_service.pipeline.validate import ValidFlight
from screening_service.proto import pb
from screening_service.synthetic import generate_population

READ_BY_HISTORY = ("traveler.age_years", "traveler.is_minor", "booking.purchaser_on_flight")


def test_history_fields_equal_the_enrichment_s_on_every_traveler() -> None:
    now = dt.datetime(2026, 11, 30, tzinfo=dt.UTC)
    checked = with_purchaser_aboard = minors = 0
    for generated in generate_population(4000, 21, 0.05):
        valid = validate(pb.ScreenManifestRequest(manifest=generated.manifest), live=False)
        assert isinstance(valid, ValidFlight)
        full = enrich_flight(valid.travelers, valid.flight, now)
        light = history_fields(valid.travelers, valid.flight, now)
        for whole, part in zip(full, light, strict=True):
            assert part == {k: whole[k] for k in READ_BY_HISTORY if k in whole}
            checked += 1
            with_purchaser_aboard += part.get("booking.purchaser_on_flight") is True
            minors += part["traveler.is_minor"] is True
    assert checked == 4000
    assert with_purchaser_aboard > 100
    assert minors > 50
