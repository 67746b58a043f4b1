"""The screening pipeline: request -> validate -> enrich -> evaluate -> decide.

`screen` (and `screen_async`, for the server's event loop) is the one entry
point every caller uses: the server's unary, manifest and stream paths,
`screening replay`, `screening rules explain` and the benchmarks. Both share
one body (`_begin` then `_finish`); only the engine call differs. A request
comes back as `Invalid` (every violation) or as a `FlightResult`; a traveler
whose rules did not run never gets a decision: engine failures are raised as
`ScreeningFailed`.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from screening_service.engine.native import EngineError
from screening_service.lookout import LookoutIndex
from screening_service.pipeline.decide import Decision, decide
from screening_service.pipeline.enrich import enrich_flight
from screening_service.pipeline.evaluate import facts_of
from screening_service.pipeline.snapshot import Snapshot
from screening_service.pipeline.validate import (
    Invalid,
    ValidFlight,
    live_today,
    validate_manifest,
    validate_screen,
)
from screening_service.proto import pb
from screening_service.values import Record

Request = pb.ScreenRequest | pb.ScreenManifestRequest | ValidFlight


class ScreeningFailed(RuntimeError):
    """The rules did not run; the engine may need replacing before a retry succeeds."""


@dataclass(frozen=True)
class Context:
    """What a screening runs against besides the request: the pack and the lookout list."""

    snapshot: Snapshot
    lookout: LookoutIndex | None = None


@dataclass(frozen=True)
class FlightResult:
    """Decisions in request order, with what they were made from (for explain and replay)."""

    decisions: list[Decision]
    records: list[Record]
    fired: list[set[int]]
    snapshot: Snapshot
    evaluation_seconds: float


@dataclass(frozen=True)
class _Pending:
    valid: ValidFlight
    records: list[Record]
    facts: list[dict[str, Any]]
    now: dt.datetime
    started: float


def validate(request: Request, live: bool) -> ValidFlight | Invalid:
    """Parse once: the typed records of a request, or every violation."""
    if isinstance(request, ValidFlight):
        return request
    today = live_today() if live else None
    if isinstance(request, pb.ScreenRequest):
        return validate_screen(request, today)
    return validate_manifest(request, today)


def _begin(
    context: Context, request: Request, now: dt.datetime | None, live: bool
) -> _Pending | Invalid:
    valid = validate(request, live)
    if isinstance(valid, Invalid):
        return valid
    now = now or dt.datetime.now(dt.UTC)
    records = enrich_flight(valid.travelers, valid.flight, now, context.lookout)
    facts = facts_of(records, context.snapshot.compiled)
    return _Pending(valid, records, facts, now, time.perf_counter())


def _finish(context: Context, pending: _Pending, fired: Sequence[set[int]]) -> FlightResult:
    seconds = time.perf_counter() - pending.started
    snapshot = context.snapshot
    decisions = [
        decide(snapshot, t.traveler_id, record, hits, pending.now)
        for t, record, hits in zip(pending.valid.travelers, pending.records, fired, strict=True)
    ]
    return FlightResult(decisions, pending.records, list(fired), snapshot, seconds)


def screen(
    context: Context,
    request: Request,
    *,
    now: dt.datetime | None = None,
    live: bool = True,
    timeout: float | None = None,
) -> FlightResult | Invalid:
    """Screen one flight (a `ScreenRequest` is a flight of one).

    ``live`` turns on the checks that depend on the present; replay and
    explain pass False (and their own ``now``) to judge each record as of
    its own time. ``timeout`` bounds the engine call.
    """
    pending = _begin(context, request, now, live)
    if isinstance(pending, Invalid):
        return pending
    try:
        fired = context.snapshot.engine.evaluate(pending.facts, timeout)
    except EngineError as error:
        raise ScreeningFailed(f"rule evaluation failed: {error}") from error
    return _finish(context, pending, fired)


async def screen_async(
    context: Context,
    request: Request,
    *,
    now: dt.datetime | None = None,
    live: bool = True,
    timeout: float | None = None,
) -> FlightResult | Invalid:
    """`screen` for the server's event loop: the engine call is awaited."""
    pending = _begin(context, request, now, live)
    if isinstance(pending, Invalid):
        return pending
    try:
        fired = await context.snapshot.engine.evaluate_async(pending.facts, timeout)
    except EngineError as error:
        raise ScreeningFailed(f"rule evaluation failed: {error}") from error
    return _finish(context, pending, fired)
