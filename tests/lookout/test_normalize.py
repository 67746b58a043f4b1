"""Normalisation: transliteration, case, punctuation, skeletons, document numbers."""

from __future__ import annotations

import pytest

from screening_service.lookout.normalize import (
    is_abjad,
    normalize_document,
    normalize_name,
    normalize_text,
    skeleton,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Žofia Nováková", "ZOFIA NOVAKOVA"),
        ("ZOFIA NOVAKOVA", "ZOFIA NOVAKOVA"),
        ("  zofia   novakova ", "ZOFIA NOVAKOVA"),
        ("Иван Петров", "IVAN PETROV"),
        ("Юлия Щербакова", "IULIIA SHCHERBAKOVA"),  # Y folded into I, as ICAO writes it
        ("IULIIA SHCHERBAKOVA", "IULIIA SHCHERBAKOVA"),
        ("Meyer", "MEIER"),
        ("Γιώργος Παπαδόπουλος", "GIORGOS PAPADOPOILOS"),
        ("خالد حسن", "KHLD HSN"),
        ("سمير", "SMIR"),
        ("Łukasz Żółć", "LUKASZ ZOLC"),
        ("Straße", "STRASSE"),
        ("O'Brien-Smith, Jr.", "OBRIEN SMITH JR"),
        ("O\u2019Brien", "OBRIEN"),  # typographic apostrophe
        ("Anna2 Maria", "ANNA MARIA"),
        ("?!", ""),
        ("", ""),
    ],
)
def test_normalize_text(text: str, expected: str) -> None:
    assert normalize_text(text) == expected


@pytest.mark.parametrize(
    ("token", "expected"),
    [
        ("HASSAN", "HSN"),
        ("HSN", "HSN"),
        ("MOHAMED", "MHMD"),
        ("MUHAMMAD", "MHMD"),
        ("MHMD", "MHMD"),
        ("YOUSSEF", "SF"),
        ("YWSF", "SF"),
        ("EYA", ""),
    ],
)
def test_skeleton(token: str, expected: str) -> None:
    assert skeleton(token) == expected


def test_only_abjad_scripts_are_marked() -> None:
    assert is_abjad("خالد")
    assert is_abjad("דוד")
    assert not is_abjad("Иван")
    assert not is_abjad("Žofia")
    assert not is_abjad("KHALID")


def test_normalize_name_keeps_every_form() -> None:
    name = normalize_name("Nováková Testová", "Žofia")

    assert name.tokens == ("NOVAKOVA", "TESTOVA", "ZOFIA")
    assert name.forward == "NOVAKOVA TESTOVA ZOFIA"
    assert name.reverse == "ZOFIA NOVAKOVA TESTOVA"
    assert name.sorted_text == "NOVAKOVA TESTOVA ZOFIA"
    assert name.token_skeletons == ("NVKV", "TSTV", "ZF")
    assert name.skeleton == "NVKV TSTV ZF"
    assert name.distinct_tokens == 3
    assert not name.abjad


def test_normalize_name_marks_abjad_names() -> None:
    name = normalize_name("حسن", "خالد")

    assert name.forward == "HSN KHLD"
    assert name.skeleton == "HSN KHLD"
    assert name.abjad


def test_an_empty_given_name_adds_nothing() -> None:
    name = normalize_name("Testperson", "")

    assert (name.tokens, name.forward, name.reverse) == (
        ("TESTPERSON",),
        "TESTPERSON",
        "TESTPERSON",
    )


@pytest.mark.parametrize(
    ("number", "expected"),
    [
        ("ab 123-456", "AB123456"),
        ("AB123456", "AB123456"),
        (" zz.000/0001 ", "ZZ0000001"),
        ("--", ""),
    ],
)
def test_normalize_document(number: str, expected: str) -> None:
    assert normalize_document(number) == expected
