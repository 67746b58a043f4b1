"""The pack a screening runs against: compiled rules and the engine that holds them.

A snapshot is a value: the runtime layer builds one per pack version and
swaps it whole; a call that started on a snapshot finishes on it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from screening_service.engine.base import EvaluationEngine
from screening_service.rules.compile import CompiledPack


@dataclass(frozen=True)
class Snapshot:
    compiled: CompiledPack
    engine: EvaluationEngine
    loaded_at: dt.datetime

    @property
    def version(self) -> str:
        return self.compiled.pack.version

    @property
    def content_hash(self) -> str:
        return self.compiled.pack.content_hash
