"""Fictional lookout entries and travelers, for tests and benchmarks.

Names are built from made-up syllables in four scripts (Latin with
diacritics, Cyrillic, Greek, Arabic), so they look like names to the
normaliser without being anyone's. Listed document numbers start with ``ZZ``
and travelers' with ``ZX``, which no issuing state uses, so a traveler hits by
document only when a test plants the number. Everything is a pure function of ``seed``.
"""

# Cyrillic and Greek letters that look like Latin ones are the point here.
# ruff: noqa: RUF001

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Final

from anyascii import anyascii

from screening_service.lookout.model import (
    Alias,
    BirthDate,
    ListKind,
    LookoutEntry,
    LookoutQuery,
)

SCRIPTS: Final = ("latin", "cyrillic", "greek", "arabic")
_SYLLABLES: Final[dict[str, tuple[str, ...]]] = {
    "latin": (
        "zo", "vá", "kél", "ir", "brä", "nö", "šta", "mi", "ćor", "dal",
        "fen", "grý", "hål", "jű", "quo", "ryn", "sæ", "tov", "ul", "wex",
    ),
    "cyrillic": (
        "зо", "ва", "кел", "ир", "бра", "нё", "шта", "ми", "чор", "дал",
        "фен", "гры", "хол", "жу", "кво", "рын", "сэ", "тов", "ул", "щек",
    ),
    "greek": (
        "ζο", "βα", "κελ", "ιρ", "βρα", "νο", "στα", "μι", "χορ", "δαλ",
        "φεν", "γρυ", "θολ", "ξυ", "κω", "ρυν", "σαι", "τοβ", "ουλ", "ψεκ",
    ),
    "arabic": (
        "زو", "فا", "كيل", "ير", "برا", "نو", "شتا", "مي", "جور", "دال",
        "فين", "غري", "حول", "طو", "قو", "رين", "صا", "توب", "ول", "ظك",
    ),
}  # fmt: skip
_KINDS: Final = (ListKind.MISSING_PERSON, ListKind.KNOWN_TRAFFICKER, ListKind.OTHER)
_KIND_WEIGHTS: Final = (6, 3, 1)
_FIRST_BIRTH: Final = date(1945, 1, 1)
_BIRTH_SPAN_DAYS: Final = (date(2015, 12, 31) - _FIRST_BIRTH).days


def synthetic_entries(count: int, seed: int) -> list[LookoutEntry]:
    """``count`` fictional entries with ids ``SYN000001``...; the same for the same seed.

    About 80% have a full date of birth, 12% only a year, 8% none; 65% carry
    a document number (some written with spaces and dashes); 15% have an alias
    (the name transliterated to Latin capitals, or a second spelling).
    """
    rng = random.Random(seed)
    entries: list[LookoutEntry] = []
    for number in range(1, count + 1):
        script = rng.choice(SCRIPTS)
        surname = _word(rng, script, 2, 3)
        given = " ".join(_word(rng, script, 2, 2) for _ in range(rng.choice((1, 1, 1, 2))))
        roll = rng.random()
        born = _birth_date(rng)
        birth = (
            BirthDate.full(born)
            if roll < 0.80
            else BirthDate.year_only(born.year)
            if roll < 0.92
            else None
        )
        aliases: tuple[Alias, ...] = ()
        if rng.random() < 0.15:
            if script == "latin" or rng.random() < 0.5:
                aliases = (Alias(_word(rng, script, 2, 3), given),)
            else:
                aliases = (Alias(anyascii(surname).upper(), anyascii(given).upper()),)
        entries.append(
            LookoutEntry(
                list_kind=rng.choices(_KINDS, _KIND_WEIGHTS)[0],
                entry_id=f"SYN{number:06d}",
                surname=surname,
                given_names=given,
                date_of_birth=birth,
                aliases=aliases,
                document_numbers=_documents(rng),
            )
        )
    return entries


def synthetic_travelers(count: int, seed: int) -> list[LookoutQuery]:
    """``count`` fictional travelers as a passport shows them: Latin capitals, full date."""
    rng = random.Random(seed)
    travelers: list[LookoutQuery] = []
    for _ in range(count):
        script = rng.choice(SCRIPTS)
        surname = anyascii(_word(rng, script, 2, 3)).upper()
        given = anyascii(_word(rng, script, 2, 2)).upper()
        number = f"ZX{rng.randrange(10**7):07d}"  # never a listed number (those are ZZ)
        travelers.append(LookoutQuery(surname, given, _birth_date(rng), number))
    return travelers


def _word(rng: random.Random, script: str, shortest: int, longest: int) -> str:
    syllables = _SYLLABLES[script]
    word = "".join(rng.choice(syllables) for _ in range(rng.randint(shortest, longest)))
    return word if script == "arabic" else word.capitalize()


def _birth_date(rng: random.Random) -> date:
    return _FIRST_BIRTH + timedelta(days=rng.randrange(_BIRTH_SPAN_DAYS + 1))


def _documents(rng: random.Random) -> tuple[str, ...]:
    roll = rng.random()
    count = 0 if roll < 0.35 else 1 if roll < 0.90 else 2
    numbers: list[str] = []
    for _ in range(count):
        digits = f"{rng.randrange(10**7):07d}"
        if rng.random() < 0.2:
            numbers.append(f"zz {digits[:3]}-{digits[3:]}")  # as typed, not as printed
        else:
            numbers.append(f"ZZ{digits}")
    return tuple(numbers)
