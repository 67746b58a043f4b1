"""Rule files -> ... -> swap, on demand: the hot reload of a running service.

A reload builds a complete new snapshot (new engine rulesets under new
names), proves it on the pack's own examples, and only then swaps the one
reference; calls in flight finish on the snapshot they started with. A pack
with any error is rejected, the running pack stays, and the failure is
logged with every error and counted. Reloads are serialised; a reload whose
files hash to the running pack's hash is a no-op.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from screening_service.observability import metrics
from screening_service.observability.logging import get_logger
from screening_service.pipeline.snapshot import Snapshot
from screening_service.rules.errors import ErrorSink, PackError
from screening_service.rules.parse import content_hash, read_pack_files
from screening_service.runtime.packs import ActivePack, EngineOptions, build_snapshot

log = get_logger("screening.reload")


@dataclass(frozen=True)
class ReloadOutcome:
    applied: bool
    snapshot: Snapshot | None
    errors: tuple[str, ...] = ()

    @property
    def rejected(self) -> bool:
        return bool(self.errors)


class PackReloader:
    def __init__(
        self,
        directory: Path,
        active: ActivePack,
        on_swap: Callable[[Snapshot], None] = lambda _snapshot: None,
        engine_options: EngineOptions | None = None,
    ) -> None:
        self.directory = directory
        self.active = active
        self.on_swap = on_swap
        self.engine_options = engine_options
        self._lock = threading.Lock()

    def _unchanged(self, current: Snapshot | None) -> bool:
        if current is None:
            return False
        sink = ErrorSink()
        contents = read_pack_files(self.directory, sink)
        return not sink.errors and content_hash(contents) == current.content_hash

    def reload(self, reason: str) -> ReloadOutcome:
        with self._lock:
            current = self.active.snapshot
            if self._unchanged(current):
                return ReloadOutcome(False, current)
            try:
                snapshot = build_snapshot(self.directory, options=self.engine_options)
            except PackError as error:
                metrics.reloads.labels("failure").inc()
                found = tuple(str(e) for e in error.errors)
                log.error(
                    "rule pack rejected",
                    reason=reason,
                    errors=list(found),
                    total=error.total,
                    running_version=current.version if current else None,
                )
                return ReloadOutcome(False, current, found or ("the pack was rejected",))
            except OSError as error:
                metrics.reloads.labels("failure").inc()
                log.error("rule pack unreadable", reason=reason, error=str(error))
                return ReloadOutcome(False, current, (f"cannot read the pack: {error.strerror}",))
            self.active.swap(snapshot)
            metrics.reloads.labels("success").inc()
            self.on_swap(snapshot)
            log.info(
                "rule pack loaded",
                reason=reason,
                ruleset_version=snapshot.version,
                ruleset_hash=snapshot.content_hash,
                previous_version=current.version if current else None,
                rules=len(snapshot.compiled.rules),
                shards=snapshot.engine.shard_count,
            )
            return ReloadOutcome(True, snapshot)
