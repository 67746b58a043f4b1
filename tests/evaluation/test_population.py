"""The evaluation population: valid, labelled, deterministic, and at its documented base rates."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from pathlib import Path

import pytest

from screening_service.evaluation.labels import TYPOLOGIES, read_labels
from screening_service.evaluation.output import write_evaluation_population
from screening_service.evaluation.population import (
    EvaluationFlight,
    generate_evaluation_population,
)
from screening_service.proto import pb
from screening_service.synthetic import read_jsonl
from tests.factories import enrich_manifest, violations_of

TRAVELERS = 30_000


@pytest.fixture(scope="module")
def flights() -> list[EvaluationFlight]:
    return list(generate_evaluation_population(TRAVELERS, seed=1))


def test_exact_size_and_every_traveler_labelled_once(flights: list[EvaluationFlight]) -> None:
    ids = [t.traveler_id for f in flights for t in f.manifest.travelers]
    labelled = [label.traveler_id for f in flights for label in f.labels]
    assert TRAVELERS == len(ids) == len(set(ids))
    assert sorted(ids) == sorted(labelled)


def test_companions_point_inside_the_flight(flights: list[EvaluationFlight]) -> None:
    for flight in flights[:40]:
        ids = {t.traveler_id for t in flight.manifest.travelers}
        for traveler in flight.manifest.travelers:
            assert {c.traveler_id for c in traveler.companions} <= ids - {traveler.traveler_id}


def test_same_seed_same_population_other_seed_another() -> None:
    def fingerprint(seed: int) -> list[bytes]:
        return [
            f.manifest.SerializeToString(deterministic=True)
            + json.dumps([x.as_json() for x in f.labels]).encode()
            for f in generate_evaluation_population(3_000, seed=seed)
        ]

    assert fingerprint(5) == fingerprint(5)
    assert fingerprint(5) != fingerprint(6)


def test_every_manifest_passes_the_service_validator(flights: list[EvaluationFlight]) -> None:
    for flight in flights[:60]:
        request = pb.ScreenManifestRequest(manifest=flight.manifest)
        assert [] == violations_of(request)


def test_labelled_ages_survive_enrichment(flights: list[EvaluationFlight]) -> None:
    """Minors among victims stay minors after the service computes ages."""
    now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    for flight in flights[:60]:
        manifest = flight.manifest
        records = enrich_manifest(manifest, now)
        ages = [r["traveler.age_years"] for r in records]
        assert all(isinstance(a, int) and 0 <= a <= 90 for a in ages)


def test_composition_matches_the_documented_shares(flights: list[EvaluationFlight]) -> None:
    labels = [label for f in flights for label in f.labels]
    kinds = Counter(label.kind for label in labels)
    victims = Counter(label.typology for label in labels if label.label == "victim")
    # Documented: about 0.5% of travelers in trafficking cases, 4.4% lawful look-alikes.
    assert 0.003 < victims.total() / TRAVELERS < 0.008
    assert 0.035 < kinds["lawful"] / TRAVELERS < 0.055
    assert set(TYPOLOGIES) == set(victims)
    # GLOTIP-shaped split: child, sex and labour each 20-40% of victims, domestic 5-20%.
    for typology in ("child", "sex", "labour"):
        assert 0.2 < victims[typology] / victims.total() < 0.4, typology
    assert 0.05 < victims["domestic_servitude"] / victims.total() < 0.2
    patterns = Counter(label.pattern for label in labels if label.kind == "lawful")
    # Unaccompanied minors 0.15%, seasonal workers 0.4%, last-minute business 1%.
    assert 0.0007 < patterns["unaccompanied_minor"] / TRAVELERS < 0.0025
    assert 0.002 < patterns["seasonal_workers"] / TRAVELERS < 0.007
    assert 0.007 < patterns["last_minute_business"] / TRAVELERS < 0.013


def test_many_victims_have_no_report_and_some_lawful_travelers_do(
    flights: list[EvaluationFlight],
) -> None:
    reported: Counter[str] = Counter()
    size: Counter[str] = Counter()
    for flight in flights:
        kind_of = {label.traveler_id: label for label in flight.labels}
        for traveler in flight.manifest.travelers:
            label = kind_of[traveler.traveler_id]
            key = "victim" if label.label == "victim" else label.kind
            size[key] += 1
            reported[key] += bool(traveler.observations)
    assert 0.15 < reported["victim"] / size["victim"] < 0.5
    assert 0 < reported["lawful"] / size["lawful"] < 0.02
    assert reported["background"] / size["background"] < 0.002


def test_trafficking_runs_both_ways_and_has_missing_pnr_fields(
    flights: list[EvaluationFlight],
) -> None:
    directions: Counter[int] = Counter()
    missing = 0
    for flight in flights:
        victims = {x.traveler_id for x in flight.labels if x.label == "victim"}
        for traveler in flight.manifest.travelers:
            if traveler.traveler_id in victims:
                directions[traveler.direction] += 1
                booking = traveler.booking
                missing += not booking.HasField("purchaser_is_traveler") or not booking.HasField(
                    "checked_bags"
                )
    assert directions[pb.DIRECTION_INBOUND] > 0
    assert directions[pb.DIRECTION_OUTBOUND] > 0
    assert missing > 0


def test_written_files_read_back(tmp_path: Path) -> None:
    out = tmp_path / "eval.jsonl"
    written = write_evaluation_population(out, 1_500, seed=3)
    labels = read_labels(tmp_path / "eval.labels.jsonl")
    manifests = list(read_jsonl(out))
    ids = [t.traveler_id for m in manifests if isinstance(m, pb.Manifest) for t in m.travelers]
    assert (written.travelers, written.labelled, written.records) == (1_500, 1_500, len(manifests))
    assert sorted(ids) == sorted(labels)
