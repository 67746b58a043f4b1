"""Lookout matches become derived fields that rules read."""

from __future__ import annotations

import datetime as dt

from screening_service.lookout import LookoutIndex, load_lookout
from tests.conftest import ROOT
from tests.factories import enrich_travelers, traveler

NOW = dt.datetime(2026, 11, 23, tzinfo=dt.UTC)
INDEX = LookoutIndex.build(load_lookout(ROOT / "lookout" / "sample.csv"))


def test_a_transliterated_missing_person_is_a_hit() -> None:
    t = traveler(
        "T-LOOK", surname="TESTPERSONOVA", given_names="ZOFIA", document_number="ZZ9999999"
    )
    t.date_of_birth = "2004-03-07"
    record = enrich_travelers([t], NOW, INDEX)[0]
    assert record["lookout.hit"] is True
    assert record["lookout.kinds"] == ["missing_person"]
    assert record["lookout.document_match"] is False
    assert isinstance(record["lookout.best_score"], float)
    assert record["lookout.best_score"] >= 88
    assert record["lookout.dob_agreement"] == "exact"


def test_a_document_number_alone_is_a_hit() -> None:
    t = traveler("T-DOC", surname="UNRELATED", given_names="PERSON", document_number="ZZ0000003")
    record = enrich_travelers([t], NOW, INDEX)[0]
    assert (record["lookout.kinds"], record["lookout.document_match"]) == (
        ["known_trafficker"],
        True,
    )
    assert record["lookout.best_score"] == 100.0
    assert record["lookout.dob_agreement"] == "document"


def test_no_hit_and_no_list() -> None:
    t = traveler("T-NONE", document_number="ZZ5555555")
    assert enrich_travelers([t], NOW, INDEX)[0]["lookout.hit"] is False
    assert "lookout.hit" not in enrich_travelers([t], NOW)[0]
