"""The synthetic generator: deterministic, fictional, and in every script it promises."""

from __future__ import annotations

import re

from screening_service.lookout.normalize import normalize_document
from screening_service.lookout.synthetic import synthetic_entries, synthetic_travelers

SCRIPTS = {
    "latin with diacritics": re.compile("[À-ɏ]"),
    "cyrillic": re.compile("[\u0400-\u04ff]"),
    "greek": re.compile("[\u0370-\u03ff]"),
    "arabic": re.compile("[\u0600-\u06ff]"),
}


def test_the_same_seed_gives_the_same_entries() -> None:
    assert synthetic_entries(200, seed=1) == synthetic_entries(200, seed=1)
    assert synthetic_entries(200, seed=1) != synthetic_entries(200, seed=2)
    assert synthetic_travelers(50, seed=1) == synthetic_travelers(50, seed=1)


def test_entries_cover_every_script_and_date_form() -> None:
    entries = synthetic_entries(500, seed=4)

    assert len({e.entry_id for e in entries}) == 500
    for script, letters in SCRIPTS.items():
        assert any(letters.search(e.surname + e.given_names) for e in entries), script
    assert any(e.date_of_birth is None for e in entries)
    assert any(e.date_of_birth and e.date_of_birth.exact is None for e in entries)
    assert any(e.date_of_birth and e.date_of_birth.exact for e in entries)
    assert any(e.aliases for e in entries)


def test_document_numbers_are_fictional_and_never_a_travelers() -> None:
    listed = {
        normalize_document(n) for e in synthetic_entries(500, seed=4) for n in e.document_numbers
    }
    carried = {normalize_document(t.document_number) for t in synthetic_travelers(500, seed=4)}

    assert all(n.startswith("ZZ") for n in listed)
    assert all(n.startswith("ZX") for n in carried)


def test_travelers_look_like_passports() -> None:
    for traveler in synthetic_travelers(200, seed=9):
        assert re.fullmatch("[A-Z]+", traveler.surname)
        assert re.fullmatch("[A-Z]+", traveler.given_names)
