from __future__ import annotations

from screening_service.messages import FlightKey, convert
from screening_service.pseudonyms import IdentifierKind
from tests.messages.helpers import as_dict, codes, run
from tests.messages.samples import KEY, PNRGOV

OUT = {
    "carrier": "QQ",
    "flight_number": "877",
    "origin": "CDG",
    "destination": "JFK",
    "departure_time": "2020-12-13T09:30:00Z",  # 10:30 Paris winter time
    "arrival_time": "2020-12-13T18:00:00Z",  # 13:00 New York winter time
}
BACK = {
    "carrier": "QQ",
    "flight_number": "878",
    "origin": "JFK",
    "destination": "CDG",
    "departure_time": "2020-12-20T20:00:00Z",
    "arrival_time": "2020-12-21T04:00:00Z",
}
ONWARD = {
    "carrier": "QQ",
    "flight_number": "20",
    "origin": "JFK",
    "destination": "BOS",
    "departure_time": "2020-12-14T14:00:00Z",
    "arrival_time": "2020-12-14T15:30:00Z",
}


def test_pnrgov_push_field_by_field() -> None:
    conversion = run(PNRGOV)
    assert [(18, "PLACEHOLDER_NAME")] == codes(conversion)  # TIF+TBA+TBA
    (flight,) = conversion.flights
    assert FlightKey("QQ", "877", "2020-12-13") == flight.key
    payer = KEY.pseudonym(IdentifierKind.PAYER, "TESTPARENT CASEY")
    email = KEY.pseudonym(IdentifierKind.EMAIL, "TESTPAYER@EXAMPLE_MAIL.TEST")
    card = KEY.pseudonym(IdentifierKind.OTHER, "VI:XXXXXXXXXXXX1111:1225")
    first_booking = {
        "record_locator": "XYZ789",
        "booking_time": "2020-12-01T10:15:00Z",
        "ticket_type": "TICKET_TYPE_ROUND_TRIP",
        "payment_form": "PAYMENT_FORM_CASH",
        "purchaser_id": payer,
        "travel_agency_id": "12345678",
        "contact_id": email,
    }
    expected = {
        "carrier": "QQ",
        "flight_number": "877",
        "scheduled_departure": "2020-12-13T09:30:00Z",
        "origin": "CDG",
        "destination": "JFK",
        "direction": "DIRECTION_INBOUND",
        "travelers": [
            {
                "traveler_id": "XYZ789-1",
                "role": "TRAVELER_ROLE_PASSENGER",
                "surname": "TESTPARENT",
                "given_names": "CASEY",
                "date_of_birth": "1984-07-12",
                "sex": "SEX_F",
                "nationality": "FRA",
                "document": {
                    "type": "DOCUMENT_TYPE_PASSPORT",
                    "number": "FP111222",
                    "issuing_country": "FRA",
                    "expiry_date": "2029-08-23",
                },
                "itinerary": {"segments": [OUT, BACK]},
                "booking": first_booking
                | {"purchaser_is_traveler": True, "checked_bags": 2, "seat": "15C"},
                "companions": [{"traveler_id": "XYZ789-2", "relationship": "RELATIONSHIP_UNKNOWN"}],
            },
            {
                "traveler_id": "XYZ789-2",
                "role": "TRAVELER_ROLE_PASSENGER",
                "surname": "TESTPARENT",
                "given_names": "NOA",
                "date_of_birth": "2020-02-02",
                "sex": "SEX_F",
                "nationality": "FRA",
                "document": {
                    "type": "DOCUMENT_TYPE_PASSPORT",
                    "number": "FP333444",
                    "issuing_country": "FRA",
                    "expiry_date": "2025-02-01",
                },
                "itinerary": {"segments": [OUT, BACK]},
                "booking": first_booking | {"purchaser_is_traveler": False},
                "companions": [{"traveler_id": "XYZ789-1", "relationship": "RELATIONSHIP_UNKNOWN"}],
            },
            {
                "traveler_id": "LMN456-1",
                "role": "TRAVELER_ROLE_PASSENGER",
                "surname": "TESTTRAVEL",
                "given_names": "ALEX",
                "date_of_birth": "1999-01-30",
                "sex": "SEX_M",
                "nationality": "DEU",
                "document": {
                    "type": "DOCUMENT_TYPE_PASSPORT",
                    "number": "DP777",
                    "issuing_country": "DEU",
                    "expiry_date": "2031-05-15",
                },
                "itinerary": {"segments": [OUT, ONWARD]},
                "booking": {
                    "record_locator": "LMN456",
                    "booking_time": "2020-12-05T22:00:00Z",
                    "ticket_type": "TICKET_TYPE_ONE_WAY",
                    "payment_form": "PAYMENT_FORM_CARD",
                    "purchaser_id": KEY.pseudonym(IdentifierKind.PAYER, "SOMEONE ELSE"),
                    "purchaser_is_traveler": False,
                },
            },
        ],
    }
    assert expected == as_dict(flight.manifest)
    assert card != flight.manifest.travelers[2].booking.purchaser_id


