"""`ScreenMessage`'s first step: the airline message as sent -> manifests, or a clear error.

The conversion is the same one `screening convert` runs
(`messages.convert`); here its failures become the request errors a caller
sees: an unreadable message is INVALID_ARGUMENT with a BadRequest naming the
segment, an oversized one RESOURCE_EXHAUSTED. Nothing personal is echoed.
"""

from __future__ import annotations

from typing import Final

from screening_service.messages import (
    MAX_INPUT_BYTES,
    Conversion,
    MessageError,
    MessageKind,
    convert,
)
from screening_service.pipeline.validate import Violation
from screening_service.proto import pb
from screening_service.pseudonyms import PseudonymKey
from screening_service.server.errors import InvalidRequest, RequestTooLarge

KINDS: Final = {
    pb.MESSAGE_FORMAT_UNSPECIFIED: None,
    pb.MESSAGE_FORMAT_PAXLST: MessageKind.PAXLST,
    pb.MESSAGE_FORMAT_PNRGOV: MessageKind.PNRGOV,
}


def convert_message(request: pb.ScreenMessageRequest, key: PseudonymKey | None) -> Conversion:
    """The flights of a `ScreenMessageRequest`; raises the request error to answer with."""
    if len(request.message) > MAX_INPUT_BYTES:
        raise RequestTooLarge("message", f"is larger than {MAX_INPUT_BYTES} bytes")
    if not request.message:
        raise InvalidRequest([Violation("message", "is required")])
    if request.format not in KINDS:
        raise InvalidRequest([Violation("format", f"has unknown enum number {request.format}")])
    try:
        return convert(
            bytes(request.message), KINDS[request.format], request.home_country or None, key
        )
    except MessageError as error:
        raise InvalidRequest(
            [Violation(f"message.segment[{error.segment}]", f"{error.code}: {error.message}")]
        ) from None
    except ValueError as error:
        raise InvalidRequest([Violation("home_country", str(error))]) from None
