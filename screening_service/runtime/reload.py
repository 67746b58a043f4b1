"""Rule files -> ... -> swap, on demand: the hot reload of a running service.

A reload builds a complete new snapshot (new engine rulesets under new
names), proves it on the pack's own examples, and only then swaps the one
reference; calls in flight finish on the snapshot they started with. A pack
with any error is rejected, the running pack stays, and the failure is
logged with every error and counted; so is a pack that breaks the pack
policy (`pack_policy`: never empty, never weakened under the same version),
and so is any other failure: a reload never raises. Reloads are serialised;
a reload whose files hash to the running pack's hash is a no-op.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from screening_service.observability import metrics
from screening_service.observability.logging import get_logger
from screening_service.pipeline.snapshot import Snapshot
from screening_service.rules.build import compile_directory
from screening_service.rules.errors import ErrorSink, PackError
from screening_service.rules.files import content_hash, read_pack_files
from screening_service.runtime.pack_policy import reload_problems
from screening_service.runtime.packs import ActivePack, EngineOptions, snapshot_of

log = get_logger("screening.reload")
MAX_ERROR_CHARS: Final = 500


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
        """Load the directory's pack and swap it in, or keep the running one.

        Never raises: any failure of any step (a bad file, a refused file, a
        policy violation, an engine that cannot start or prove, a recursion
        or memory error inside a library) is logged, counted and returned as
        a rejection, so a watcher that calls this keeps watching.
        """
        with self._lock:
            current = self.active.snapshot
            try:
                return self._reload(reason, current)
            except PackError as error:
                found = tuple(bounded(str(e)) for e in error.errors)
                return self._reject(
                    reason, current, found or ("the pack was rejected",), error.total
                )
            except OSError as error:
                return self._reject(reason, current, (f"cannot read the pack: {error.strerror}",))
            except Exception as error:  # any loader failure must leave the running pack serving
                what = (
                    f"the pack could not be loaded: {type(error).__name__}: {bounded(str(error))}"
                )
                return self._reject(reason, current, (what,))

    def _reload(self, reason: str, current: Snapshot | None) -> ReloadOutcome:
        if self._unchanged(current):
            return ReloadOutcome(False, current)
        compiled = compile_directory(self.directory)
        problems = reload_problems(current.compiled if current else None, compiled)
        if problems:
            return self._reject(reason, current, tuple(problems))
        snapshot = snapshot_of(compiled, options=self.engine_options)
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

    def _reject(
        self,
        reason: str,
        current: Snapshot | None,
        found: tuple[str, ...],
        total: int | None = None,
    ) -> ReloadOutcome:
        metrics.reloads.labels("failure").inc()
        log.error(
            "rule pack rejected",
            reason=reason,
            errors=list(found),
            total=len(found) if total is None else total,
            running_version=current.version if current else None,
        )
        return ReloadOutcome(False, current, found)


def bounded(text: str) -> str:
    """An error message cut to `MAX_ERROR_CHARS`: a message may quote a hostile file."""
    if len(text) <= MAX_ERROR_CHARS:
        return text
    return text[:MAX_ERROR_CHARS] + f"... ({len(text) - MAX_ERROR_CHARS} more characters)"
