"""Keyed pseudonyms: stable under the key, normalised, never the identifier itself."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from screening_service.pseudonyms import (
    IdentifierKind,
    PseudonymKey,
    PseudonymKeyError,
    normalise,
)

KEY = PseudonymKey(bytes(range(32)))


@pytest.mark.parametrize(
    ("kind", "raw", "expected"),
    [
        (IdentifierKind.PHONE, "+44 (20) 7946-0000", "442079460000"),
        (IdentifierKind.PHONE, "0044 20 7946 0000", "442079460000"),
        (IdentifierKind.EMAIL, " Test.Person@Example.TEST ", "test.person@example.test"),
        (IdentifierKind.DOCUMENT, "zz-000 001", "zz000001"),
        (IdentifierKind.NAME, "TESTPERSON/SYNTHETIC  ALEX", "testperson synthetic alex"),
    ],
)
def test_normalise(kind: IdentifierKind, raw: str, expected: str) -> None:
    assert expected == normalise(kind, raw)


def test_same_identifier_written_differently_gives_one_pseudonym() -> None:
    first = KEY.pseudonym(IdentifierKind.PHONE, "+44 20 7946 0000")
    assert first == KEY.pseudonym(IdentifierKind.PHONE, "0044-20-7946-0000")
    assert len(first) == 32
    assert "7946" not in first


def test_kind_and_key_separate_pseudonyms() -> None:
    phone = KEY.pseudonym(IdentifierKind.PHONE, "12345")
    assert phone != KEY.pseudonym(IdentifierKind.DOCUMENT, "12345")
    assert phone != PseudonymKey(bytes(32)).pseudonym(IdentifierKind.PHONE, "12345")


def test_empty_identifier_has_no_pseudonym() -> None:
    assert "" == KEY.pseudonym(IdentifierKind.PHONE, " - ")


def test_short_key_is_refused() -> None:
    with pytest.raises(PseudonymKeyError, match="at least 32 bytes"):
        PseudonymKey(b"short")


def test_key_file_is_created_private_and_read_back(tmp_path: Path) -> None:
    path = tmp_path / "data" / "pseudonym.key"
    created = PseudonymKey.ensure_file(path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert created == PseudonymKey.ensure_file(path)
    assert created == PseudonymKey.from_file(path)


def test_key_from_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("SCREENING_PSEUDONYM_KEY_FILE", raising=False)
    monkeypatch.delenv("SCREENING_PSEUDONYM_KEY", raising=False)
    assert PseudonymKey.from_environment() is None
    monkeypatch.setenv("SCREENING_PSEUDONYM_KEY", bytes(range(32)).hex())
    assert KEY == PseudonymKey.from_environment()
    monkeypatch.setenv("SCREENING_PSEUDONYM_KEY", "not hex")
    with pytest.raises(PseudonymKeyError, match="hex"):
        PseudonymKey.from_environment()
    (tmp_path / "k").write_bytes(bytes(range(32)))
    assert KEY == PseudonymKey.from_environment(tmp_path / "k")


def test_key_is_not_in_repr() -> None:
    assert bytes(range(32)).hex() not in repr(KEY)
    assert "secret" not in repr(KEY)


def test_processes_starting_together_agree_on_one_key(tmp_path: Path) -> None:
    path = tmp_path / "pseudonym.key"
    from concurrent.futures import ProcessPoolExecutor  # noqa: PLC0415

    with ProcessPoolExecutor(4) as pool:
        keys = list(pool.map(PseudonymKey.ensure_file, [path] * 8))
    assert len({k.secret for k in keys}) == 1
    assert [path] == list(tmp_path.iterdir())


@pytest.mark.parametrize("size", [32, 64, 65, 200])
def test_the_pseudonym_is_the_standard_hmac_sha256_of_kind_and_normalised_text(size: int) -> None:
    import hmac  # noqa: PLC0415

    key = PseudonymKey(bytes(range(size)))
    expected = hmac.digest(key.secret, b"document\x1fzz000001", "sha256")[:16].hex()

    assert expected == key.pseudonym(IdentifierKind.DOCUMENT, "zz-000 001")
    assert expected == key.pseudonym(IdentifierKind.DOCUMENT, "ZZ 000001")


def test_a_recurring_pseudonym_is_the_same_from_the_cache() -> None:
    first = KEY.pseudonym(IdentifierKind.PAYER, "SAMPLEBUYER FICTIONAL")

    assert first == KEY.pseudonym(IdentifierKind.PAYER, "SAMPLEBUYER FICTIONAL")
    assert first == PseudonymKey(KEY.secret).pseudonym(
        IdentifierKind.PAYER, "samplebuyer fictional"
    )
    assert first != KEY.pseudonym(IdentifierKind.OTHER, "SAMPLEBUYER FICTIONAL")
