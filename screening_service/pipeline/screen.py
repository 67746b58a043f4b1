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

import asyncio
import datetime as dt
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, Final

from screening_service.engine.native import EngineError
from screening_service.lookout import LookoutIndex
from screening_service.pipeline import json_requests as js
from screening_service.pipeline.decide import Decision, decide, new_decision_ids
from screening_service.pipeline.enrich import FlightGroups, enrich_grouped
from screening_service.pipeline.evaluate import facts_of
from screening_service.pipeline.history import HistoryOptions, add_history
from screening_service.pipeline.related import NOBODY, Related, reads_related, related_travelers
from screening_service.pipeline.snapshot import Snapshot
from screening_service.pipeline.validate import (
    DEFAULT_DEPARTURE_WINDOW_DAYS,
    Invalid,
    ValidFlight,
    live_today,
    validate_manifest,
    validate_screen,
)
from screening_service.proto import pb
from screening_service.rules.compile import CompiledPack
from screening_service.values import Record

Request = (
    pb.ScreenRequest
    | pb.ScreenManifestRequest
    | js.ScreenRequest
    | js.ScreenManifestRequest
    | ValidFlight
)
# Travelers above which `screen_async` validates, enriches and decides in a
# worker thread: a 1,000-traveler flight takes about a second of CPU, which on
# the event loop would hold up every other call (health checks included).
OFF_LOOP_TRAVELERS = 20


HISTORY_UNKNOWN: Final = "travel history unavailable: history fields are unknown"


class ScreeningFailed(RuntimeError):
    """The rules did not run; the engine may need replacing before a retry succeeds."""


@dataclass(frozen=True)
class Context:
    """What a screening runs against besides the request: the pack and the lookout list."""

    snapshot: Snapshot
    lookout: LookoutIndex | None = None
    history: HistoryOptions | None = None


@dataclass(frozen=True)
class FlightResult:
    """Decisions in request order, with what they were made from (for explain and replay)."""

    decisions: list[Decision]
    records: list[Record]
    fired: list[set[int]]
    snapshot: Snapshot
    evaluation_seconds: float
    # What every decision of the flight could not take into account (shown to the caller).
    caveats: tuple[str, ...] = ()
    # The same flight decided by each of `screen`'s ``also`` packs, from the same records.
    alternatives: tuple[FlightResult, ...] = ()


@dataclass(frozen=True)
class _Pending:
    valid: ValidFlight
    records: list[Record]
    # The flight's groups, as enrichment counted them: naming related travelers reads them
    # again, for every pack of the flight (replay's baseline too).
    groups: FlightGroups
    facts: list[dict[str, Any]]
    now: dt.datetime
    started: float
    caveats: tuple[str, ...] = ()


def validate(
    request: Request, live: bool, departure_window_days: int = DEFAULT_DEPARTURE_WINDOW_DAYS
) -> ValidFlight | Invalid:
    """Parse once: the typed records of a request, or every violation."""
    if isinstance(request, ValidFlight):
        return request
    today = live_today() if live else None
    if isinstance(request, pb.ScreenRequest | js.ScreenRequest):
        return validate_screen(request, today, departure_window_days=departure_window_days)
    return validate_manifest(request, today, departure_window_days=departure_window_days)


def _travelers(request: Request) -> int:
    if isinstance(request, ValidFlight):
        return len(request.travelers)
    if isinstance(request, pb.ScreenRequest | js.ScreenRequest):
        return 1
    return len(request.manifest.travelers) if request.manifest is not None else 0


def _begin(
    context: Context,
    request: Request,
    now: dt.datetime | None,
    live: bool,
    departure_window_days: int = DEFAULT_DEPARTURE_WINDOW_DAYS,
) -> _Pending | Invalid:
    valid = validate(request, live, departure_window_days)
    if isinstance(valid, Invalid):
        return valid
    now = now or dt.datetime.now(dt.UTC)
    records, groups = enrich_grouped(valid.travelers, valid.flight, now, context.lookout)
    caveats: tuple[str, ...] = ()
    if context.history is not None and not add_history(
        context.history, valid.flight, valid.travelers, records
    ):
        caveats = (HISTORY_UNKNOWN,)
    facts = facts_of(records, context.snapshot.compiled)
    return _Pending(valid, records, groups, facts, now, time.perf_counter(), caveats)


def _usable(context: Context) -> None:
    """An engine that says it must not be used again is not asked (its answer is not trusted)."""
    if not context.snapshot.engine.healthy:
        raise ScreeningFailed("the engine is not healthy; the rules did not run")


def _checked(context: Context, pending: _Pending, fired: Sequence[set[int]]) -> Sequence[set[int]]:
    """The engine's reply, if it is one answer per fact naming only rules of this pack.

    Engines check their own replies; this is the pipeline's own guard, so no
    engine (or a bug in one) can turn a missing answer into REFERRAL_NONE or
    an out-of-range index into another rule's indicator.
    """
    if len(fired) != len(pending.facts):
        raise ScreeningFailed(
            f"the engine answered for {len(fired)} of {len(pending.facts)} travelers"
        )
    rule_count = len(context.snapshot.compiled.rules)
    for hits in fired:
        for index in hits:
            if type(index) is not int or not 0 <= index < rule_count:
                raise ScreeningFailed(f"the engine fired an unknown rule index {index!r}")
    return fired


