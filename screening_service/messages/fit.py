"""Converted manifest -> one the service accepts, every change said aloud.

The service's own request validation decides: a field it refuses is left
out (optional fields) or the traveler is left out (required fields: id,
names, date of birth), each with a warning naming the traveler's position
and the field, never the value. Nothing the validator would refuse is passed
on silently, and a traveler is never screened on a guessed value.
"""

from __future__ import annotations

from typing import Final

from google.protobuf.message import Message as ProtoMessage

from screening_service.messages.model import ConversionWarning
from screening_service.pipeline.validate import Invalid, validate_manifest
from screening_service.proto import pb

REQUIRED: Final = frozenset({"traveler_id", "surname", "given_names", "date_of_birth"})
WHOLE: Final = frozenset({"itinerary", "companions", "observations"})
_ROUNDS: Final = 4


def _clear(message: ProtoMessage, parts: list[str]) -> None:
    head = parts[0].split("[")[0]
    if head in WHOLE or len(parts) == 1:
        message.ClearField(head)
        return
    getattr(message, head).ClearField(parts[1].split("[")[0])


def fit_manifest(
    manifest: pb.Manifest, origins: list[int], warnings: list[ConversionWarning]
) -> pb.Manifest:
    """``manifest`` with refused fields and travelers left out.

    ``origins`` holds the number of the segment each traveler starts at (NAD,
    TIF), for the warnings; it is edited alongside the travelers.
    """
    for _ in range(_ROUNDS):
        validated = validate_manifest(pb.ScreenManifestRequest(manifest=manifest))
        if not isinstance(validated, Invalid):
            break
        dropped: set[int] = set()
        for violation in validated.violations:
            parts = violation.field.split(".")[1:]
            if not parts or parts[0] == "travelers":
                continue
            if not parts[0].startswith("travelers["):
                _clear(manifest, parts)
                warnings.append(
                    ConversionWarning(
                        0,
                        "FIELD_DROPPED",
                        f"flight {'.'.join(parts)} {violation.description}; left out",
                    )
                )
                continue
            index = int(parts[0][len("travelers[") : -1])
            if index in dropped:
                continue
            segment = origins[index]
            field = ".".join(parts[1:])
            if parts[1].split("[")[0] in REQUIRED:
                dropped.add(index)
                warnings.append(
                    ConversionWarning(
                        segment,
                        "TRAVELER_DROPPED",
                        f"traveler {field} {violation.description}; traveler left out",
                    )
                )
                continue
            _clear(manifest.travelers[index], parts[1:])
            warnings.append(
                ConversionWarning(
                    segment, "FIELD_DROPPED", f"traveler {field} {violation.description}; left out"
                )
            )
        for index in sorted(dropped, reverse=True):
            del manifest.travelers[index]
            del origins[index]
    return manifest
