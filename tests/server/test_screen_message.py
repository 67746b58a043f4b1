"""`ScreenMessage` over gRPC: an airline message in, one screened flight per flight in it."""

from __future__ import annotations

import datetime as dt
import random

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from screening_service.proto import pb, pb_grpc
from tests.messages.samples import PAXLST_D05B, PNRGOV

# The samples are archived 2020 messages; a live call judges departures against today,
# so the flights are moved to the coming days (dates only, in each format's own form).
TODAY = dt.datetime.now(dt.UTC).date()


def _yymmdd(days: int) -> str:
    return (TODAY + dt.timedelta(days=days)).strftime("%y%m%d")


def _ddmmyy(days: int) -> str:
    return (TODAY + dt.timedelta(days=days)).strftime("%d%m%y")


LIVE_PAXLST = PAXLST_D05B.replace("200710", _yymmdd(1))
LIVE_PNRGOV = (
    PNRGOV.replace("201213", _yymmdd(0))
    .replace("131220", _ddmmyy(1))
    .replace("141220", _ddmmyy(2))
    .replace("201220", _ddmmyy(8))
    .replace("211220", _ddmmyy(9))
    .replace("011220", _ddmmyy(-11))
    .replace("051220", _ddmmyy(-7))
)


def bad_request(error: grpc.RpcError) -> list[tuple[str, str]]:
    status = rpc_status.from_call(error)  # type: ignore[arg-type]
    assert status is not None
    violations = []
    for detail in status.details:
        if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            found = error_details_pb2.BadRequest()
            detail.Unpack(found)
            violations += [(v.field, v.description) for v in found.field_violations]
    return violations


def test_a_paxlst_message_is_screened_flight_by_flight(
    stub: pb_grpc.ScreeningServiceStub,
) -> None:
    request = pb.ScreenMessageRequest(
        message=LIVE_PAXLST.encode(), format=pb.MESSAGE_FORMAT_PAXLST, home_country="USA"
    )
    response = stub.ScreenMessage(request, timeout=10)
    assert 1 == len(response.flights)
    flight = response.flights[0]
    assert ("QQ", "877", (TODAY + dt.timedelta(days=1)).isoformat()) == (
        flight.flight.carrier,
        flight.flight.flight_number,
        flight.flight.departure_date,
    )
    assert len(flight.decisions) >= 2
    assert all(d.referral != pb.REFERRAL_UNSPECIFIED for d in flight.decisions)
    assert all(d.ruleset_version for d in flight.decisions)


def test_format_is_detected_when_not_given(stub: pb_grpc.ScreeningServiceStub) -> None:
    response = stub.ScreenMessage(pb.ScreenMessageRequest(message=LIVE_PNRGOV.encode()), timeout=10)
    assert response.flights
    assert all(f.decisions for f in response.flights)


def test_an_unreadable_message_names_the_segment(stub: pb_grpc.ScreeningServiceStub) -> None:
    with pytest.raises(grpc.RpcError) as caught:
        stub.ScreenMessage(pb.ScreenMessageRequest(message=b"UNB+garbage'"), timeout=10)
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    violations = bad_request(caught.value)
    assert violations
    assert violations[0][0].startswith("message.segment[")


@pytest.mark.parametrize(
    ("request_", "field"),
    [
        (pb.ScreenMessageRequest(), "message"),
        (pb.ScreenMessageRequest(message=LIVE_PAXLST.encode(), home_country="XYZ"), "home_country"),
    ],
)
def test_missing_message_or_bad_home_country_is_invalid(
    stub: pb_grpc.ScreeningServiceStub, request_: pb.ScreenMessageRequest, field: str
) -> None:
    with pytest.raises(grpc.RpcError) as caught:
        stub.ScreenMessage(request_, timeout=10)
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert [field] == [f for f, _ in bad_request(caught.value)]


def test_random_bytes_truncations_and_shuffles_get_a_clear_answer(
    stub: pb_grpc.ScreeningServiceStub,
) -> None:
    """Never INTERNAL or UNKNOWN: a screened message or INVALID_ARGUMENT naming a segment."""
    rng = random.Random(17)
    message = LIVE_PAXLST.encode()
    segments = LIVE_PAXLST.split("'")
    cases = [bytes(rng.randrange(256) for _ in range(rng.randrange(1, 400))) for _ in range(40)]
    cases += [message[: rng.randrange(1, len(message))] for _ in range(40)]
    for _ in range(40):
        shuffled = segments[:]
        rng.shuffle(shuffled)
        cases.append("'".join(shuffled).encode())
    answers: dict[str, int] = {}
    unexplained = 0
    for case in cases:
        code = "OK"
        try:
            stub.ScreenMessage(pb.ScreenMessageRequest(message=case), timeout=10)
        except grpc.RpcError as error:
            code = error.code().name
            unexplained += code == "INVALID_ARGUMENT" and not bad_request(error)
        answers[code] = answers.get(code, 0) + 1
    assert set(answers) <= {"OK", "INVALID_ARGUMENT"}, answers
    assert answers.get("INVALID_ARGUMENT", 0) > 0
    assert 0 == unexplained, "an invalid message names what is wrong in a BadRequest"
