"""Names and document numbers reduced to comparable ASCII parts.

A name is transliterated with ``anyascii`` (so "Žofia Nováková", "ZOFIA
NOVAKOVA" and the MRZ of her passport compare equal, and "Иван Петров" becomes
"IVAN PETROV"), uppercased, stripped of apostrophes (O'BRIEN -> OBRIEN; the
ain and hamza that anyascii writes as ` and ') and split into letter tokens on
everything else (hyphens, dots, commas, digits). Y is folded into I, because
transliteration schemes disagree mostly there: anyascii writes "Юлия Тестова"
as "YULIYA TESTOVA", a passport (ICAO 9303) as "IULIIA TESTOVA"; both become
"IULIIA TESTOVA" (and MEYER and MEIER compare equal).

Each token becomes a `Part` carrying every form the scorer compares:

* ``key``, the token with the romanisation choices that differ between
  English, French and ICAO spellings of Arabic (and other) names folded
  together (`romanise`): CH/SH, KH/H, TH/T, DH/D, GH/G, DJ/J, PH/F, Q/K, OU and OO/U,
  EE/I, W/U, doubled letters collapsed, a final H after a vowel dropped, and
  ABDEL/ABDAL/ABDOL/ABDUL written one way. "UTHMAN" and "OUTHMAN" -> "UTMAN";
  "MOHAMMED" -> "MOHAMED".
* ``skeleton``, the consonants of the key (`skeleton`): Arabic and Hebrew are
  abjads, so "خالد حسن" transliterates to "KHLD HSN" while the passport says
  "KHALID HASSAN"; both have the skeletons "HLD" and "HSN".
* ``symbols``, the names it is a form or nickname of (`equivalents`), looked
  up as written (lowercase, original script, Y not folded) and as transliterated.

Articles and particles (al-, el-, ul-, bin, van, de, ...) are dropped when the
name has other parts: "al-Hijazi" and "HIJAZI" are the same family name.
"""

from __future__ import annotations

import re
from functools import lru_cache
from itertools import groupby
from typing import Final, NamedTuple

from anyascii import anyascii

from screening_service.lookout.equivalents import name_symbols

_ABJAD: Final = re.compile(
    "[\u0590-\u05ff"  # Hebrew
    "\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff"  # Arabic, supplement, extended-A
    "\u0700-\u074f\u0780-\u07bf"  # Syriac, Thaana
    "\ufb1d-\ufdff\ufe70-\ufeff]"  # presentation forms
)
_APOSTROPHES: Final = re.compile("['`\u2019\u02bc\u02bb\u02be\u02bf]")
_NOT_LETTERS: Final = re.compile("[^A-Z]+")
_WORDS: Final = re.compile(r"[^\W\d_]+")  # Unicode-aware runs of letters
_NOT_ALNUM: Final = re.compile(r"[\W_]+")  # Unicode-aware: keeps letters of any script
_VOWELS: Final = str.maketrans("", "", "AEIOUWY")

PARTICLES: Final = frozenset(
    {
        # Arabic article, with the assimilated forms of the sun letters.
        "AL", "EL", "UL", "AD", "AN", "AR", "AS", "ASH", "AT", "AZ", "ADH", "ATH",
        # Filiation words that many sources drop or add.
        "BIN", "IBN", "BINT", "BEN", "OULD",
        # European particles.
        "DE", "DA", "DI", "DO", "DOS", "DAS", "DEL", "DELLA", "DER", "DEN", "VAN", "VON",
        "LA", "LE",
    }
)  # fmt: skip
_ROMANISATION: Final = (
    (re.compile("ABD[AEOU]?L"), "ABDUL"),
    (re.compile("CH"), "SH"),  # French writes the Arabic shin CH; also folds Slavic CH and SH
    (re.compile("KH"), "H"),
    (re.compile("GH"), "G"),
    (re.compile("TH"), "T"),
    (re.compile("DH"), "D"),
    (re.compile("DJ"), "J"),
    (re.compile("PH"), "F"),
    (re.compile("CK"), "K"),
    (re.compile("Q"), "K"),
    (re.compile("OU|OO|W"), "U"),
    (re.compile("EE"), "I"),
    (re.compile("(?<=[AEIOU])H$"), ""),
)
_PATRONYMIC: Final = re.compile("(OVNA|EVNA|IEVNA|INICHNA|ICHNA|OVICH|EVICH|IEVICH|ICH|OVIC|EVIC)$")


class Part(NamedTuple):
    """One name part in every form the scorer compares (see the module docstring)."""

    token: str
    """Transliterated, uppercase, Y folded into I."""
    key: str
    """`romanise` of the token."""
    skeleton: str
    """Consonants of the key (may be empty)."""
    symbols: frozenset[str]
    """`equivalents.name_symbols` of the part as written and as transliterated."""
    family: bool
    """From the surname field."""
    abjad: bool
    """Written in a script without short vowels: only the skeleton is reliable."""
    patronymic: bool
    """Looks like an East Slavic or South Slavic patronymic (-OVNA, -OVICH, ...)."""


class NormalizedName(NamedTuple):
    """A surname/given-names pair as parts: surname parts first.

    A named tuple rather than a dataclass: an index builds one per listed name,
    and tuples are much cheaper to create.
    """

    parts: tuple[Part, ...]
    abjad: bool
    """Some part was in an abjad script."""

    @property
    def tokens(self) -> tuple[str, ...]:
        return tuple(p.token for p in self.parts)


def normalize_text(text: str) -> str:
    """Transliterate, uppercase, fold Y into I, keep letter tokens separated by one space."""
    return " ".join(_ascii_tokens(text))


def _ascii_tokens(text: str) -> list[str]:
    ascii_upper = anyascii(_APOSTROPHES.sub("", text)).upper().replace("Y", "I")
    return _NOT_LETTERS.sub(" ", _APOSTROPHES.sub("", ascii_upper)).split()


def romanise(token: str) -> str:
    """Fold romanisation variants of one normalised token: "KHALEEL" -> "HALIL"."""
    for pattern, replacement in _ROMANISATION:
        token = pattern.sub(replacement, token)
    return "".join(letter for letter, _ in groupby(token))


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


def normalize_name(surname: str, given_names: str) -> NormalizedName:
    """Normalise a name given as its two fields (either may be empty)."""
    parts = _field(surname, True) + _field(given_names, False)
    kept = tuple(p for p in parts if p.token not in PARTICLES)
    chosen = kept or parts
    return NormalizedName(chosen, any(p.abjad for p in chosen))


@lru_cache(maxsize=65536)
def _field(text: str, family: bool) -> tuple[Part, ...]:
    # Cached: lists and flights repeat the same given names and surnames.
    parts: list[Part] = []
    for word in _WORDS.findall(_APOSTROPHES.sub("", text)):
        abjad = is_abjad(word)
        tokens = _ascii_tokens(word)
        written = name_symbols(word.lower()) if len(tokens) == 1 else frozenset()
        for token in tokens:
            key = romanise(token)
            parts.append(
                Part(
                    token,
                    key,
                    skeleton(key),
                    written | name_symbols(token.lower()),
                    family,
                    abjad,
                    not family and _PATRONYMIC.search(token) is not None,
                )
            )
    return tuple(parts)
