"""Names and document numbers reduced to comparable ASCII forms.

A name is transliterated with ``anyascii`` (so "Žofia Nováková", "ZOFIA
NOVAKOVA" and the MRZ of her passport compare equal, and "Иван Петров" becomes
"IVAN PETROV"), uppercased, stripped of apostrophes (O'BRIEN -> OBRIEN; the
ain and hamza that anyascii writes as ` and ') and split into letter tokens on
everything else (hyphens, dots, commas, digits). Y is folded into I, because
transliteration schemes disagree mostly there: anyascii writes "Юлия Тестова"
as "YULIYA TESTOVA", a passport (ICAO 9303) as "IULIIA TESTOVA"; both become
"IULIIA TESTOVA" (and MEYER and MEIER compare equal).

Arabic and Hebrew are abjads: short vowels are not written, so "خالد حسن"
transliterates to "KHLD HSN" while the passport says "KHALID HASSAN". For such
names the scorer also compares consonant *skeletons* (vowels and the
semi-vowels W and Y dropped, doubled letters collapsed): both of those become
"HSN KHLD". The index cuts its blocking keys from the same skeletons.
"""

from __future__ import annotations

import re
from functools import lru_cache
from itertools import groupby
from typing import Final, NamedTuple

from anyascii import anyascii

_ABJAD: Final = re.compile(
    "[\u0590-\u05ff"  # Hebrew
    "\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff"  # Arabic, supplement, extended-A
    "\u0700-\u074f\u0780-\u07bf"  # Syriac, Thaana
    "\ufb1d-\ufdff\ufe70-\ufeff]"  # presentation forms
)
_APOSTROPHES: Final = re.compile("['`]")
_NOT_LETTERS: Final = re.compile("[^A-Z]+")
_NOT_ALNUM: Final = re.compile(r"[\W_]+")  # Unicode-aware: keeps letters of any script
_VOWELS: Final = str.maketrans("", "", "AEIOUWY")


def normalize_text(text: str) -> str:
    """Transliterate, uppercase, fold Y into I, keep letter tokens separated by one space."""
    return " ".join(_tokens(text))


def _tokens(text: str) -> tuple[str, ...]:
    ascii_upper = _APOSTROPHES.sub("", anyascii(text).upper()).replace("Y", "I")
    return tuple(_NOT_LETTERS.sub(" ", ascii_upper).split())


def skeleton(token: str) -> str:
    """Consonant skeleton of one normalised token: "HASSAN" -> "HSN", "MHMD" -> "MHMD"."""
    return "".join(letter for letter, _ in groupby(token.translate(_VOWELS)))


def is_abjad(text: str) -> bool:
    """True when the text has letters of a script that does not write short vowels."""
    return _ABJAD.search(text) is not None


def normalize_document(number: str) -> str:
    """Uppercase letters and digits only: "ab 123-456" -> "AB123456".

    Not transliterated: a Cyrillic letter in a document number is usually a
    look-alike of a Latin one, which anyascii would not map back (the
    Cyrillic letter that looks like B becomes V).
    """
    return _NOT_ALNUM.sub("", number.upper())


class NormalizedName(NamedTuple):
    """A surname/given-names pair in every form the scorer compares.

    A named tuple rather than a dataclass: an index builds one per listed name,
    and tuples are much cheaper to create.
    """

    tokens: tuple[str, ...]
    """Surname tokens then given-name tokens."""
    token_skeletons: tuple[str, ...]
    """`skeleton` of each token, in the same order (may be empty strings)."""
    distinct_tokens: int
    """How many different tokens ("KIM KIM" has one)."""
    forward: str
    """``surname given_names``."""
    reverse: str
    """``given_names surname``: catches the two fields swapped as whole fields."""
    sorted_text: str
    """Tokens in alphabetical order: catches any reordering of tokens."""
    skeleton: str
    """Consonant skeletons of the tokens, sorted; compared only for abjad names."""
    abjad: bool
    """The source text was in an abjad script (see the module docstring)."""


def normalize_name(surname: str, given_names: str) -> NormalizedName:
    """Normalise a name given as its two fields (either may be empty)."""
    surname_tokens, surname_skeletons, surname_abjad = _field(surname)
    given_tokens, given_skeletons, given_abjad = _field(given_names)
    tokens = surname_tokens + given_tokens
    token_skeletons = surname_skeletons + given_skeletons
    return NormalizedName(
        tokens,
        token_skeletons,
        len(set(tokens)),
        " ".join(tokens),
        " ".join(given_tokens + surname_tokens),
        " ".join(sorted(tokens)),
        " ".join(sorted(s for s in token_skeletons if s)),
        surname_abjad or given_abjad,
    )


@lru_cache(maxsize=65536)
def _field(text: str) -> tuple[tuple[str, ...], tuple[str, ...], bool]:
    # Cached: lists and flights repeat the same given names and surnames.
    tokens = _tokens(text)
    return tokens, tuple(skeleton(t) for t in tokens), is_abjad(text)
