"""Which converter reads a message: its UNH message type, checked against the caller's choice."""

from __future__ import annotations

from screening_service.messages.edifact import Message
from screening_service.messages.model import ConversionWarning, MessageError, MessageKind

_TYPES = {"PAXLST": MessageKind.PAXLST, "PNRGOV": MessageKind.PNRGOV}


def kind_of(message: Message) -> MessageKind | None:
    return _TYPES.get(message.kind)


def sort_messages(
    messages: list[Message], wanted: MessageKind | None, warnings: list[ConversionWarning]
) -> dict[MessageKind, list[Message]]:
    """Messages by kind. A message of another kind than ``wanted`` is an error; one of
    an unsupported type (neither PAXLST nor PNRGOV) is skipped with a warning."""
    sorted_: dict[MessageKind, list[Message]] = {}
    for message in messages:
        kind = kind_of(message)
        if kind is None:
            warnings.append(
                ConversionWarning(
                    message.header.number, "UNSUPPORTED_MESSAGE", "not a PAXLST or PNRGOV message"
                )
            )
            continue
        if wanted is not None and kind is not wanted:
            raise MessageError(
                message.header.number, "WRONG_FORMAT", f"a {kind.value} message, not {wanted.value}"
            )
        sorted_.setdefault(kind, []).append(message)
    if not sorted_:
        raise MessageError(0, "NO_MESSAGE", "no PAXLST or PNRGOV message in the input")
    return sorted_


_WRAPPERS = b" \t\r\n\x02"


def is_message(head: bytes) -> bool:
    """Whether a file starting with ``head`` holds EDIFACT (UNA or UNB first), not JSON."""
    return head.lstrip(_WRAPPERS)[:3] in (b"UNA", b"UNB")
