"""Bytes -> clean EDIFACT text, one piece per interchange, before tokenizing.

Real feeds wrap, re-encode and decorate the standard: type-B headers and
STX/ETX around the message, line breaks of every kind between (and, from
telex line wrapping, inside) segments, text after ``UNZ``, bytes outside the
declared character set, and broken ``UNA`` service strings. This step undoes
that and says what it did; the tokenizer (pydifact) then sees only the
syntax it implements. It never splits segments itself: it only finds the
``UNA``, the start of the first segment and the end of each ``UNZ``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Final

from screening_service.messages.model import ConversionWarning, MessageError

# Character repertoires by UNB syntax identifier: the codec that reads them,
# and whether a byte above 0x7F lies outside the declared set.
_ASCII_SETS: Final = frozenset({"UNOA", "UNOB", "IATA"})
_LATIN1_SETS: Final = frozenset({"UNOC", "UNOD", "UNOE", "UNOF"})
_UNICODE_SETS: Final = frozenset({"UNOW", "UNOY"})
_SYNTAX_ID = re.compile(rb"UNB.{1,3}?(UNO[A-Z]|IATA)")
_LINE_BREAKS: Final = "\r\n\x0b\x0c\x85\u2028\u2029"
_CONTROLS = re.compile(r"[\x00\x01\x04-\x08\x0e-\x1f\x7f]")
_START = re.compile(r"UN[ABH](?![A-Z0-9])")
_UNB_WINDOW: Final = 12
NO_RELEASE: Final = "\x00"  # the tokenizer needs a release character; NUL never survives cleaning


@dataclass(frozen=True)
class Delimiters:
    component: str = ":"
    element: str = "+"
    decimal: str = "."
    release: str = "?"
    reserved: str = " "
    terminator: str = "'"


@dataclass(frozen=True)
class Interchange:
    """One interchange's segments (``UNA`` removed), the delimiters that read them.

    ``tail`` is text after the last segment terminator (a missing final
    terminator or a truncation): the tokenizer decides which.
    """

    text: str
    delimiters: Delimiters
    has_una: bool
    tail: str


@dataclass
class Cleaned:
    interchanges: list[Interchange]
    warnings: list[ConversionWarning] = field(default_factory=list)


def _warn(warnings: list[ConversionWarning], code: str, message: str) -> None:
    warnings.append(ConversionWarning(0, code, message))


def decode(data: bytes, warnings: list[ConversionWarning]) -> str:
    """Text of the input. UTF-8 when it is valid, else the declared set's codec.

    Undeclared or 7-bit sets fall back to windows-1252, which maps nearly
    every byte to a printable character; bytes it does not map become U+FFFD.
    """
    found = _SYNTAX_ID.search(data[:200])
    declared = found.group(1).decode("ascii") if found else ""
    try:
        text = data.decode("utf-8")
        utf8 = True
    except UnicodeDecodeError:
        codec = "latin-1" if declared in _LATIN1_SETS else "cp1252"
        text = data.decode(codec, errors="replace")
        utf8 = False
    outside = 0
    if declared in _ASCII_SETS or not declared:
        outside = sum(1 for c in text if ord(c) > 0x7F)
    elif declared in _LATIN1_SETS:
        outside = sum(1 for c in text if ord(c) > 0xFF)
    if outside and declared:
        _warn(
            warnings,
            "CHARSET",
            f"{outside} characters outside the declared character set {declared}"
            f" (read as {'UTF-8' if utf8 else 'windows-1252/latin-1'})",
        )
    elif not utf8 and declared not in _LATIN1_SETS:
        _warn(warnings, "CHARSET", "the input is not UTF-8; read as windows-1252")
    elif declared in _UNICODE_SETS and not utf8:
        _warn(warnings, "CHARSET", f"the input is not UTF-8 as {declared} declares")
    return text


def _unwrap(text: str, warnings: list[ConversionWarning]) -> str:
    """Drop transport wrappers (type-B header, STX/ETX) and text before the first segment."""
    if "\x02" in text:
        text = text.split("\x02", 1)[1]
    if "\x03" in text:
        text = text.rsplit("\x03", 1)[0]
    found = _START.search(text)
    if found is None:
        raise MessageError(0, "NOT_EDIFACT", "no UNA, UNB or UNH segment found")
    if text[: found.start()].strip():
        _warn(warnings, "LEADING_TEXT", "text before the first segment ignored")
    return text[found.start() :]


def _declared_terminator(text: str) -> str:
    return text[8] if text.startswith("UNA") and len(text) > 8 else "'"


def _strip_breaks(text: str, terminator: str, warnings: list[ConversionWarning]) -> str:
    breaks = "".join(c for c in _LINE_BREAKS if c != terminator)
    text = text.translate({ord(c): None for c in breaks})
    if _CONTROLS.search(text):
        _warn(warnings, "CONTROL_CHARACTERS", "control characters removed")
        text = _CONTROLS.sub("", text)
    return text


def _una(text: str, pos: int, warnings: list[ConversionWarning]) -> tuple[Delimiters, int]:
    """Read the UNA at ``pos``; check it against the UNB that follows; return the next position."""
    body_start = pos + 3
    unb = text.find("UNB", body_start, body_start + _UNB_WINDOW)
    if unb != -1:
        body = text[body_start:unb]
        if len(body) > 6:
            body = body.rstrip(" \t")
            body = body if len(body) >= 5 else text[body_start : body_start + 6]
        end = unb
    else:
        body = text[body_start : body_start + 6]
        end = body_start + 6
    if len(body) == 5:
        _warn(warnings, "BROKEN_UNA", "UNA holds 5 characters; read without a reserved character")
        body = body[:4] + " " + body[4]
    elif len(body) != 6:
        _warn(warnings, "BROKEN_UNA", "UNA is not 6 characters; the first 6 are used")
        body = body[:6]
        end = body_start + len(body) if unb == -1 else end
    if len(body) < 6:
        raise MessageError(1, "BAD_UNA", "the UNA service string is incomplete")
    component, element, decimal, release, reserved, terminator = tuple(body)
    rest = text[end:]
    if unb != -1 and len(rest) > 3 and not rest[3].isalnum() and rest[3] != element:
        _warn(warnings, "BROKEN_UNA", "UNA element separator differs from the UNB's; UNB's used")
        element = rest[3]
    if terminator not in rest:
        actual = next((c for c in ("'", "\u2019", "~") if c in rest), terminator)
        if actual != terminator:
            _warn(warnings, "BROKEN_UNA", "UNA segment terminator never occurs; the one used read")
            terminator = actual
    if release in {" ", component, element, terminator}:
        release = NO_RELEASE
    delimiters = Delimiters(component, element, decimal, release, reserved, terminator)
    specials = (component, element, terminator)
    if len(set(specials)) != 3 or any(c.isalnum() or c.isspace() for c in specials):
        raise MessageError(1, "BAD_UNA", "UNA declares unusable delimiters")
    return delimiters, end


def _unescaped(text: str, index: int, release: str) -> bool:
    count = 0
    while index - count - 1 >= 0 and text[index - count - 1] == release:
        count += 1
    return count % 2 == 0


def _last_terminator(text: str, d: Delimiters) -> int:
    """Index just past the last unescaped terminator, 0 when there is none."""
    index = len(text)
    while (index := text.rfind(d.terminator, 0, index)) != -1:
        if _unescaped(text, index, d.release):
            return index + 1
    return 0


def _unz_end(text: str, pos: int, d: Delimiters) -> int | None:
    """Index just past the terminator of the first UNZ segment at or after ``pos``."""
    pattern = re.compile("UNZ(?=" + "|".join(map(re.escape, (d.element, d.terminator))) + ")")
    for found in pattern.finditer(text, pos):
        before = text[pos : found.start()].rstrip(" \t")
        if before and not (
            before.endswith(d.terminator) and _unescaped(before, len(before) - 1, d.release)
        ):
            continue
        index = found.end()
        while (index := text.find(d.terminator, index)) != -1:
            if _unescaped(text, index, d.release):
                return index + 1
            index += 1
        return None
    return None


def clean(data: bytes) -> Cleaned:
    """Split ``data`` into clean interchanges; raise `MessageError` when no EDIFACT is found."""
    warnings: list[ConversionWarning] = []
    text = _unwrap(decode(data, warnings), warnings)
    text = _strip_breaks(text, _declared_terminator(text), warnings)
    interchanges: list[Interchange] = []
    pos = 0
    while pos < len(text):
        while pos < len(text) and text[pos].isspace():
            pos += 1
        if pos >= len(text):
            break
        has_una = text.startswith("UNA", pos)
        delimiters = Delimiters()
        if has_una:
            delimiters, pos = _una(text, pos, warnings)
        end = _unz_end(text, pos, delimiters)
        piece = text[pos:] if end is None else text[pos:end]
        cut = _last_terminator(piece, delimiters)
        interchanges.append(
            Interchange(
                piece[:cut], delimiters, has_una, piece[cut:].strip() if end is None else ""
            )
        )
        if end is None:
            break
        rest = text[end:].lstrip()
        if not rest:
            break
        if not _START.match(rest) or rest.startswith("UNH"):
            _warn(warnings, "TRAILING_TEXT", "text after UNZ ignored")
            break
        pos = len(text) - len(rest)
    return Cleaned(interchanges, warnings)
