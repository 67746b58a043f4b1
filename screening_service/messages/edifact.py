"""Clean text -> numbered segments (pydifact's tokenizer) -> messages (UNH..UNT).

pydifact tokenizes; this module numbers segments across the whole input
(``UNA`` counts, so numbers match what an analyst counts in an editor),
checks the envelope counts (``UNT``, ``UNZ``: warnings, never rejections) and
groups the segments into messages with the date of their interchange.
"""

from __future__ import annotations

import datetime as dt
import warnings as py_warnings
from collections.abc import Iterator
from dataclasses import dataclass, field

from pydifact.control.characters import Characters
from pydifact.exceptions import EDISyntaxError
from pydifact.parser import Parser
from pydifact.tokenizer import Tokenizer

from screening_service.messages.clean import Interchange, clean
from screening_service.messages.model import ConversionWarning, MessageError

_SERVICE = frozenset({"UNA", "UNB", "UNG", "UNE", "UNZ"})


@dataclass(frozen=True, slots=True)
class Segment:
    number: int
    tag: str
    elements: tuple[tuple[str, ...], ...]

    def get(self, element: int, component: int = 0) -> str:
        """One component (0-based element after the tag, 0-based component); "" when absent."""
        if element >= len(self.elements):
            return ""
        parts = self.elements[element]
        return parts[component] if component < len(parts) else ""

    def element(self, element: int) -> tuple[str, ...]:
        return self.elements[element] if element < len(self.elements) else ()


@dataclass
class Message:
    """One UNH..UNT message; ``sent`` is the date of its interchange (UNB), when readable."""

    header: Segment
    segments: list[Segment] = field(default_factory=list)
    sent: dt.datetime | None = None

    @property
    def kind(self) -> str:
        return self.header.get(1, 0).upper()


@dataclass
class Parsed:
    messages: list[Message]
    warnings: list[ConversionWarning]


def _raw_segments(interchange: Interchange) -> Iterator[list[str | list[str]]]:
    d = interchange.delimiters
    characters = Characters(  # type: ignore[no-untyped-call]  # pydifact leaves __init__ untyped
        component_separator=d.component,
        data_separator=d.element,
        decimal_point=d.decimal,
        escape_character=d.release,
        reserved=d.reserved,
        segment_terminator=d.terminator,
    )
    tokens = Tokenizer().get_tokens(interchange.text, characters)
    yield from Parser(characters=characters).convert_tokens_to_raw_segments(tokens)


def _segment(number: int, raw: list[str | list[str]]) -> Segment:
    tag = raw[0]
    if not isinstance(tag, str) or len(tag := tag.strip()) != 3 or not tag.isalnum():
        raise MessageError(number, "BAD_SEGMENT_TAG", "a segment does not start with a tag")
    elements = tuple(
        tuple(c.strip() for c in e) if isinstance(e, list) else (str(e).strip(),) for e in raw[1:]
    )
    return Segment(number, tag.upper(), elements)


def segments(data: bytes) -> tuple[list[Segment], list[ConversionWarning]]:
    """Every segment of ``data`` in order; `MessageError` when the syntax breaks."""
    cleaned = clean(data)
    found: list[Segment] = []
    number = 0
    for interchange in cleaned.interchanges:
        number += interchange.has_una
        try:
            with py_warnings.catch_warnings():
                py_warnings.simplefilter("ignore")
                for raw in _raw_segments(interchange):
                    number += 1
                    found.append(_segment(number, raw))
        except EDISyntaxError:
            raise MessageError(
                number + 1, "SYNTAX", "the segment cannot be tokenized (release character?)"
            ) from None
        if interchange.tail:
            number += 1
            if interchange.tail.upper().startswith("UNZ"):
                cleaned.warnings.append(
                    ConversionWarning(number, "MISSING_TERMINATOR", "UNZ has no terminator")
                )
            else:
                raise MessageError(number, "TRUNCATED", "the input ends inside a segment")
    return found, cleaned.warnings


def _interchange_time(unb: Segment) -> dt.datetime | None:
    day, clock = unb.get(3, 0), unb.get(3, 1)
    try:
        if len(day) == 6 and day.isdigit():
            date = dt.datetime.strptime(day, "%y%m%d")
        elif len(day) == 8 and day.isdigit():
            date = dt.datetime.strptime(day, "%Y%m%d")
        else:
            return None
        if len(clock) == 4 and clock.isdigit():
            date = date.replace(hour=int(clock[:2]), minute=int(clock[2:]))
    except ValueError:
        return None
    return date.replace(tzinfo=dt.UTC)


def _count(segment: Segment) -> int | None:
    text = segment.get(0)
    return int(text) if text.isdigit() and len(text) < 9 else None


def messages(data: bytes) -> Parsed:
    """The UNH..UNT messages of ``data``; envelope defects become warnings."""
    found, warnings = segments(data)
    result: list[Message] = []
    current: Message | None = None
    sent: dt.datetime | None = None
    in_interchange = 0
    groups = 0

    def close(message: Message, trailer: Segment | None) -> None:
        if trailer is None:
            warnings.append(ConversionWarning(message.header.number, "MISSING_UNT", "no UNT"))
            return
        declared = _count(trailer)
        actual = len(message.segments) + 2
        if declared != actual:
            warnings.append(
                ConversionWarning(
                    trailer.number,
                    "UNT_COUNT",
                    f"UNT declares {trailer.get(0) or 'no'} segments, the message holds {actual}",
                )
            )

    for segment in found:
        tag = segment.tag
        if tag == "UNB":
            sent = _interchange_time(segment)
            in_interchange = groups = 0
        elif tag == "UNG":
            groups += 1
        elif tag == "UNZ":
            declared = _count(segment)
            expected = groups or in_interchange
            if declared is not None and declared != expected:
                warnings.append(
                    ConversionWarning(
                        segment.number,
                        "UNZ_COUNT",
                        f"UNZ declares {declared} messages or groups, the interchange"
                        f" holds {expected}",
                    )
                )
        elif tag == "UNH":
            if current is not None:
                close(current, None)
            current = Message(segment, sent=sent)
            result.append(current)
            in_interchange += 1
        elif tag == "UNT":
            if current is None:
                warnings.append(ConversionWarning(segment.number, "STRAY_UNT", "UNT without UNH"))
            else:
                close(current, segment)
                current = None
        elif tag in _SERVICE:
            continue
        elif current is None:
            warnings.append(
                ConversionWarning(segment.number, "OUTSIDE_MESSAGE", f"{tag} outside UNH..UNT")
            )
        else:
            current.segments.append(segment)
    if current is not None:
        close(current, None)
    if not result:
        raise MessageError(0, "NO_MESSAGE", "the input holds no UNH message")
    return Parsed(result, warnings)
