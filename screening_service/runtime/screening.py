"""The pipeline against the live pack and lookout list, for the server.

`LiveScreening` reads whatever is live at the start of a call, runs the one
pipeline entry point on it, and when the engine broke during the call gives
the same pack a fresh engine of the same kind (unless a reload replaced it
meanwhile), so the caller's retry succeeds.
"""

from __future__ import annotations

import datetime as dt

from screening_service.pipeline.history import HistoryOptions
from screening_service.pipeline.screen import (
    Context,
    FlightResult,
    Request,
    ScreeningFailed,
    screen,
    screen_async,
)
from screening_service.pipeline.snapshot import Snapshot
from screening_service.pipeline.validate import DEFAULT_DEPARTURE_WINDOW_DAYS, Invalid
from screening_service.rules.errors import PackError
from screening_service.runtime.lookout import ActiveLookout
from screening_service.runtime.packs import ActivePack, EngineOptions, build_engine


class NotReady(RuntimeError):
    """No rule pack is loaded yet."""


class LiveScreening:
    def __init__(
        self,
        active: ActivePack,
        lookout: ActiveLookout | None = None,
        engine_options: EngineOptions | None = None,
        *,
        departure_window_days: int = DEFAULT_DEPARTURE_WINDOW_DAYS,
        history: HistoryOptions | None = None,
    ) -> None:
        self.active = active
        self.lookout = lookout
        self.engine_options = engine_options
        self.departure_window_days = departure_window_days
        self.history = history

    def snapshot(self) -> Snapshot:
        snapshot = self.active.snapshot
        if snapshot is None:
            raise NotReady("no rule pack is loaded")
        return snapshot

    def context(self) -> Context:
        return Context(
            self.snapshot(),
            self.lookout.index if self.lookout is not None else None,
            self.history,
        )

    def screen(
        self, request: Request, *, now: dt.datetime | None = None, timeout: float | None = None
    ) -> FlightResult | Invalid:
        context = self.context()
        try:
            return screen(
                context,
                request,
                now=now,
                timeout=timeout,
                departure_window_days=self.departure_window_days,
            )
        except ScreeningFailed:
            self._recover(context.snapshot)
            raise

    async def screen_async(
        self, request: Request, *, now: dt.datetime | None = None, timeout: float | None = None
    ) -> FlightResult | Invalid:
        context = self.context()
        try:
            return await screen_async(
                context,
                request,
                now=now,
                timeout=timeout,
                departure_window_days=self.departure_window_days,
            )
        except ScreeningFailed:
            self._recover(context.snapshot)
            raise

    def _recover(self, broken: Snapshot) -> None:
        """Give the pack a fresh engine when its engine cannot be used again.

        A failed rebuild leaves the broken snapshot live: the next call fails
        (never a decision) and tries again.
        """
        if broken.engine.healthy:
            return
        try:
            engine = build_engine(broken.compiled, self.engine_options)
        except PackError:
            return
        replacement = Snapshot(broken.compiled, engine, broken.loaded_at)
        if self.active.replace(broken, replacement):
            broken.engine.close()
        else:
            engine.close()
