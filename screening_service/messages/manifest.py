"""Flight drafts (what a message says about one flight) -> finished manifests.

Both message types produce drafts; several drafts of one flight (parts of a
long PAXLST, a crew list beside a passenger list, several PNRGOV pushes)
are joined in input order before the manifest is built and fitted to what
the service accepts.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from screening_service.messages.fit import fit_manifest
from screening_service.messages.itinerary import Leg, direction
from screening_service.messages.model import ConversionWarning, ConvertedFlight, FlightKey
from screening_service.pipeline.validate import MAX_TRAVELERS
from screening_service.proto import pb


@dataclass
class FlightDraft:
    key: FlightKey
    legs: list[Leg]
    travelers: list[pb.Traveler] = field(default_factory=list)
    # The segment number where each traveler starts (NAD, TIF), for warnings.
    origins: list[int] = field(default_factory=list)
    warnings: list[ConversionWarning] = field(default_factory=list)

    def absorb(self, other: FlightDraft) -> None:
        self.travelers.extend(other.travelers)
        self.origins.extend(other.origins)
        self.warnings.extend(other.warnings)


def join(drafts: list[FlightDraft]) -> list[FlightDraft]:
    """One draft per flight key, in order of first appearance, travelers in input order."""
    by_key: dict[FlightKey, FlightDraft] = {}
    for draft in drafts:
        if (seen := by_key.get(draft.key)) is None:
            by_key[draft.key] = draft
        else:
            seen.absorb(draft)
    return list(by_key.values())


def unique_ids(draft: FlightDraft) -> None:
    """Make traveler ids unique within the flight (joined parts may repeat one)."""
    seen: set[str] = set()
    for traveler in draft.travelers:
        base, suffix = traveler.traveler_id, 1
        while traveler.traveler_id in seen:
            suffix += 1
            traveler.traveler_id = f"{base}-{suffix}"
        seen.add(traveler.traveler_id)


def finish(
    draft: FlightDraft, home: str | None, warnings: list[ConversionWarning]
) -> ConvertedFlight | None:
    """The flight's manifest; None (with a warning) when no traveler is left to screen."""
    unique_ids(draft)
    first, last = draft.legs[0], draft.legs[-1]
    manifest = pb.Manifest(
        carrier=first.carrier,
        flight_number=first.flight_number,
        origin=first.origin,
        destination=last.destination,
        direction=direction(draft.legs, home),
    )
    if (departs := first.departure_utc) is not None:
        manifest.scheduled_departure.FromDatetime(departs)
    manifest.travelers.extend(draft.travelers)
    fit_manifest(manifest, draft.origins, draft.warnings)
    flight = f"{draft.key.carrier}{draft.key.flight_number} {draft.key.departure_date}"
    if not manifest.travelers:
        warnings.extend(draft.warnings)
        warnings.append(
            ConversionWarning(0, "EMPTY_FLIGHT", f"flight {flight} has no traveler to screen")
        )
        return None
    if len(manifest.travelers) > MAX_TRAVELERS:
        draft.warnings.append(
            ConversionWarning(
                0,
                "TOO_MANY_TRAVELERS",
                f"flight {flight} has {len(manifest.travelers)} travelers;"
                f" the service screens at most {MAX_TRAVELERS} per manifest",
            )
        )
    return ConvertedFlight(draft.key, manifest, draft.warnings)
