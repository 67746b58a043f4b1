"""The live lookout index, reloaded like the rule pack: build whole, then swap.

A reload reads the configured file (or directory), builds a complete new
index and only then replaces the one reference; a file that fails to load
leaves the running index in place, and the failure is logged and counted;
so does any other failure: a reload never raises, so a watcher survives it.
Matches become derived fields that rules read (`lookout.*`, computed in
`pipeline.enrich`), so the rule pack decides what a hit does.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from screening_service.lookout import equivalents
from screening_service.lookout.index import LookoutIndex
from screening_service.lookout.load import LookoutLoadError, load_lookout
from screening_service.observability import metrics
from screening_service.observability.logging import get_logger

log = get_logger("screening.lookout")


@dataclass(frozen=True)
class LookoutOutcome:
    applied: bool
    entries: int
    errors: tuple[str, ...] = ()


class ActiveLookout:
    """The live index behind one reference; `None` until a list is configured."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.index: LookoutIndex | None = None
        self._lock = threading.Lock()

    def reload(self, reason: str) -> LookoutOutcome:
        if self.path is None:
            return LookoutOutcome(False, 0)
        with self._lock:
            equivalents.warm()  # once per process; the first traveler would wait otherwise
            try:
                index = LookoutIndex.build(load_lookout(self.path))
            except LookoutLoadError as error:
                found = tuple(str(p) for p in error.problems)
                metrics.lookout_reloads.labels("failure").inc()
                log.error(
                    "lookout list rejected", reason=reason, errors=list(found), total=error.total
                )
                return LookoutOutcome(False, len(self.index or ()), found)
            except OSError as error:
                metrics.lookout_reloads.labels("failure").inc()
                log.error("lookout list unreadable", reason=reason, error=error.strerror)
                return LookoutOutcome(
                    False, len(self.index or ()), (f"cannot read: {error.strerror}",)
                )
            except Exception as error:  # any loader failure must leave the running list serving
                # Only the type: a message from deep inside a loader may quote a row.
                metrics.lookout_reloads.labels("failure").inc()
                log.error("lookout list not loaded", reason=reason, error_type=type(error).__name__)
                what = f"the list could not be loaded ({type(error).__name__})"
                return LookoutOutcome(False, len(self.index or ()), (what,))
            self.index = index
            metrics.lookout_reloads.labels("success").inc()
            metrics.lookout_entries.set(len(index))
            log.info("lookout list loaded", reason=reason, entries=len(index))
            return LookoutOutcome(True, len(index))
