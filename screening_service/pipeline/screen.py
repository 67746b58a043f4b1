"""The screening pipeline: request -> validate -> enrich -> evaluate -> decide.

`Screener` runs the stages against the live rule snapshot. Validation
happens before (see `validate`); a traveler whose rules did not run never
gets a decision: every failure here is raised to the caller.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Sequence
from dataclasses import dataclass

from screening_service.engine.native import Engine, EngineError
from screening_service.facts import Record
from screening_service.lookout import LookoutIndex
from screening_service.lookout.active import ActiveLookout
from screening_service.pipeline.decide import Decision, decide
from screening_service.pipeline.enrich import FlightContext, enrich_flight
from screening_service.pipeline.evaluate import evaluate, evaluate_async
from screening_service.proto import pb
from screening_service.rules.swap import ActivePack, Snapshot


class NotReady(RuntimeError):
    """No rule pack is loaded yet."""


class ScreeningFailed(RuntimeError):
    """The rules did not run; retrying may succeed (the engine was replaced)."""


@dataclass(frozen=True)
class FlightResult:
    decisions: list[Decision]
    snapshot: Snapshot
    evaluation_seconds: float


class Screener:
    def __init__(self, active: ActivePack, lookout: ActiveLookout | None = None) -> None:
        self.active = active
        self.lookout = lookout

    def _lookout_index(self) -> LookoutIndex | None:
        return self.lookout.index if self.lookout is not None else None

    def snapshot(self) -> Snapshot:
        snapshot = self.active.snapshot
        if snapshot is None:
            raise NotReady("no rule pack is loaded")
        return snapshot

    def screen(
        self,
        travelers: Sequence[pb.Traveler],
        flight: FlightContext | None = None,
        timeout: float | None = None,
    ) -> FlightResult:
        """Decisions for already-validated travelers of one flight, in order.

        ``timeout`` bounds the engine call (the rest of the caller's deadline).
        """
        snapshot = self.snapshot()
        now = dt.datetime.now(dt.UTC)
        records = enrich_flight(travelers, flight or FlightContext(), now, self._lookout_index())
        started = time.perf_counter()
        try:
            fired = evaluate(snapshot, records, timeout)
        except EngineError as error:
            raise self._failed(snapshot, error) from error
        return self._decide(snapshot, travelers, records, fired, now, started)

    async def screen_async(
        self,
        travelers: Sequence[pb.Traveler],
        flight: FlightContext | None = None,
        timeout: float | None = None,
    ) -> FlightResult:
        """`screen` for the server's event loop: the engine call is awaited."""
        snapshot = self.snapshot()
        now = dt.datetime.now(dt.UTC)
        records = enrich_flight(travelers, flight or FlightContext(), now, self._lookout_index())
        started = time.perf_counter()
        try:
            fired = await evaluate_async(snapshot, records, timeout)
        except EngineError as error:
            raise self._failed(snapshot, error) from error
        return self._decide(snapshot, travelers, records, fired, now, started)

    def _failed(self, snapshot: Snapshot, error: EngineError) -> ScreeningFailed:
        if not snapshot.engine.healthy:
            self._replace_engine(snapshot)
        return ScreeningFailed(f"rule evaluation failed: {error}")

    @staticmethod
    def _decide(
        snapshot: Snapshot,
        travelers: Sequence[pb.Traveler],
        records: Sequence[Record],
        fired: Sequence[set[int]],
        now: dt.datetime,
        started: float,
    ) -> FlightResult:
        seconds = time.perf_counter() - started
        decisions = [
            decide(snapshot, t.traveler_id, record, hits, now)
            for t, record, hits in zip(travelers, records, fired, strict=True)
        ]
        return FlightResult(decisions, snapshot, seconds)

    def _replace_engine(self, broken: Snapshot) -> None:
        """Give the same pack a fresh in-process engine, unless a reload already replaced it."""
        replacement = Snapshot(broken.compiled, Engine(broken.compiled), broken.loaded_at)
        if not self.active.replace(broken, replacement):
            replacement.engine.close()
