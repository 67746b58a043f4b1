"""Who a traveler is, for the history: pseudonyms of name + birth date and of the document.

The screening pipeline and the operator's ``forget`` must compute the same
pseudonym for the same person, so both call these functions. The identity is
the normalised full name (surname first; case, width, spacing and
punctuation folded by `screening_service.pseudonyms.normalise`) with the
date of birth; without a date of birth a name alone is too common to follow
one person, and there is no identity.
"""

from __future__ import annotations

from datetime import date

from screening_service.pseudonyms import IdentifierKind, PseudonymKey


def identity_pseudonym(
    key: PseudonymKey, surname: str, given_names: str, date_of_birth: date | None
) -> str | None:
    """The traveler's identity pseudonym; None without a name or a date of birth."""
    if date_of_birth is None or not (surname.strip() or given_names.strip()):
        return None
    text = f"{surname} / {given_names} / {date_of_birth.isoformat()}"
    return key.pseudonym(IdentifierKind.IDENTITY, text) or None


def document_pseudonym(key: PseudonymKey, number: str) -> str | None:
    """The travel document's pseudonym (number only, normalised); None without a number."""
    return key.pseudonym(IdentifierKind.DOCUMENT, number) or None