def _related(snapshot: Snapshot, pending: _Pending, fired: Sequence[set[int]]) -> list[Related]:
    """Who else each flight-level indicator is about; computed only for the travelers
    whose fired rules read such a field (`decide` reads no one else's)."""
    travelers, records = pending.valid.travelers, pending.records
    if len(travelers) < 2:
        return [NOBODY] * len(travelers)
    rules = snapshot.compiled.rules
    aggregates = snapshot.compiled.pack.info.aggregates
    naming: dict[int, bool] = {}
    wanted = []
    for hits in fired:
        reads = False
        for i in hits:
            if i not in naming:
                naming[i] = reads_related(rules[i].fields, aggregates)
            reads = reads or naming[i]
        wanted.append(reads)
    if any(wanted):
        derivations = snapshot.compiled.derivations
        return related_travelers(travelers, records, derivations, wanted, pending.groups)
    return [NOBODY] * len(travelers)


def _finish(context: Context, pending: _Pending, fired: Sequence[set[int]]) -> FlightResult:
    fired = _checked(context, pending, fired)
    seconds = time.perf_counter() - pending.started
    snapshot = context.snapshot
    travelers = pending.valid.travelers
    related = _related(snapshot, pending, fired)
    ids = new_decision_ids(len(travelers))
    decisions = [
        decide(
            snapshot,
            t.traveler_id,
            record,
            hits,
            pending.now,
            observations=t.observations,
            related=others,
            decision_id=decision_id,
        )
        for t, record, hits, others, decision_id in zip(
            travelers, pending.records, fired, related, ids, strict=True
        )
    ]
    return FlightResult(decisions, pending.records, list(fired), snapshot, seconds, pending.caveats)


def screen(
    context: Context,
    request: Request,
    *,
    now: dt.datetime | None = None,
    live: bool = True,
    timeout: float | None = None,
    departure_window_days: int = DEFAULT_DEPARTURE_WINDOW_DAYS,
    also: Sequence[Snapshot] = (),
) -> FlightResult | Invalid:
    """Screen one flight (a `ScreenRequest` is a flight of one).

    ``live`` turns on the checks that depend on the present (with
    ``departure_window_days``); replay and explain pass False (and their own
    ``now``) to judge each record as of its own time. ``timeout`` bounds the
    engine call. Each pack in ``also`` (replay's baseline) decides the same
    flight from the same validated, enriched records: `FlightResult.alternatives`.
    """
    pending = _begin(context, request, now, live, departure_window_days)
    if isinstance(pending, Invalid):
        return pending
    result = _evaluate(context, pending, timeout)
    if not also:
        return result
    alternatives = []
    for snapshot in also:
        other = replace(context, snapshot=snapshot)
        facts = (
            pending.facts
            if _same_facts(context.snapshot.compiled, snapshot.compiled)
            else facts_of(pending.records, snapshot.compiled)
        )
        alternatives.append(_evaluate(other, replace(pending, facts=facts), timeout))
    return replace(result, alternatives=tuple(alternatives))


_SAME_FACTS: dict[tuple[str, str], bool] = {}


def _same_facts(first: CompiledPack, other: CompiledPack) -> bool:
    """Whether two packs build the same facts from the same records: the same fields
    read, derived values and aggregates. A replay's candidate usually changes a rule or a
    weight of its baseline, so the baseline evaluates the candidate's facts as they are."""
    key = (first.pack.content_hash, other.pack.content_hash)
    same = _SAME_FACTS.get(key)
    if same is None:
        if len(_SAME_FACTS) > 64:
            _SAME_FACTS.clear()
        same = _SAME_FACTS[key] = (
            first.fact_fields == other.fact_fields and first.derivations == other.derivations
        )
    return same


def _evaluate(context: Context, pending: _Pending, timeout: float | None) -> FlightResult:
    _usable(context)
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
    departure_window_days: int = DEFAULT_DEPARTURE_WINDOW_DAYS,
) -> FlightResult | Invalid:
    """`screen` for the server's event loop: the engine call is awaited.

    A large flight's CPU-bound steps (validate, enrich, decide) run in a
    worker thread (`OFF_LOOP_TRAVELERS`), so the loop keeps answering.
    """
    # The history store blocks on I/O: with it, every flight is prepared off the loop;
    # deciding does no I/O, so only a large flight is decided off it.
    large = _travelers(request) > OFF_LOOP_TRAVELERS
    if large or context.history is not None:
        pending = await asyncio.to_thread(
            _begin, context, request, now, live, departure_window_days
        )
    else:
        pending = _begin(context, request, now, live, departure_window_days)
    if isinstance(pending, Invalid):
        return pending
    _usable(context)
    try:
        fired = await context.snapshot.engine.evaluate_async(pending.facts, timeout)
    except EngineError as error:
        raise ScreeningFailed(f"rule evaluation failed: {error}") from error
    if large:
        return await asyncio.to_thread(_finish, context, pending, fired)
    return _finish(context, pending, fired)
