"""The traveler pseudonyms the pipeline and ``forget`` share."""

from __future__ import annotations

from datetime import date

from screening_service.history.identity import document_pseudonym, identity_pseudonym
from screening_service.pseudonyms import PseudonymKey

KEY = PseudonymKey(bytes(range(32)))
OTHER_KEY = PseudonymKey(bytes(range(1, 33)))
BORN = date(1990, 4, 5)


def test_one_person_written_two_ways_has_one_identity() -> None:
    assert identity_pseudonym(KEY, "TESTPERSON", "SYNTHETIC  ALEX", BORN) == identity_pseudonym(
        KEY, "testperson", "Synthetic Alex", BORN
    )


def test_birth_date_name_and_key_each_change_the_identity() -> None:
    reference = identity_pseudonym(KEY, "TESTPERSON", "SYNTHETIC ALEX", BORN)

    assert reference != identity_pseudonym(KEY, "TESTPERSON", "SYNTHETIC ALEX", date(1990, 5, 4))
    assert reference != identity_pseudonym(KEY, "TESTPERSON", "SYNTHETIC SAM", BORN)
    assert reference != identity_pseudonym(OTHER_KEY, "TESTPERSON", "SYNTHETIC ALEX", BORN)
    assert reference is not None
    assert 32 == len(reference)


def test_no_identity_without_a_birth_date_or_a_name() -> None:
    assert identity_pseudonym(KEY, "TESTPERSON", "SYNTHETIC ALEX", None) is None
    assert identity_pseudonym(KEY, " ", "", BORN) is None


def test_document_numbers_fold_spacing_and_case() -> None:
    assert document_pseudonym(KEY, "zx 987-6543") == document_pseudonym(KEY, "ZX9876543")
    assert document_pseudonym(KEY, " ") is None
