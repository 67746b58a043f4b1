"""The real server on a loopback port, called over gRPC: no mocks."""

from __future__ import annotations

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from screening_service.proto import pb, pb_grpc
from tests.factories import (
    assert_lone_minor_referred,
    lone_minor_cash_last_minute,
    manifest,
    ordinary_adult,
    traveler,
)


def bad_request(error: grpc.RpcError) -> dict[str, str]:
    status = rpc_status.from_call(error)  # type: ignore[arg-type]
    assert status is not None
    violations: dict[str, str] = {}
    for detail in status.details:
        if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            request = error_details_pb2.BadRequest()
            detail.Unpack(request)
            violations.update({v.field: v.description for v in request.field_violations})
    return violations


def test_lone_minor_on_last_minute_cash_ticket_is_referred_with_evidence(
    stub: pb_grpc.ScreeningServiceStub,
) -> None:
    decision = stub.Screen(pb.ScreenRequest(traveler=lone_minor_cash_last_minute())).decision

    assert_lone_minor_referred(decision)
    assert decision.ruleset_version == "2026.12.1"
    assert len(decision.ruleset_hash) == 64
    assert len(decision.decision_id) == 32
    assert decision.evaluated_at.seconds > 0


def test_ordinary_adult_on_card_round_trip_is_not_referred(
    stub: pb_grpc.ScreeningServiceStub,
) -> None:
    decision = stub.Screen(pb.ScreenRequest(traveler=ordinary_adult())).decision

    assert decision.referral == pb.REFERRAL_NONE
    assert list(decision.indicators) == []
    assert decision.score == 0.0


def test_decision_ids_are_unique(stub: pb_grpc.ScreeningServiceStub) -> None:
    ids = {
        stub.Screen(pb.ScreenRequest(traveler=ordinary_adult())).decision.decision_id
        for _ in range(20)
    }
    assert len(ids) == 20


def test_missing_traveler_id_and_malformed_date_are_invalid_argument(
    stub: pb_grpc.ScreeningServiceStub,
) -> None:
    bad = ordinary_adult()
    bad.traveler_id = ""
    bad.date_of_birth = "1986-02-30"
    with pytest.raises(grpc.RpcError) as caught:
        stub.Screen(pb.ScreenRequest(traveler=bad))

    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert bad_request(caught.value) == {
        "traveler.traveler_id": "is required",
        "traveler.date_of_birth": "must be a date written YYYY-MM-DD",
    }


def test_empty_request_is_invalid_argument(stub: pb_grpc.ScreeningServiceStub) -> None:
    with pytest.raises(grpc.RpcError) as caught:
        stub.Screen(pb.ScreenRequest())
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert bad_request(caught.value) == {"traveler": "is required"}


def test_manifest_decisions_come_back_in_request_order(stub: pb_grpc.ScreeningServiceStub) -> None:
    travelers = [ordinary_adult("T-1"), lone_minor_cash_last_minute("T-2"), ordinary_adult("T-3")]
    response = stub.ScreenManifest(pb.ScreenManifestRequest(manifest=manifest(travelers)))

    assert [d.traveler_id for d in response.decisions] == ["T-1", "T-2", "T-3"]
    assert [d.referral for d in response.decisions] == [
        pb.REFERRAL_NONE,
        pb.REFERRAL_PRIORITY_INTERVIEW,
        pb.REFERRAL_NONE,
    ]


def test_manifest_with_one_invalid_traveler_is_rejected_whole(
    stub: pb_grpc.ScreeningServiceStub,
) -> None:
    broken = ordinary_adult("T-3")
    broken.date_of_birth = "not-a-date"
    broken.document.expiry_date = "2019-01-01"
    travelers = [ordinary_adult("T-1"), ordinary_adult("T-1"), broken]
    with pytest.raises(grpc.RpcError) as caught:
        stub.ScreenManifest(pb.ScreenManifestRequest(manifest=manifest(travelers)))

    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert bad_request(caught.value) == {
        "manifest.travelers[1].traveler_id": "repeats travelers[0].traveler_id",
        "manifest.travelers[2].date_of_birth": "must be a date written YYYY-MM-DD",
        "manifest.travelers[2].document.expiry_date": "is before issue_date",
    }


