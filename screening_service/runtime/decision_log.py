"""The decision log: one JSON line per decision, for audit.

Each line holds the decision id, time, ruleset version and hash, request id,
traveler id, referral, scores, every fired rule with its evidence, and the
shadow hits, the reports each rule read and the other travelers involved,
and the referral reason. Evidence values of personal fields (age, sex,
nationality, residence, issuing country, document dates, visa category) and
the free-text notes of reports are masked unless masking is turned off. The
file rotates by size.

Writes are synchronous and their failure is raised: a decision that cannot
be put on record is not returned to the caller (the call fails UNAVAILABLE
and succeeds again once the file can be written). Only whole lines are ever
left in the file (see `DecisionLog`); `check` tells health whether the path
can be written at all (a directory there cannot).
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import stat
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from screening_service.catalog import CATALOG
from screening_service.observability import metrics
from screening_service.observability.logging import get_logger
from screening_service.pipeline.decide import Decision, Hit, ReferralReason
from screening_service.pipeline.records import Observation

MASK: Final = "***"
log = get_logger("screening.decision_log")


class DecisionLogError(OSError):
    """The decision log could not be written."""


@dataclass(frozen=True)
class DecisionLogConfig:
    path: Path
    max_bytes: int = 64 * 1024 * 1024
    backups: int = 10
    mask_personal_data: bool = True


def _personal(name: str) -> bool:
    field = CATALOG.get(name)
    return field is not None and field.personal


def _observation(observation: Observation, mask: bool) -> dict[str, Any]:
    reported = observation.reported_at
    return {
        "code": observation.code,
        "source": observation.source,
        "reported_at": reported.isoformat() if reported is not None else None,
        "note": MASK if mask and observation.note else observation.note,
    }


def _hit(hit: Hit, mask: bool) -> dict[str, Any]:
    found: dict[str, Any] = {
        "rule_id": hit.rule_id,
        "typology": hit.typology,
        "weight": hit.weight,
        "refer_priority": hit.refer_priority,
        "evidence": {
            e.field: MASK if mask and _personal(e.field) else e.value for e in hit.evidence
        },
    }
    if hit.observations:
        found["observations"] = [_observation(o, mask) for o in hit.observations]
    if hit.related:
        found["related_traveler_ids"] = list(hit.related)
    return found


def _reason(reason: ReferralReason | None) -> dict[str, Any] | None:
    if reason is None:
        return None
    return {
        "kind": reason.kind.value,
        "rule_id": reason.rule_id,
        "typology": reason.typology,
        "threshold": reason.threshold,
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
        "referral_reason": _reason(decision.referral_reason),
        "indicators": [_hit(h, mask) for h in decision.indicators],
        "shadow_indicators": [_hit(h, mask) for h in decision.shadow_indicators],
    }


class DecisionLog:
    """Appends whole lines to one file, or raises; never leaves a fragment behind.

    The batch is written with one ``write`` call on an unbuffered descriptor
    and checked (the count returned and the file's size after); on any
    failure after a partial write the file is cut back to where the batch
    began, and a file found not to end in a line break when it is opened is
    cut back to its last complete line. Before each write the path is
    checked to still name the open file: a log deleted or replaced under the
    service is reopened at its path instead of fed into a deleted inode.
    """

    def __init__(self, config: DecisionLogConfig) -> None:
        self.config = config
        self._lock = threading.Lock()
        self._fd: int | None = None
        self._size = 0

    def _open(self) -> int:
        if self._fd is not None:
            if self._still_at_path(self._fd):
                return self._fd
            metrics.decision_log_failures.labels("deleted").inc()
            log.warning("decision log deleted or replaced; reopening it at its path")
            self.close()
        self.config.path.parent.mkdir(parents=True, exist_ok=True)
        flags = os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC
        fd = os.open(self.config.path, flags | os.O_NONBLOCK, 0o640)
        try:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode):
                raise DecisionLogError(errno.EISDIR, "the decision log path is not a regular file")
            self._size = _cut_to_last_line(fd, info.st_size)
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd
        return fd

    def _still_at_path(self, fd: int) -> bool:
        try:
            named = os.stat(self.config.path)
        except OSError:
            return False
        held = os.fstat(fd)
        return (named.st_dev, named.st_ino) == (held.st_dev, held.st_ino)

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
        ).encode("utf-8")
        with self._lock:
            try:
                fd = self._open()
                self._append(fd, lines)
                if self._size >= self.config.max_bytes:
                    self._rotate()
            except OSError as error:
                self.close()
                metrics.decision_log_failures.labels("write").inc()
                raise DecisionLogError(
                    error.errno, f"decision log not written: {error.strerror}"
                ) from error

    def _append(self, fd: int, lines: bytes) -> None:
        start = self._size
        try:
            written = os.write(fd, lines)
            size = os.fstat(fd).st_size
        except OSError:
            _cut(fd, start)
            raise
        if written != len(lines) or size != start + len(lines):
            _cut(fd, start)
            raise OSError(errno.ENOSPC, "the decision log took only part of the batch")
        self._size = size

    def check(self) -> str | None:
        """Why decisions cannot be recorded now (for health), or None; reopens a deleted log."""
        with self._lock:
            try:
                self._open()
            except OSError as error:
                self.close()
                metrics.decision_log_writable.set(0)
                metrics.decision_log_failures.labels("unusable").inc()
                return error.strerror or type(error).__name__
            metrics.decision_log_writable.set(1)
            return None

    def close(self) -> None:
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.close(self._fd)
            self._fd = None


def _cut(fd: int, size: int) -> None:
    """Truncate back to ``size`` (the end of the last complete line), best effort.

    If even this fails, the next open finds the fragment and cuts it then.
    """
    with contextlib.suppress(OSError):
        os.ftruncate(fd, size)


def _cut_to_last_line(fd: int, size: int) -> int:
    """Cut a trailing fragment (a torn last line) off; the file's new size."""
    if size == 0:
        return 0
    end = size
    while end > 0:
        start = max(0, end - 4096)
        chunk = os.pread(fd, end - start, start)
        if end == size and chunk.endswith(b"\n"):
            return size
        newline = chunk.rfind(b"\n")
        if newline >= 0:
            end = start + newline + 1
            break
        end = start
    os.ftruncate(fd, end)
    log.warning("decision log ended in a torn line; cut back to the last complete line")
    return end