def test_no_key_no_contact_identifiers() -> None:
    conversion = convert(PNRGOV.encode(), home_country="USA", key=None)
    booking = conversion.flights[0].manifest.travelers[0].booking
    assert ("", "") == (booking.purchaser_id, booking.contact_id)
    assert "NO_PSEUDONYM_KEY" in {w.code for w in conversion.flights[0].warnings}


def _pnr(body: str, eqn: int = 1) -> str:
    return (
        "UNB+IATA:1+QQ+USCBP+201213:0900+0004'UNH+1+PNRGOV:11:1:IA+QQ877'"
        f"TVL+131220:1030+CDG+JFK+QQ+877'EQN+{eqn}'SRC'RCI+QQ:AAA111::011220:1015'"
        + body
        + "TVL+131220:1030:131220:1300+CDG+JFK+QQ+877'UNT+99+1'UNZ+1+0004'"
    )


def test_group_name_card_payment_open_jaw_and_cancellation() -> None:
    group = _pnr(
        "TIF+ACME TEAM PARTY:G'TIF+TESTMEMBER+LEE:A:1'"
        "SSR+DOCS:HK:1:QQ::::://///01MAR90/M//TESTMEMBER/LEE'FOP+MS'",
        eqn=2,
    )
    conversion = run(group)
    # EQN says 2 PNRs (seg 4); TIF group name (seg 7); UNT count (seg 12).
    assert [(4, "EQN_COUNT"), (7, "GROUP_NAME"), (12, "UNT_COUNT")] == codes(conversion)
    (traveler,) = conversion.flights[0].manifest.travelers
    assert "AAA111-1" == traveler.traveler_id
    assert (
        "PAYMENT_FORM_OTHER"
        == as_dict(conversion.flights[0].manifest)["travelers"][0]["booking"]["payment_form"]
    )
    assert "1990-03-01" == traveler.date_of_birth
    assert not traveler.HasField("document")
    cancelled = run(_pnr("ORG'TIF+TESTMEMBER+LEE:A:1'"))
    assert [] == cancelled.flights
    assert [(0, "EMPTY_FLIGHT"), (5, "CANCELLED_PNR"), (10, "UNT_COUNT")] == codes(cancelled)


def test_traveler_without_birth_date_is_left_out_with_a_warning() -> None:
    conversion = run(
        _pnr(
            "TIF+TESTMEMBER+LEE:A:1'TIF+TESTOTHER+SAM:A:2'SSR+DOCS:HK:1:QQ::::://///01MAR90/M//TESTOTHER/SAM'"
        )
    )
    (flight,) = conversion.flights
    assert ["AAA111-2"] == [t.traveler_id for t in flight.manifest.travelers]
    assert (7, "TRAVELER_DROPPED") in codes(conversion)
    assert not any("TESTMEMBER" in w.message for w in flight.warnings)
