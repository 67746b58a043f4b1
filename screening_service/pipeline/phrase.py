"""Decide -> phrase: an evidence value as an officer reads it at the desk.

The officer has seconds per traveler: "booked 6 hours before departure"
says at a glance what ``booking.hours_before_departure = 6`` says to a rule
author. Fields without a phrase of their own fall back on the catalog's
description with the value and its unit; a value the record lacks is phrased
as unknown, never as a default.
"""

from __future__ import annotations

from typing import Final

from screening_service.catalog import CATALOG

UNKNOWN_PHRASE: Final = "not in the record"

# {v}: the value as rendered in evidence, {u}: the catalog unit.
_NUMBERS: Final[dict[str, str]] = {
    "booking.hours_before_departure": "booked {v} {u} before departure",
    "traveler.age_years": "{v} {u} old at departure",
    "document.days_since_issue": "document issued {v} {u} before departure",
    "document.days_to_expiry": "document expires {v} {u} after departure",
    "itinerary.total_hours": "{v} {u} from first departure to last arrival",
    "itinerary.max_layover_hours": "longest layover {v} {u}",
    "itinerary.circuity": "route {v} times the direct distance",
    "itinerary.segment_count": "{v} flight segments",
    "itinerary.country_count": "{v} countries on the itinerary",
    "travel.departure_hour": "departs at {v}:00 local time",
    "booking.checked_bags": "{v} checked bags",
    "booking.party_size": "{v} travelers on the booking",
    "booking.minors_in_party": "{v} minors on the booking",
    "traveler.companion_count": "{v} declared companions",
    "observations.count": "{v} reports about the traveler",
    "flight.traveler_count": "{v} travelers on the flight",
    "flight.same_purchaser_count": "{v} travelers on this flight bought by the same purchaser",
    "flight.same_purchaser_minors": "{v} minors on this flight bought by the same purchaser",
    "flight.same_purchaser_under_25": (
        "{v} travelers under 25 on this flight bought by the same purchaser"
    ),
    "flight.same_contact_count": "{v} travelers on this flight share the booking contact",
    "flight.same_contact_bookings": "{v} bookings on this flight share the booking contact",
    "flight.same_contact_unrelated_adults": (
        "{v} unrelated adults on other bookings share the booking contact"
    ),
    "lookout.best_score": "best lookout match score {v} of 100",
}
_WORDS: Final[dict[str, str]] = {
    "booking.ticket_type": "{v} ticket",
    "booking.payment_form": "paid by {v}",
    "document.type": "travels on a {v}",
    "traveler.direction": "{v}",
    "travel.departure_weekday": "departs on a {v}",
    "observations.codes": "reported: {v}",
    "observations.sources": "reported by: {v}",
    "booking.companion_relationships": "companions declared as: {v}",
    "lookout.kinds": "matched lookout lists: {v}",
}
_BOOLEANS: Final[dict[str, tuple[str, str]]] = {
    "traveler.is_minor": ("a minor (under 18)", "an adult (18 or over)"),
    "booking.purchaser_is_traveler": (
        "bought their own ticket",
        "ticket bought by someone else",
    ),
    "booking.purchaser_on_flight": (
        "the purchaser is on this flight",
        "the purchaser is not on this flight",
    ),
    "booking.has_parent_or_guardian": (
        "travels with a declared parent or guardian",
        "no parent or guardian declared",
    ),
    "booking.has_travel_agency": (
        "booked through a travel agency",
        "not booked through a travel agency",
    ),
    "document.issuer_differs_from_nationality": (
        "document issued by a country other than the nationality",
        "document issued by the country of nationality",
    ),
    "lookout.hit": ("matched a lookout list", "no lookout match"),
    "lookout.document_match": (
        "a lookout entry has this document number",
        "no lookout entry has this document number",
    ),
}


def unit(name: str) -> str:
    """The catalog unit of a field ("" for unitless fields and declared aggregates)."""
    field = CATALOG.get(name)
    return field.unit if field is not None else ""


def _words(shown: str) -> str:
    return shown.replace("_", " ")


def phrase(name: str, shown: str, known: bool, description: str = "") -> str:
    """How the value ``shown`` (as rendered in evidence) of field ``name`` reads at the desk.

    ``description`` stands in for the catalog's for names outside it (the
    pack's declared aggregates).
    """
    field = CATALOG.get(name)
    about = field.description if field is not None else (description or name)
    if not known:
        return f"{about}: {UNKNOWN_PHRASE}"
    if name in _BOOLEANS and shown in ("true", "false"):
        yes, no = _BOOLEANS[name]
        return yes if shown == "true" else no
    if name in _NUMBERS:
        one = shown == "1" and unit(name).endswith("s")
        return _NUMBERS[name].format(v=shown, u=unit(name)[:-1] if one else unit(name))
    if name in _WORDS:
        return _WORDS[name].format(v=_words(shown))
    suffix = f" {unit(name)}" if unit(name) else ""
    return f"{about}: {_words(shown) if field is not None and field.values else shown}{suffix}"
