from __future__ import annotations

from screening_service.messages import FlightKey
from tests.messages.helpers import as_dict, codes, run
from tests.messages.samples import PAXLST_D02B_CREW, PAXLST_D05B

LEG_877 = {
    "carrier": "QQ",
    "flight_number": "877",
    "origin": "CDG",
    "destination": "JFK",
    "departure_time": "2020-07-10T08:30:00Z",  # 10:30 Paris summer time
    "arrival_time": "2020-07-10T17:00:00Z",  # 13:00 New York summer time
}


def test_d05b_passenger_list_field_by_field() -> None:
    conversion = run(PAXLST_D05B)
    assert [] == codes(conversion)
    (flight,) = conversion.flights
    assert FlightKey("QQ", "877", "2020-07-10") == flight.key
    expected = {
        "carrier": "QQ",
        "flight_number": "877",
        "scheduled_departure": "2020-07-10T08:30:00Z",
        "origin": "CDG",
        "destination": "JFK",
        "direction": "DIRECTION_INBOUND",
        "travelers": [
            {
                "traveler_id": "0001",
                "role": "TRAVELER_ROLE_PASSENGER",
                "surname": "TESTPERSON",
                "given_names": "ALEX SAM",
                "date_of_birth": "1985-01-01",
                "sex": "SEX_M",
                "nationality": "GBR",
                "country_of_residence": "FRA",
                "document": {
                    "type": "DOCUMENT_TYPE_PASSPORT",
                    "number": "TP1234567",
                    "issuing_country": "GBR",
                    "expiry_date": "2030-01-01",
                },
                "visa_category": "B1B2",
                "itinerary": {"segments": [LEG_877]},
                "booking": {"record_locator": "ABC123", "seat": "15A"},
            },
            {
                "traveler_id": "0002",
                "role": "TRAVELER_ROLE_PASSENGER",
                "surname": "TESTCHILD",
                "given_names": "KIM",
                "date_of_birth": "2019-03-01",
                "sex": "SEX_F",
                "nationality": "FRA",
                "document": {
                    "type": "DOCUMENT_TYPE_IDENTITY_CARD",
                    "number": "ID4455",
                    "issuing_country": "FRA",
                    "expiry_date": "2029-12-31",
                },
                "itinerary": {"segments": [LEG_877]},
            },
        ],
    }
    assert expected == as_dict(flight.manifest)


def test_d02b_crew_list_routing_and_in_transit() -> None:
    conversion = run(PAXLST_D02B_CREW, home="USA")
    # NAT+2+GB is alpha-2; CNT+41 says 3 crew where 2 are listed.
    assert [(19, "COUNTRY_CODE"), (25, "CNT_COUNT")] == codes(conversion)
    (flight,) = conversion.flights
    assert FlightKey("QQ", "5", "2020-07-10") == flight.key
    lhr_kef = {
        "carrier": "QQ",
        "flight_number": "5",
        "origin": "LHR",
        "destination": "KEF",
        "departure_time": "2020-07-10T08:00:00Z",
        "arrival_time": "2020-07-10T11:00:00Z",
    }
    kef_bos = {
        "carrier": "QQ",
        "flight_number": "5",
        "origin": "KEF",
        "destination": "BOS",
        "departure_time": "2020-07-10T12:00:00Z",
        "arrival_time": "2020-07-10T17:30:00Z",
    }
    expected = {
        "carrier": "QQ",
        "flight_number": "5",
        "scheduled_departure": "2020-07-10T08:00:00Z",
        "origin": "LHR",
        "destination": "BOS",
        "direction": "DIRECTION_INBOUND",
        "travelers": [
            {
                "traveler_id": "0001",
                "role": "TRAVELER_ROLE_CREW",
                "surname": "TESTPILOT",
                "given_names": "ROBIN",
                "date_of_birth": "1970-06-15",
                "sex": "SEX_F",
                "nationality": "ISL",
                "document": {
                    "type": "DOCUMENT_TYPE_PASSPORT",
                    "number": "PX0001",
                    "issuing_country": "ISL",
                    "expiry_date": "2028-06-30",
                },
                "itinerary": {"segments": [lhr_kef, kef_bos]},
            },
            {
                "traveler_id": "0002",
                "role": "TRAVELER_ROLE_IN_TRANSIT",
                "surname": "TESTCREW",
                "given_names": "JO",
                "date_of_birth": "1990-02-02",
                "sex": "SEX_X",
                "nationality": "GBR",
                "itinerary": {"segments": [lhr_kef]},  # LOC+178/179: LHR -> KEF only
            },
        ],
    }
    assert expected == as_dict(flight.manifest)


def test_outbound_and_no_home_country() -> None:
    assert (
        "DIRECTION_OUTBOUND"
        == as_dict(run(PAXLST_D05B, home="FRA").flights[0].manifest)["direction"]
    )
    assert "direction" not in as_dict(run(PAXLST_D05B, home=None).flights[0].manifest)


PART = """UNB+UNOA:4+QQ+USCBP+200710:1200+0009'
UNH+{n}+PAXLST:D:02B:UN:IATA+QQ877200710+{seq}'
BGM+745'
TDT+20+QQ877+++QQ'
LOC+125+CDG'
DTM+189:2007101030:201'
LOC+87+JFK'
DTM+232:2007101300:201'
NAD+FL+++{name}:ALEX'
DTM+329:800101'
CNT+42:{total}'
UNT+11+{n}'
UNZ+1+0009'
"""


def test_multi_part_message_is_joined_per_flight() -> None:
    text = (
        PART.format(n=1, seq="01:C", name="TESTONE", total=3)
        + PART.format(n=2, seq="02", name="TESTTWO", total=3)
        + PART.format(n=3, seq="03:F", name="TESTTHREE", total=3)
    )
    conversion = run(text)
    assert [] == codes(conversion)
    (flight,) = conversion.flights
    travelers = flight.manifest.travelers
    assert ["TESTONE", "TESTTWO", "TESTTHREE"] == [t.surname for t in travelers]
    assert ["0001", "0002", "0003"] == [t.traveler_id for t in travelers]


def test_missing_part_and_wrong_total_are_warnings() -> None:
    text = PART.format(n=1, seq="01:C", name="TESTONE", total=3) + PART.format(
        n=3, seq="03:F", name="TESTTHREE", total=3
    )
    conversion = run(text)
    # Each part's CNT+42 (segments 11 and 24) says 3, two were parsed; parts are 1 and 3.
    assert [(11, "CNT_COUNT"), (15, "PART_MISSING"), (24, "CNT_COUNT")] == codes(conversion)


def test_two_flights_in_one_interchange() -> None:
    second = (
        PART.format(n=2, seq="01:F", name="TESTOTHER", total=1)
        .replace("QQ877", "QQ878")
        .replace("UNB+UNOA:4+QQ+USCBP+200710:1200+0009'\n", "")
        .replace("UNZ+1+0009'\n", "")
    )
    first = PART.format(n=1, seq="01:F", name="TESTONE", total=1).replace(
        "UNZ+1+0009'", "UNZ+2+0009'"
    )
    text = first.replace("UNZ+2+0009'", second + "UNZ+2+0009'")
    conversion = run(text)
    assert [] == codes(conversion)
    assert [FlightKey("QQ", "877", "2020-07-10"), FlightKey("QQ", "878", "2020-07-10")] == [
        f.key for f in conversion.flights
    ]
    assert ["TESTOTHER"] == [t.surname for t in conversion.flights[1].manifest.travelers]
