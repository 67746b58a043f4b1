"""Domain failures -> standard gRPC statuses with google.rpc details."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import grpc
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_status import rpc_status

from screening_service.pipeline.history import HistoryFailed
from screening_service.pipeline.screen import ScreeningFailed
from screening_service.pipeline.validate import Violation
from screening_service.runtime.decision_log import DecisionLogError
from screening_service.runtime.screening import NotReady
from screening_service.server.admission import Saturated
from screening_service.server.security import PermissionDenied, Unauthenticated

MAX_VIOLATIONS_REPORTED = 200


class InvalidRequest(Exception):
    def __init__(self, violations: Sequence[Violation]) -> None:
        super().__init__(f"{len(violations)} field violation(s)")
        self.violations = list(violations)


@dataclass(frozen=True)
class Undecodable:
    """A request whose bytes are not the protobuf message the method takes."""

    reason: str

    def violation(self) -> Violation:
        return Violation("(request)", f"is not a valid protobuf message ({self.reason})")


class RequestTooLarge(Exception):
    """A request over a size limit (RESOURCE_EXHAUSTED, with the field that is too large)."""

    def __init__(self, field: str, description: str) -> None:
        super().__init__(f"{field} {description}")
        self.violation = Violation(field, description)


class DeadlineExpired(Exception):
    """The caller's deadline passed; no work is done for it."""


def _status(code: int, message: str, *details: object) -> status_pb2.Status:
    status = status_pb2.Status(code=code, message=message)
    for detail in details:
        status.details.add().Pack(detail)
    return status


def invalid_argument(violations: Sequence[Violation]) -> status_pb2.Status:
    shown = violations[:MAX_VIOLATIONS_REPORTED]
    request = error_details_pb2.BadRequest(
        field_violations=[
            error_details_pb2.BadRequest.FieldViolation(field=v.field, description=v.description)
            for v in shown
        ]
    )
    more = f" (first {len(shown)} listed)" if len(violations) > len(shown) else ""
    first = f"{violations[0].field} {violations[0].description}" if violations else ""
    return _status(
        code_pb2.INVALID_ARGUMENT,
        f"{len(violations)} invalid field(s){more}: {first}"
        + ("; ..." if len(violations) > 1 else ""),
        request,
    )


def _retry(seconds: int) -> error_details_pb2.RetryInfo:
    retry = error_details_pb2.RetryInfo()
    retry.retry_delay.FromSeconds(seconds)
    return retry


def unavailable(message: str, retry_seconds: int = 1) -> status_pb2.Status:
    return _status(code_pb2.UNAVAILABLE, message, _retry(retry_seconds))


def internal(request_id: str) -> status_pb2.Status:
    return _status(
        code_pb2.INTERNAL,
        f"internal error (request id {request_id}); the traveler was not screened",
    )


def status_for(error: BaseException, request_id: str) -> status_pb2.Status:
    """The status a caller gets for a failure; never a decision."""
    if isinstance(error, InvalidRequest):
        return invalid_argument(error.violations)
    if isinstance(error, RequestTooLarge):
        detail = error_details_pb2.BadRequest(
            field_violations=[
                error_details_pb2.BadRequest.FieldViolation(
                    field=error.violation.field, description=error.violation.description
                )
            ]
        )
        return _status(code_pb2.RESOURCE_EXHAUSTED, str(error), detail)
    if isinstance(error, Saturated):
        return _status(code_pb2.RESOURCE_EXHAUSTED, f"{error}; retry shortly", _retry(1))
    if isinstance(error, NotReady):
        return unavailable("no rule pack is loaded yet; the traveler was not screened")
    if isinstance(error, HistoryFailed):
        return unavailable("the travel history store is unreachable; the traveler was not screened")
    if isinstance(error, ScreeningFailed):
        return unavailable("rule evaluation failed and the engine was replaced; retry the call")
    if isinstance(error, Unauthenticated):
        return _status(code_pb2.UNAUTHENTICATED, str(error))
    if isinstance(error, PermissionDenied):
        return _status(code_pb2.PERMISSION_DENIED, str(error))
    if isinstance(error, DeadlineExpired):
        return _status(
            code_pb2.DEADLINE_EXCEEDED, "deadline exceeded; the traveler was not screened"
        )
    if isinstance(error, DecisionLogError):
        return unavailable("the decision could not be recorded; the result was withheld, retry", 5)
    return internal(request_id)


@dataclass(frozen=True)
class _Status(grpc.Status):
    code: grpc.StatusCode
    details: str
    trailing_metadata: tuple[tuple[str, str | bytes], ...]


def to_grpc(status: status_pb2.Status, *metadata: tuple[str, str]) -> grpc.Status:
    """The grpc status to abort with: the rich details plus any extra trailing metadata."""
    base = rpc_status.to_status(status)
    return _Status(base.code, base.details, (*base.trailing_metadata, *metadata))
