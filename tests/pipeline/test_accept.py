"""`accept` (validate's fast path) accepts only what the full walk accepts, with the same record."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

from google.protobuf import json_format
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from screening_service.pipeline import json_requests as js
from screening_service.pipeline.accept import accept
from screening_service.pipeline.records import Traveler
from screening_service.pipeline.validate import _Collector, _traveler, validate_screen
from screening_service.proto import pb
from tests.factories import DEPARTURE, traveler
from tests.pipeline.test_validate_properties import mutated_travelers, texts

WINDOW = 400
TODAY = DEPARTURE.date() - dt.timedelta(days=3)
SCHEDULED = DEPARTURE - dt.timedelta(hours=2)


def _walked(t: pb.Traveler | js.Traveler, today: dt.date | None) -> Traveler | None:
    """The full walk's verdict alone (no fast path): the record, or None when it found a fault."""
    c = _Collector(today, WINDOW)
    record = _traveler(c, t, "traveler", SCHEDULED)
    return None if c.violations else record


def _as_json(t: pb.Traveler) -> js.Traveler:
    text = json.dumps({"traveler": json_format.MessageToDict(t, preserving_proto_field_name=True)})
    request = js.decode_line(text)
    assert isinstance(request, js.ScreenRequest)
    assert request.traveler is not None
    return request.traveler


def _agrees(t: pb.Traveler | js.Traveler, today: dt.date | None) -> bool:
    fast = accept(t, today, dt.timedelta(days=WINDOW), SCHEDULED)
    if fast is not None:
        assert _walked(t, today) == fast
    return fast is not None


# Values of the fields the generic mutations leave alone, chosen at the edges of each check.
EDGE_NAMES = [
    "Zoë",
    "Ǆemal",
    "Ⅻ",
    "Ⓐbc",
    "مهسا",
    "क्‍ष",
    "A\u200dB",
    "A\u200b",
    " ",
    "\u00a0A",
    "Ab\u2028",
]
EDGE_CODES = ["T-1", " T-1", "T-1 ", "T\t1", "T-1\n", "T\x85", "T\u00a0", "", "X" * 129]
names = st.one_of(texts, st.sampled_from(EDGE_NAMES))
codes = st.one_of(texts, st.sampled_from(EDGE_CODES))


def _set_companion(t: pb.Traveler, value: Any) -> None:
    t.companions.add(traveler_id=value, relationship=pb.RELATIONSHIP_SIBLING)


def _set_observation(t: pb.Traveler, value: Any) -> None:
    t.observations.add(code=pb.OBSERVATION_CODE_OTHER, note=value)


Setter = Callable[[pb.Traveler, Any], None]
SETTERS: dict[str, tuple[Setter, st.SearchStrategy[Any]]] = {
    "given_names": (lambda t, v: setattr(t, "given_names", v), names),
    "surname": (lambda t, v: setattr(t, "surname", v), names),
    "traveler_id": (lambda t, v: setattr(t, "traveler_id", v), codes),
    "visa_category": (lambda t, v: setattr(t, "visa_category", v), codes),
    "seat": (lambda t, v: setattr(t.booking, "seat", v), codes),
    "purchaser_id": (lambda t, v: setattr(t.booking, "purchaser_id", v), codes),
    "companion": (_set_companion, st.one_of(codes, st.just("T-1"))),
    "observation.note": (_set_observation, st.one_of(texts, st.just("a\nb"))),
    "residence": (lambda t, v: setattr(t, "country_of_residence", v), texts),
    "issuer": (lambda t, v: setattr(t.document, "issuing_country", v), texts),
    "issue_date": (
        lambda t, v: setattr(t.document, "issue_date", v),
        st.dates(min_value=dt.date(1900, 1, 1)).map(dt.date.isoformat),
    ),
    "no itinerary": (lambda t, v: t.ClearField("itinerary"), st.none()),
    "destination": (lambda t, v: setattr(t.itinerary.segments[0], "destination", v), texts),
    "flight_number": (lambda t, v: setattr(t.itinerary.segments[0], "flight_number", v), texts),
}


@st.composite
def travelers(draw: st.DrawFn) -> pb.Traveler:
    t: pb.Traveler = draw(mutated_travelers())[0]
    if draw(st.booleans()):
        setter, values = SETTERS[draw(st.sampled_from(sorted(SETTERS)))]
        setter(t, draw(values))
    return t


def test_accepts_only_what_the_walk_accepts_with_the_same_record() -> None:
    accepted = {"protobuf": 0, "json": 0}

    @settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(travelers(), st.sampled_from([None, TODAY]))
    def check(t: pb.Traveler, today: dt.date | None) -> None:
        accepted["protobuf"] += _agrees(t, today)
        accepted["json"] += _agrees(_as_json(t), today)

    check()
    # The fast path is exercised, not merely always declining.
    assert accepted["protobuf"] > 100
    assert accepted["json"] > 100


def test_every_edge_value_of_every_field_agrees() -> None:
    edges = {"names": EDGE_NAMES, "codes": EDGE_CODES}
    for name, (setter, _values) in SETTERS.items():
        for value in edges["names" if name in ("surname", "given_names") else "codes"]:
            t = traveler("T-1")
            try:
                setter(t, value)
            except (TypeError, ValueError):  # a value the field cannot hold
                continue
            for today in (None, TODAY):
                _agrees(t, today)
                _agrees(_as_json(t), today)


def test_a_companion_naming_the_traveler_is_left_to_the_walk() -> None:
    t = traveler("T-1", companions=[pb.Companion(traveler_id="T-1")])
    assert accept(t, None, dt.timedelta(days=WINDOW)) is None
    assert _walked(t, None) is None


def test_an_ordinary_traveler_is_accepted_as_the_walk_reads_it() -> None:
    t = traveler("T-1")
    fast = accept(t, TODAY, dt.timedelta(days=WINDOW))
    assert fast is not None
    assert "T-1" == fast.traveler_id
    assert _walked(t, TODAY) == fast


def test_a_joiner_between_letters_is_left_to_the_walk_which_accepts_it() -> None:
    t = traveler("T-1", given_names="A\u200dB")
    assert accept(t, None, dt.timedelta(days=WINDOW)) is None
    assert "T-1" == validate_screen(pb.ScreenRequest(traveler=t)).travelers[0].traveler_id  # type: ignore[union-attr]


def test_a_fault_is_left_to_the_walk_which_names_it() -> None:
    t = traveler("T-1", surname="\u200b")
    assert accept(t, None, dt.timedelta(days=WINDOW)) is None
    result = validate_screen(pb.ScreenRequest(traveler=t))
    assert ["traveler.surname"] == [v.field for v in result.violations]  # type: ignore[union-attr]
