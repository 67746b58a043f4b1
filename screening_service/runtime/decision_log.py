"""The decision log: one JSON line per decision, for audit.

Each line holds the decision id, time, ruleset version and hash, request id,
traveler id, referral, scores, every fired rule with its evidence, and the
shadow hits. Evidence values of personal fields (age, sex, nationality,
residence, issuing country, document dates, visa category) are masked unless
masking is turned off. The file rotates by size.

Writes are synchronous and their failure is raised: a decision that cannot
be put on record is not returned to the caller (the call fails UNAVAILABLE
and succeeds again once the file can be written).
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Final

from screening_service.catalog import CATALOG
from screening_service.pipeline.decide import Decision, Hit

MASK: Final = "***"


class DecisionLogError(OSError):
    """The decision log could not be written."""


@dataclass(frozen=True)
class DecisionLogConfig:
    path: Path
    max_bytes: int = 64 * 1024 * 1024
    backups: int = 10
    mask_personal_data: bool = True


def _hit(hit: Hit, mask: bool) -> dict[str, Any]:
    return {
        "rule_id": hit.rule_id,
        "typology": hit.typology,
        "weight": hit.weight,
        "refer_priority": hit.refer_priority,
        "evidence": {
            e.field: MASK if mask and CATALOG[e.field].personal else e.value for e in hit.evidence
        },
    }


def entry(decision: Decision, request_id: str, mask: bool) -> dict[str, Any]:
    return {
        "decision_id": decision.decision_id,
        "time": decision.evaluated_at.isoformat(),
        "request_id": request_id,
        "ruleset_version": decision.ruleset_version,
        "ruleset_hash": decision.ruleset_hash,
        "traveler_id": decision.traveler_id,
        "referral": decision.referral.value,
        "score": decision.score,
        "typology_scores": dict(decision.typology_scores),
        "indicators": [_hit(h, mask) for h in decision.indicators],
        "shadow_indicators": [_hit(h, mask) for h in decision.shadow_indicators],
    }


class DecisionLog:
    def __init__(self, config: DecisionLogConfig) -> None:
        self.config = config
        self._lock = threading.Lock()
        self._file: IO[str] | None = None
        self._size = 0

    def _open(self) -> IO[str]:
        if self._file is None:
            self.config.path.parent.mkdir(parents=True, exist_ok=True)
            self._file = self.config.path.open("a", encoding="utf-8")
            self._size = self._file.tell()
        return self._file

    def _rotate(self) -> None:
        self.close()
        path = self.config.path
        for n in range(self.config.backups - 1, 0, -1):
            older = path.with_name(f"{path.name}.{n}")
            if older.exists():
                os.replace(older, path.with_name(f"{path.name}.{n + 1}"))
        if self.config.backups > 0:
            os.replace(path, path.with_name(f"{path.name}.1"))
        else:
            path.unlink(missing_ok=True)

    def write(self, decisions: Sequence[Decision], request_id: str) -> None:
        lines = "".join(
            json.dumps(entry(d, request_id, self.config.mask_personal_data), separators=(",", ":"))
            + "\n"
            for d in decisions
        )
        with self._lock:
            try:
                handle = self._open()
                handle.write(lines)
                handle.flush()
                self._size += len(lines.encode("utf-8"))
                if self._size >= self.config.max_bytes:
                    self._rotate()
            except OSError as error:
                self.close()
                raise DecisionLogError(
                    error.errno, f"decision log not written: {error.strerror}"
                ) from error

    def close(self) -> None:
        if self._file is not None:
            with contextlib.suppress(OSError):
                self._file.close()
            self._file = None
