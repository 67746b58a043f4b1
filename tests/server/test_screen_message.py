"""`ScreenMessage` over gRPC: an airline message in, one screened flight per flight in it."""

from __future__ import annotations

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from screening_service.proto import pb, pb_grpc
from tests.messages.samples import PAXLST_D05B, PNRGOV


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
        message=PAXLST_D05B.encode(), format=pb.MESSAGE_FORMAT_PAXLST, home_country="USA"
    )
    response = stub.ScreenMessage(request, timeout=10)
    assert 1 == len(response.flights)
    flight = response.flights[0]
    assert ("QQ", "877", "2020-07-10") == (
        flight.flight.carrier,
        flight.flight.flight_number,
        flight.flight.departure_date,
    )
    assert len(flight.decisions) >= 2
    assert all(d.referral != pb.REFERRAL_UNSPECIFIED for d in flight.decisions)
    assert all(d.ruleset_version for d in flight.decisions)


def test_format_is_detected_when_not_given(stub: pb_grpc.ScreeningServiceStub) -> None:
    response = stub.ScreenMessage(pb.ScreenMessageRequest(message=PNRGOV.encode()), timeout=10)
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
        (pb.ScreenMessageRequest(message=PAXLST_D05B.encode(), home_country="XYZ"), "home_country"),
    ],
)
def test_missing_message_or_bad_home_country_is_invalid(
    stub: pb_grpc.ScreeningServiceStub, request_: pb.ScreenMessageRequest, field: str
) -> None:
    with pytest.raises(grpc.RpcError) as caught:
        stub.ScreenMessage(request_, timeout=10)
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert [field] == [f for f, _ in bad_request(caught.value)]
