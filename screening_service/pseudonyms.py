"""Keyed pseudonyms: identifiers derived from contact data, never kept in clear.

A pseudonym is HMAC-SHA256, under the deployment's secret key, of an
identifier's kind and its normalised text. The same person's phone number
written two ways gives one pseudonym; without the key nobody can test a
guessed number against it (a plain hash of a phone number is reversible by
enumeration). Airline-message conversion (payer, phone, e-mail) and the
travel history (purchaser, contact, traveler identity) use the same key, so
their pseudonyms agree.

The key is 32 or more random bytes, read from a file (``--pseudonym-key
FILE`` / ``SCREENING_PSEUDONYM_KEY_FILE``) or given as hex in
``SCREENING_PSEUDONYM_KEY``. `PseudonymKey.ensure_file` creates a key file
(mode 0600) for the embedded default.
"""

from __future__ import annotations

import enum
import hashlib
import os
import re
import secrets
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

KEY_ENV: Final = "SCREENING_PSEUDONYM_KEY"
KEY_FILE_ENV: Final = "SCREENING_PSEUDONYM_KEY_FILE"
KEY_FILE_NAME: Final = "pseudonym.key"  # in the data directory of the embedded default
MIN_KEY_BYTES: Final = 32
PSEUDONYM_BYTES: Final = 16  # 128 bits: no collision among billions of identifiers
PSEUDONYM_HEX: Final = 2 * PSEUDONYM_BYTES


class PseudonymKeyError(ValueError):
    """The pseudonym key is missing, unreadable or too short; the message says which."""


class IdentifierKind(enum.StrEnum):
    PHONE = "phone"
    EMAIL = "email"
    NAME = "name"
    PAYER = "payer"
    DOCUMENT = "document"
    IDENTITY = "identity"
    OTHER = "other"


# Members looked up once: an attribute of the enum class costs a metaclass call.
_PHONE: Final = IdentifierKind.PHONE
_EMAIL: Final = IdentifierKind.EMAIL
_DOCUMENT: Final = IdentifierKind.DOCUMENT
_NOT_DIGIT: Final = re.compile(r"\D+")
_NOT_ALNUM: Final = re.compile(r"[\W_]+")


def normalise(kind: IdentifierKind, value: str) -> str:
    """The comparable form of an identifier: case, width, spacing and punctuation folded."""
    # NFKC leaves ASCII as it is: most identifiers skip the Unicode tables.
    text = (value if value.isascii() else unicodedata.normalize("NFKC", value)).casefold()
    text = text.strip()
    if kind is _PHONE:
        return _NOT_DIGIT.sub("", text).removeprefix("00")
    if kind is _EMAIL:
        return "".join(text.split())
    if kind is _DOCUMENT:
        return text if text.isalnum() else _NOT_ALNUM.sub("", text)
    return " ".join(text.replace("/", " ").split())


SHA256_BLOCK: Final = 64


def hmac_states(secret: bytes) -> tuple[Any, Any]:
    """SHA-256 after the key's inner and outer pads: HMAC (RFC 2104) without re-keying.

    `hmac.digest` prepares the key again at every call (OpenSSL fetches the
    algorithm and hashes both pads), which costs twice the hashing itself.
    """
    block = hashlib.sha256(secret).digest() if len(secret) > SHA256_BLOCK else secret
    block = block.ljust(SHA256_BLOCK, b"\0")
    inner = hashlib.sha256(bytes(b ^ 0x36 for b in block))
    outer = hashlib.sha256(bytes(b ^ 0x5C for b in block))
    return inner, outer


# A purchaser or contact recurs on a flight and across flights, so its pseudonym is
# kept; a person's name, birth date or document number is never kept in this cache.
RECURRING: Final = (
    IdentifierKind.PAYER,
    IdentifierKind.PHONE,
    IdentifierKind.EMAIL,
    IdentifierKind.OTHER,
)
RECURRING_CACHE_SIZE: Final = 65536


@dataclass(frozen=True)
class PseudonymKey:
    secret: bytes = field(repr=False)
    # (kind, value) -> pseudonym, for the RECURRING kinds only; emptied when full.
    _recurring: dict[tuple[str, str], str] = field(
        default_factory=dict, init=False, repr=False, compare=False, hash=False
    )
    _states: tuple[Any, Any] = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        if len(self.secret) < MIN_KEY_BYTES:
            raise PseudonymKeyError(f"the pseudonym key must hold at least {MIN_KEY_BYTES} bytes")
        object.__setattr__(self, "_states", hmac_states(self.secret))

    def __reduce__(self) -> tuple[type[PseudonymKey], tuple[bytes]]:
        """Pickled as its secret: the hash states and the cache are rebuilt, not copied."""
        return (type(self), (self.secret,))

    def _digest(self, kind: IdentifierKind, value: str) -> str:
        text = normalise(kind, value)
        if not text:
            return ""
        # kind._value_, not kind.value: the property costs more than the hashing.
        inner_pad, outer_pad = self._states
        inner = inner_pad.copy()
        inner.update(f"{kind._value_}\x1f{text}".encode())
        outer = outer_pad.copy()
        outer.update(inner.digest())
        digest: bytes = outer.digest()
        return digest[:PSEUDONYM_BYTES].hex()

    @classmethod
    def generate(cls) -> PseudonymKey:
        return cls(secrets.token_bytes(MIN_KEY_BYTES))

    @classmethod
    def from_file(cls, path: Path) -> PseudonymKey:
        try:
            data = path.read_bytes()
        except OSError as error:
            raise PseudonymKeyError(
                f"cannot read pseudonym key file {path}: {error.strerror}"
            ) from None
        text = data.strip()
        try:
            decoded = bytes.fromhex(text.decode("ascii"))
        except (UnicodeDecodeError, ValueError):
            decoded = data
        return cls(decoded)

    @classmethod
    def from_environment(cls, path: Path | None = None) -> PseudonymKey | None:
        """The key from ``path``, else from the environment; None when none is configured."""
        if path is not None:
            return cls.from_file(path)
        if file := os.environ.get(KEY_FILE_ENV):
            return cls.from_file(Path(file))
        if text := os.environ.get(KEY_ENV):
            try:
                return cls(bytes.fromhex(text.strip()))
            except ValueError:
                raise PseudonymKeyError(f"{KEY_ENV} must be the key written in hex") from None
        return None

    @classmethod
    def ensure_file(cls, path: Path) -> PseudonymKey:
        """Read ``path``, or create it with a new random key (readable by the owner only)."""
        if path.exists():
            return cls.from_file(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        key = cls.generate()
        # Written aside, then linked into place: a process starting at the same
        # moment reads either no file or a whole key, and the first link wins.
        draft = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(descriptor, "w", encoding="ascii") as handle:
                handle.write(key.secret.hex() + "\n")
            os.link(draft, path)
        except FileExistsError:
            return cls.from_file(path)
        finally:
            draft.unlink(missing_ok=True)
        return key

    def pseudonym(self, kind: IdentifierKind, value: str) -> str:
        """The pseudonym of one identifier; "" for an identifier that normalises to nothing."""
        # A tuple, not a set: hashing an enum member is a Python-level call.
        if kind not in RECURRING:
            return self._digest(kind, value)
        cache = self._recurring
        found = cache.get((kind._value_, value))
        if found is None:
            if len(cache) >= RECURRING_CACHE_SIZE:
                cache.clear()
            found = cache[(kind._value_, value)] = self._digest(kind, value)
        return found
