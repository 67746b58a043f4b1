"""The entry point: message bytes -> one manifest per flight, with warnings.

bytes -> clean (envelope) -> tokenize (pydifact) -> messages (UNH..UNT) ->
PAXLST or PNRGOV drafts -> joined per flight -> manifests the service
accepts. Callers (the ``screening convert`` command, the ``ScreenMessage``
RPC, replay) call `convert` and nothing below it.
"""

from __future__ import annotations

from screening_service import geography
from screening_service.messages import paxlst, pnrgov
from screening_service.messages.detect import sort_messages
from screening_service.messages.edifact import messages
from screening_service.messages.manifest import FlightDraft, finish, join
from screening_service.messages.model import (
    Conversion,
    ConversionWarning,
    ConvertedFlight,
    MessageKind,
)
from screening_service.pseudonyms import PseudonymKey

MAX_INPUT_BYTES = 16 * 1024 * 1024


def convert(
    data: bytes,
    kind: MessageKind | None = None,
    home_country: str | None = None,
    key: PseudonymKey | None = None,
) -> Conversion:
    """Every flight in ``data``, in input order.

    ``kind`` None detects the format from each message's UNH. ``home_country``
    (ISO alpha-3) decides inbound/outbound. Without ``key`` no purchaser or
    contact identifier is produced (a warning says so). Raises `MessageError`
    (with the segment number) when the input cannot be read, `ValueError` for
    a bad ``home_country``.
    """
    if home_country is not None and not geography.is_country(home_country):
        raise ValueError("home country must be an ISO 3166-1 alpha-3 code")
    parsed = messages(data)
    warnings = parsed.warnings
    by_kind = sort_messages(parsed.messages, kind, warnings)
    drafts: list[FlightDraft] = []
    for message_kind, group in by_kind.items():
        if message_kind is MessageKind.PAXLST:
            drafts.extend(paxlst.drafts(group, warnings))
        else:
            drafts.extend(pnrgov.drafts(group, key, warnings))
    flights: list[ConvertedFlight] = []
    for draft in join(drafts):
        if (flight := finish(draft, home_country, warnings)) is not None:
            flights.append(flight)
    detected = next(iter(by_kind)) if kind is None else kind
    return Conversion(detected, flights, _ordered(warnings))


def _ordered(warnings: list[ConversionWarning]) -> list[ConversionWarning]:
    return sorted(warnings, key=lambda w: w.segment)
