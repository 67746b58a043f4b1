"""The gRPC servicer: thin. Validate, hand to the pipeline, respond.

Errors are raised as domain exceptions and mapped by the interceptor, except
in `ScreenStream`, where each item's failure becomes that item's error result
so one bad record does not end the stream.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import grpc
import structlog
from google.protobuf.timestamp_pb2 import Timestamp

from screening_service.observability import metrics
from screening_service.observability.logging import get_logger
from screening_service.pipeline.decide import Decision
from screening_service.pipeline.respond import to_proto
from screening_service.pipeline.screen import OFF_LOOP_TRAVELERS, FlightResult, Request
from screening_service.pipeline.snapshot import Snapshot
from screening_service.pipeline.validate import MAX_TRAVELERS, Invalid
from screening_service.proto import pb, pb_grpc
from screening_service.pseudonyms import PseudonymKey
from screening_service.rules.model import Mode
from screening_service.runtime.decision_log import DecisionLog
from screening_service.runtime.reload import PackReloader
from screening_service.runtime.screening import LiveScreening
from screening_service.server.errors import (
    DeadlineExpired,
    InvalidRequest,
    RequestTooLarge,
    Undecodable,
    status_for,
)
from screening_service.server.messages import convert_message

Context = grpc.aio.ServicerContext[Any, Any]
log = get_logger("screening.stream")
# An enum member's .value is a descriptor call; read once.
ENFORCE = Mode.ENFORCE.value
SHADOW = Mode.SHADOW.value


def record(result: FlightResult) -> None:
    """Count decisions and rule hits."""
    metrics.evaluation_duration.observe(result.evaluation_seconds)
    metrics.travelers.inc(len(result.decisions))
    child = metrics.child
    for decision in result.decisions:
        child(metrics.decisions, decision.referral.value).inc()
        for hit in decision.indicators:
            child(metrics.rule_hits, hit.rule_id, ENFORCE).inc()
        for hit in decision.shadow_indicators:
            child(metrics.rule_hits, hit.rule_id, SHADOW).inc()


def bind_decisions(result: FlightResult) -> None:
    """Put the decision ids and ruleset version into the call's log context."""
    structlog.contextvars.bind_contextvars(
        decision_ids=[d.decision_id for d in result.decisions],
        ruleset_version=result.snapshot.version,
    )


def _proto(result: FlightResult, decision: Decision) -> pb.Decision:
    message = to_proto(decision)
    message.caveats.extend(result.caveats)
    return message


async def _protos(result: FlightResult) -> list[pb.Decision]:
    """The decisions as protobuf; a big flight's are built off the event loop."""
    if len(result.decisions) > OFF_LOOP_TRAVELERS:
        return await asyncio.to_thread(lambda: [_proto(result, d) for d in result.decisions])
    return [_proto(result, d) for d in result.decisions]


def _request_id() -> str:
    return str(structlog.contextvars.get_contextvars().get("request_id", ""))


