"""The typed field catalog: every name a rule condition may read.

Record fields and derived fields share one flat, dotted namespace
(``booking.hours_before_departure``). The names double as the property names
of the facts asserted into durable-rules, so the catalog is also where the
engine's 32-bit property-name hashes are checked for collisions.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Final


class FieldType(enum.Enum):
    INT = "int"
    FLOAT = "float"
    BOOL = "bool"
    STRING = "string"
    ENUM = "enum"
    DATE = "date"
    LIST = "list"

    @property
    def is_numeric(self) -> bool:
        return self in (FieldType.INT, FieldType.FLOAT)

    @property
    def is_ordered(self) -> bool:
        return self in (FieldType.INT, FieldType.FLOAT, FieldType.DATE)


@dataclass(frozen=True)
class Field:
    """One catalog entry.

    ``values`` lists the allowed values of an ENUM field, or of the items of a
    LIST field whose items come from a closed set. ``protected`` marks
    attributes a rule may not key on alone (nationality, residence, sex).
    ``personal`` marks values that describe the person (masked in the
    decision log). ``group`` marks flight-level fields computed over the
    whole manifest. ``domain`` names a closed set a text value must come
    from (``"country"``: ISO 3166-1 alpha-3, ``"airport"``: IATA), so a
    literal that can never match is refused. ``scope`` is ``"traveler"`` for
    the fields of the record, ``"companion"`` for the fields of one companion
    (read only inside ``any companion (...)`` / ``all companions (...)``) and
    ``"key"`` for identifiers that may only be named in an aggregate's
    ``same:`` (they never reach the engine).
    """

    name: str
    type: FieldType
    description: str
    values: tuple[str, ...] = ()
    item_type: FieldType | None = None
    protected: bool = False
    personal: bool = False
    group: bool = False
    unit: str = ""
    tags: frozenset[str] = field(default_factory=frozenset)
    domain: str = ""
    scope: str = "traveler"

    @property
    def in_facts(self) -> bool:
        """Whether the field is an engine property (companion and key fields are not)."""
        return self.scope == "traveler"


SEX_VALUES: Final = ("M", "F", "X", "U")
DIRECTION_VALUES: Final = ("inbound", "outbound")
DOCUMENT_TYPE_VALUES: Final = ("passport", "identity_card", "visa", "other")
TICKET_TYPE_VALUES: Final = ("one_way", "round_trip", "open_jaw")
PAYMENT_FORM_VALUES: Final = ("cash", "card", "voucher", "miles", "other", "unknown")
RELATIONSHIP_VALUES: Final = (
    "parent",
    "legal_guardian",
    "spouse",
    "sibling",
    "other_relative",
    "none",
    "unknown",
)
OBSERVATION_CODE_VALUES: Final = (
    "documents_held_by_other",
    "does_not_speak_for_self",
    "unaware_of_destination",
    "signs_of_control_or_fear",
    "scripted_answers",
    "minor_not_related_to_adult",
    "other",
)
OBSERVATION_SOURCE_VALUES: Final = ("crew", "officer", "tip_line")
LOOKOUT_KIND_VALUES: Final = ("missing_person", "known_trafficker", "other")
# Strongest first; a test ties them to lookout.model.DobAgreement.
LOOKOUT_DOB_AGREEMENT_VALUES: Final = (
    "document",
    "exact",
    "day_month_swapped",
    "one_digit",
    "one_year",
    "year_only",
    "missing",
)
WEEKDAY_VALUES: Final = (
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
)
COUNTRY: Final = "country"
AIRPORT: Final = "airport"

INT, FLOAT, BOOL, TEXT, ENUM, DATE, LIST = (
    FieldType.INT,
    FieldType.FLOAT,
    FieldType.BOOL,
    FieldType.STRING,
    FieldType.ENUM,
    FieldType.DATE,
    FieldType.LIST,
)

_FIELDS: Final[tuple[Field, ...]] = (
    # traveler
    Field(
        "traveler.age_years",
        INT,
        "Age in whole years at the first departure",
        unit="years",
        personal=True,
    ),
    Field("traveler.is_minor", BOOL, "Under 18 at the first departure"),
    Field(
        "traveler.sex",
        ENUM,
        "Declared sex (APIS code)",
        values=SEX_VALUES,
        protected=True,
        personal=True,
    ),
    Field(
        "traveler.nationality",
        TEXT,
        "Nationality, ISO 3166-1 alpha-3",
        protected=True,
        personal=True,
        domain=COUNTRY,
    ),
    Field(
        "traveler.country_of_residence",
        TEXT,
        "Country of residence, ISO 3166-1 alpha-3",
        protected=True,
        personal=True,
        domain=COUNTRY,
    ),
    Field("traveler.direction", ENUM, "Inbound or outbound", values=DIRECTION_VALUES),
    Field(
        "traveler.visa_category", TEXT, "Visa category code (free text, e.g. B1/B2)", personal=True
    ),
    Field("traveler.companion_count", INT, "Other travelers declared on the same booking"),
    # document
    Field("document.type", ENUM, "Travel document type", values=DOCUMENT_TYPE_VALUES),
    Field(
        "document.issuing_country",
        TEXT,
        "Issuing country, ISO 3166-1 alpha-3",
        protected=True,
        personal=True,
        domain=COUNTRY,
    ),
    Field(
        "document.issuer_differs_from_nationality",
        BOOL,
        "The document was issued by a country other than the holder's nationality "
        "(unknown when either is unknown)",
    ),
    Field("document.issue_date", DATE, "Date the document was issued", personal=True),
    Field("document.expiry_date", DATE, "Date the document expires", personal=True),
    Field(
        "document.days_since_issue",
        INT,
        "Days from issue to the first departure",
        unit="days",
    ),
    Field("document.days_to_expiry", INT, "Days from the first departure to expiry", unit="days"),
    # itinerary
    Field("itinerary.segment_count", INT, "Number of flight segments"),
    Field("itinerary.origin", TEXT, "IATA code of the first origin airport", domain=AIRPORT),
    Field(
        "itinerary.destination",
        TEXT,
        "IATA code of the final destination airport",
        domain=AIRPORT,
    ),
    Field(
        "itinerary.countries",
        LIST,
        "Countries (alpha-3) of every airport",
        item_type=TEXT,
        domain=COUNTRY,
    ),
    Field("itinerary.country_count", INT, "Distinct countries on the itinerary"),
    Field(
        "itinerary.total_hours",
        FLOAT,
        "Hours from the first departure to the last arrival",
        unit="hours",
    ),
    Field(
        "itinerary.circuity",
        FLOAT,
        "Flown distance over the great-circle distance from first origin to final destination",
        unit="ratio",
    ),
    Field(
        "itinerary.max_layover_hours",
        FLOAT,
        "Longest wait between two segments",
        unit="hours",
    ),
    # travel dates and times, in the local time of the airport concerned
    Field(
        "travel.departure_date",
        DATE,
        "Local date of the first departure (origin airport's time zone)",
    ),
    Field(
        "travel.departure_hour",
        INT,
        "Local hour (0-23) of the first departure",
        unit="hour",
    ),
    Field(
        "travel.departure_weekday",
        ENUM,
        "Local weekday of the first departure",
        values=WEEKDAY_VALUES,
    ),
    Field(
        "travel.arrival_date",
        DATE,
        "Local date of the last arrival (destination airport's time zone)",
    ),
    # booking
    Field(
        "booking.booking_date",
        DATE,
        "Date the booking was made, in the first origin airport's time zone",
    ),
    Field(
        "booking.hours_before_departure",
        FLOAT,
        "Hours from booking to the first departure",
        unit="hours",
    ),
    Field("booking.ticket_type", ENUM, "Ticket type", values=TICKET_TYPE_VALUES),
    Field("booking.payment_form", ENUM, "Form of payment", values=PAYMENT_FORM_VALUES),
    Field("booking.purchaser_is_traveler", BOOL, "This traveler bought the ticket"),
    Field("booking.has_travel_agency", BOOL, "The booking was made through a travel agency"),
    Field("booking.checked_bags", INT, "Checked bags on the booking"),
    Field("booking.party_size", INT, "Travelers on the booking, this one included"),
    Field("booking.minors_in_party", INT, "Minors on the booking known to this screening"),
    Field(
        "booking.has_parent_or_guardian",
        BOOL,
        "A companion is declared parent or legal guardian (unknown without booking data, "
        "or when no guardian is declared but a relationship is unknown)",
    ),
    Field(
        "booking.companion_relationships",
        LIST,
        "Declared relationships of the companions",
        item_type=ENUM,
        values=RELATIONSHIP_VALUES,
    ),
    Field(
        "booking.purchaser_on_flight",
        BOOL,
        "The purchaser travels on the same flight",
        group=True,
    ),
    # observations
    Field(
        "observations.codes",
        LIST,
        "Codes of the reports made about this traveler",
        item_type=ENUM,
        values=OBSERVATION_CODE_VALUES,
    ),
    Field(
        "observations.sources",
        LIST,
        "Sources of the reports made about this traveler",
        item_type=ENUM,
        values=OBSERVATION_SOURCE_VALUES,
    ),
    Field("observations.count", INT, "Number of reports made about this traveler"),
    # lookout lists
    Field("lookout.hit", BOOL, "The traveler matched an entry of a lookout list"),
    Field(
        "lookout.kinds",
        LIST,
        "Kinds of the lookout lists the traveler matched",
        item_type=ENUM,
        values=LOOKOUT_KIND_VALUES,
    ),
    Field("lookout.best_score", FLOAT, "Best lookout match score (0-100)"),
    Field("lookout.document_match", BOOL, "A lookout entry has this traveler's document number"),
    # travel history (across flights; counted over a window ending at this flight's
    # departure and including it; unknown without history or without the key counted by)
    Field(
        "history.purchaser_travelers_30d",
        INT,
        "Distinct travelers this traveler's purchaser bought tickets for in 30 days, "
        "this flight included",
        unit="travelers",
    ),
    Field(
        "history.purchaser_minors_30d",
        INT,
        "Distinct minors this traveler's purchaser bought tickets for in 30 days, "
        "this flight included",
        unit="minors",
    ),
    Field(
        "history.contact_travelers_30d",
        INT,
        "Distinct travelers whose bookings gave this booking's contact in 30 days, "
        "this flight included",
        unit="travelers",
    ),
    Field(
        "history.traveler_flights_30d",
        INT,
        "Distinct flights this traveler took in 30 days, this flight included",
        unit="flights",
    ),
    Field(
        "history.minor_adult_companions_90d",
        INT,
        "Distinct unrelated adults this minor has flown with in 90 days, this flight included "
        "(unknown for an adult)",
        unit="adults",
    ),
    Field(
        "lookout.dob_agreement",
        ENUM,
        "How the best hit's listed date of birth agrees: document (a document-number hit), "
        "exact, day_month_swapped, one_digit, one_year, year_only, missing",
        values=LOOKOUT_DOB_AGREEMENT_VALUES,
    ),
    # companions: read inside `any companion (...)` / `all companions (...)`
    Field(
        "companion.relationship",
        ENUM,
        "Declared relationship of the companion (unknown when not declared)",
        values=RELATIONSHIP_VALUES[:-1],
        scope="companion",
    ),
    Field(
        "companion.age_years",
        INT,
        "Age of the companion (unknown when the companion is not on this manifest)",
        unit="years",
        scope="companion",
        personal=True,
    ),
    Field(
        "companion.is_minor",
        BOOL,
        "The companion is under 18 (unknown when not on this manifest)",
        scope="companion",
    ),
    Field(
        "companion.on_flight",
        BOOL,
        "The companion is on this manifest",
        scope="companion",
    ),
    # identifiers: only for an aggregate's `same:` (never an engine property)
    Field(
        "booking.purchaser",
        TEXT,
        "Who bought the ticket (an identifier)",
        personal=True,
        scope="key",
    ),
    Field(
        "booking.contact",
        TEXT,
        "The booking's contact (an identifier)",
        personal=True,
        scope="key",
    ),
    Field(
        "booking.record_locator",
        TEXT,
        "The booking's record locator",
        personal=True,
        scope="key",
    ),
    # flight (group fields, over the whole manifest)
    Field("flight.traveler_count", INT, "Travelers on the manifest", group=True),
    Field(
        "flight.same_purchaser_count",
        INT,
        "Travelers on the flight whose ticket this traveler's purchaser bought",
        group=True,
    ),
    Field(
        "flight.same_purchaser_minors",
        INT,
        "Minors on the flight whose ticket this traveler's purchaser bought",
        group=True,
    ),
    Field(
        "flight.same_purchaser_under_25",
        INT,
        "Travelers under 25 on the flight whose ticket this traveler's purchaser bought",
        group=True,
    ),
    Field(
        "flight.same_contact_count",
        INT,
        "Travelers on the flight whose booking shares this booking's contact",
        group=True,
    ),
    Field(
        "flight.same_contact_bookings",
        INT,
        "Distinct bookings on the flight that share this booking's contact",
        group=True,
    ),
    Field(
        "flight.same_contact_unrelated_adults",
        INT,
        "Adults on the flight sharing this contact on another booking",
        group=True,
    ),
)

CATALOG: Final[MappingProxyType[str, Field]] = MappingProxyType({f.name: f for f in _FIELDS})
PROTECTED_FIELDS: Final = frozenset(f.name for f in _FIELDS if f.protected)

ENGINE_RESERVED_PROPERTIES: Final = ("sid", "id", "kind", "$s")


def fnv1a_32(text: str) -> int:
    """The 32-bit FNV-1a hash durable-rules uses for property names and sids."""
    value = 0x811C9DC5
    for byte in text.encode("utf-8"):
        value ^= byte
        value = (value * 0x01000193) & 0xFFFFFFFF
    return value


def hash_collisions(names: tuple[str, ...] | list[str]) -> list[tuple[str, str]]:
    """Pairs of distinct names that share one engine hash."""
    seen: dict[int, str] = {}
    clashes: list[tuple[str, str]] = []
    for name in names:
        digest = fnv1a_32(name)
        other = seen.setdefault(digest, name)
        if other != name:
            clashes.append((other, name))
    return clashes


def property_names() -> list[str]:
    """The engine property names of the catalog (companion and key fields are not properties)."""
    return [*ENGINE_RESERVED_PROPERTIES, *(name for name, f in CATALOG.items() if f.in_facts)]