def test_purchaser_on_the_same_flight_is_not_a_third_party_purchase(
    stub: pb_grpc.ScreeningServiceStub,
) -> None:
    parent = traveler("T-P", age=41, purchaser_id="card-hash-7", purchaser_is_traveler=True)
    child = traveler(
        "T-C",
        age=9,
        purchaser_id="card-hash-7",
        purchaser_is_traveler=False,
        companions=[pb.Companion(traveler_id="T-P", relationship=pb.RELATIONSHIP_PARENT)],
    )
    response = stub.ScreenManifest(pb.ScreenManifestRequest(manifest=manifest([parent, child])))

    child_decision = response.decisions[1]
    assert child_decision.referral == pb.REFERRAL_NONE
    assert [i.rule_id for i in child_decision.indicators] == []


def test_stream_answers_each_item_and_survives_a_bad_one(
    stub: pb_grpc.ScreeningServiceStub,
) -> None:
    bad = ordinary_adult("T-BAD")
    bad.surname = ""
    requests = [
        pb.ScreenRequest(traveler=lone_minor_cash_last_minute("T-1")),
        pb.ScreenRequest(traveler=bad),
        pb.ScreenRequest(traveler=ordinary_adult("T-3")),
    ]
    results = list(stub.ScreenStream(iter(requests)))

    assert [(r.traveler_id, r.WhichOneof("result")) for r in results] == [
        ("T-1", "decision"),
        ("T-BAD", "error"),
        ("T-3", "decision"),
    ]
    assert results[1].error.code == grpc.StatusCode.INVALID_ARGUMENT.value[0]
    detail = error_details_pb2.BadRequest()
    assert results[1].error.details[0].Unpack(detail)
    assert [(v.field, v.description) for v in detail.field_violations] == [
        ("traveler.surname", "is required")
    ]
    assert results[0].decision.referral == pb.REFERRAL_PRIORITY_INTERVIEW
    assert results[2].decision.referral == pb.REFERRAL_NONE


def test_get_ruleset_lists_the_active_pack(stub: pb_grpc.ScreeningServiceStub) -> None:
    ruleset = stub.GetRuleset(pb.GetRulesetRequest()).ruleset

    assert ruleset.version == "2026.12.1"
    assert len(ruleset.hash) == 64
    assert ruleset.interview_threshold == 50
    assert ruleset.priority_threshold == 100
    by_id = {r.rule_id: r for r in ruleset.rules}
    assert by_id["cash-payment"].mode == pb.RULE_MODE_ENFORCE
    assert by_id["cash-payment"].typology == "trafficking_general"
    assert by_id["observation-documents-held-by-other"].refer_priority


def test_request_id_is_echoed_in_trailing_metadata(stub: pb_grpc.ScreeningServiceStub) -> None:
    _, call = stub.Screen.with_call(
        pb.ScreenRequest(traveler=ordinary_adult()), metadata=(("x-request-id", "req-test-42"),)
    )
    assert ("x-request-id", "req-test-42") in list(call.trailing_metadata() or ())


def test_request_id_is_echoed_on_errors_too(stub: pb_grpc.ScreeningServiceStub) -> None:
    """Regression: aborting with rich details replaced the request id trailer."""
    with pytest.raises(grpc.RpcError) as caught:
        stub.Screen(pb.ScreenRequest(), metadata=(("x-request-id", "req-error-7"),))
    trailers: dict[str, object] = {
        item.key: item.value for item in caught.value.trailing_metadata()
    }
    assert trailers["x-request-id"] == "req-error-7"
    assert "grpc-status-details-bin" in trailers