class ScreeningServicer(pb_grpc.ScreeningServiceServicer):
    def __init__(
        self,
        screening: LiveScreening,
        reloader: PackReloader,
        decision_log: DecisionLog | None = None,
        pseudonym_key: PseudonymKey | None = None,
    ) -> None:
        self.screening = screening
        self.reloader = reloader
        self.decision_log = decision_log
        self.pseudonym_key = pseudonym_key

    async def _screen(self, request: Request, context: Context) -> FlightResult:
        remaining = context.time_remaining()
        if remaining is not None and remaining <= 0:
            raise DeadlineExpired("the call's deadline passed before screening")
        result = await self.screening.screen_async(request, timeout=remaining)
        if isinstance(result, Invalid):
            raise InvalidRequest(result.violations)
        if self.decision_log is not None:
            self.decision_log.write(result.decisions, _request_id())
        record(result)
        return result

    async def Screen(self, request: pb.ScreenRequest, context: Context) -> pb.ScreenResponse:
        result = await self._screen(request, context)
        bind_decisions(result)
        return pb.ScreenResponse(decision=_proto(result, result.decisions[0]))

    async def ScreenManifest(
        self, request: pb.ScreenManifestRequest, context: Context
    ) -> pb.ScreenManifestResponse:
        if len(request.manifest.travelers) > MAX_TRAVELERS:
            raise RequestTooLarge(
                "manifest.travelers", f"has more than {MAX_TRAVELERS} travelers; split the flight"
            )
        result = await self._screen(request, context)
        bind_decisions(result)
        return pb.ScreenManifestResponse(decisions=await _protos(result))

    async def ScreenStream(
        self, request_iterator: AsyncIterator[pb.ScreenRequest], context: Context
    ) -> AsyncIterator[pb.ScreenStreamResponse]:
        async for request in request_iterator:
            if isinstance(request, Undecodable):
                error = status_for(InvalidRequest([request.violation()]), _request_id())
                yield pb.ScreenStreamResponse(traveler_id="", error=error)
                continue
            traveler_id = request.traveler.traveler_id
            try:
                result = await self._screen(request, context)
            except (asyncio.CancelledError, GeneratorExit):
                raise
            except Exception as error:
                yield pb.ScreenStreamResponse(
                    traveler_id=traveler_id, error=status_for(error, _request_id())
                )
                continue
            decision = result.decisions[0]
            log.info(
                "stream decision",
                traveler_id=traveler_id,
                decision_id=decision.decision_id,
                referral=decision.referral.value,
                ruleset_version=result.snapshot.version,
            )
            yield pb.ScreenStreamResponse(
                traveler_id=traveler_id, decision=_proto(result, decision)
            )

    async def ScreenMessage(
        self, request: pb.ScreenMessageRequest, context: Context
    ) -> pb.ScreenMessageResponse:
        conversion = await asyncio.to_thread(convert_message, request, self.pseudonym_key)
        flights = []
        for flight in conversion.flights:
            result = await self._screen(pb.ScreenManifestRequest(manifest=flight.manifest), context)
            flights.append(
                pb.ScreenedFlight(
                    flight=flight.key.to_proto(),
                    decisions=await _protos(result),
                    warnings=[w.to_proto() for w in flight.warnings],
                )
            )
        structlog.contextvars.bind_contextvars(
            message_format=conversion.kind.value,
            flights=len(flights),
            conversion_warnings=len(conversion.warnings)
            + sum(len(f.warnings) for f in conversion.flights),
        )
        return pb.ScreenMessageResponse(
            flights=flights, warnings=[w.to_proto() for w in conversion.warnings]
        )

    async def GetRuleset(
        self, request: pb.GetRulesetRequest, context: Context
    ) -> pb.GetRulesetResponse:
        return pb.GetRulesetResponse(ruleset=ruleset_message(self.screening.snapshot()))

    async def ReloadRuleset(
        self, request: pb.ReloadRulesetRequest, context: Context
    ) -> pb.ReloadRulesetResponse:
        outcome = await asyncio.to_thread(self.reloader.reload, "rpc")
        errors = list(outcome.errors)
        if self.screening.lookout is not None:
            lookout = await asyncio.to_thread(self.screening.lookout.reload, "rpc")
            errors += [f"lookout: {error}" for error in lookout.errors]
        snapshot = outcome.snapshot or self.screening.snapshot()
        return pb.ReloadRulesetResponse(
            applied=outcome.applied, ruleset=ruleset_message(snapshot), errors=errors
        )


def ruleset_message(snapshot: Snapshot) -> pb.Ruleset:
    info = snapshot.compiled.pack.info
    loaded_at = Timestamp()
    loaded_at.FromDatetime(snapshot.loaded_at)
    mode = {Mode.ENFORCE: pb.RULE_MODE_ENFORCE, Mode.SHADOW: pb.RULE_MODE_SHADOW}
    return pb.Ruleset(
        version=snapshot.version,
        hash=snapshot.content_hash,
        loaded_at=loaded_at,
        interview_threshold=info.interview_threshold,
        priority_threshold=info.priority_threshold,
        rules=[
            pb.RuleInfo(
                rule_id=c.rule.id,
                title=c.rule.title,
                typology=c.rule.typology,
                weight=c.rule.weight,
                mode=mode[c.rule.mode],
                refer_priority=c.rule.refer_priority,
            )
            for c in snapshot.compiled.rules
        ],
    )
