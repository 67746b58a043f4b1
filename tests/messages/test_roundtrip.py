"""Generated manifests written as PAXLST and converted back give the same travelers."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from screening_service.proto import pb
from tests.messages.helpers import codes, run
from tests.messages.writer import Person, paxlst

NAME = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ-'?+:", min_size=1, max_size=20).filter(
    lambda s: any(c.isalpha() for c in s)
)
person = st.builds(
    Person,
    surname=NAME,
    given=NAME,
    birth=st.dates(dt.date(1921, 7, 11), dt.date(2020, 7, 10)).map(dt.date.isoformat),
    sex=st.sampled_from(["M", "F", "X"]),
    nationality=st.sampled_from(["GBR", "FRA", "USA", "NGA", "THA"]),
    document=st.from_regex(r"[A-Z0-9]{1,12}", fullmatch=True),
    expiry=st.dates(dt.date(2006, 1, 1), dt.date(2040, 1, 1)).map(dt.date.isoformat),
)
SEX = {"M": pb.SEX_M, "F": pb.SEX_F, "X": pb.SEX_X}


@settings(max_examples=60, deadline=None)
@given(st.lists(person, min_size=1, max_size=8))
def test_paxlst_round_trip(persons: list[Person]) -> None:
    conversion = run(paxlst(persons))
    assert [] == codes(conversion)
    (flight,) = conversion.flights
    got = [
        (
            t.surname,
            t.given_names,
            t.date_of_birth,
            t.sex,
            t.nationality,
            t.document.number,
            t.document.expiry_date,
            t.document.issuing_country,
        )
        for t in flight.manifest.travelers
    ]
    want = [
        (
            p.surname,
            p.given,
            p.birth,
            SEX[p.sex],
            p.nationality,
            p.document,
            p.expiry,
            p.nationality,
        )
        for p in persons
    ]
    assert want == got
