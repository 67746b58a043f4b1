"""Admission: which calls are served now, decided before any authentication work.

Calls are sorted into budgets by what they present, not by who they turn out
to be, so the decision costs nothing an anonymous caller could make
expensive:

- ``screening``: calls of the screening service, and when callers must
  authenticate, only those that present credentials (a bearer token or a
  client certificate). `--max-concurrent-rpcs` of them at once.
- ``open``: reflection, health ``Watch``, and (with authentication on) any
  call that presents no credentials at all. A small budget of its own: an
  anonymous caller holding hundreds of reflection streams fills this budget,
  never the screening one.
- health ``Check`` is always served: it is answered from memory, and a
  probe that cannot get through would have a healthy process restarted.

A call beyond its budget is refused at once with RESOURCE_EXHAUSTED and a
RetryInfo (`Saturated`), counted, and logged (at most once a second per
budget, with the number refused since, so a flood cannot flood the log).
The server runs every handler on one event loop, so the counters need no
lock.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from screening_service.observability import metrics
from screening_service.observability.logging import get_logger
from screening_service.server.security import required_role

log = get_logger("screening.admission")

HEALTH_CHECK: Final = "/grpc.health.v1.Health/Check"
SCREENING: Final = "screening"
OPEN: Final = "open"
DEFAULT_MAX_OPEN_RPCS: Final = 16
LOG_INTERVAL_SECONDS: Final = 1.0


class Saturated(Exception):
    """A call refused because its budget is full (RESOURCE_EXHAUSTED, retry later)."""

    def __init__(self, budget: str, limit: int) -> None:
        super().__init__(f"the server is at its limit of {limit} concurrent {budget} calls")
        self.budget = budget


@dataclass
class Budget:
    name: str
    limit: int
    in_use: int = 0
    _refused_since_log: int = 0
    _last_log: float = field(default=-LOG_INTERVAL_SECONDS)

    def acquire(self) -> None:
        if self.in_use >= self.limit:
            self._refused()
            raise Saturated(self.name, self.limit)
        self.in_use += 1

    def release(self) -> None:
        self.in_use -= 1

    def _refused(self) -> None:
        metrics.rpc_refused.labels(self.name).inc()
        self._refused_since_log += 1
        now = time.monotonic()
        if now - self._last_log >= LOG_INTERVAL_SECONDS:
            log.warning(
                "calls refused: concurrency limit reached",
                budget=self.name,
                limit=self.limit,
                refused=self._refused_since_log,
            )
            self._refused_since_log = 0
            self._last_log = now


def presents_credentials(metadata: Any, auth_context: Mapping[str, Any]) -> bool:
    """Whether a call carries a bearer token or a client certificate (valid or not)."""
    if any(key == "authorization" for key, _value in metadata or ()):
        return True
    return bool(auth_context.get("x509_common_name"))


class Admission:
    def __init__(
        self,
        max_screening: int,
        max_open: int = DEFAULT_MAX_OPEN_RPCS,
        *,
        authenticating: bool = False,
    ) -> None:
        self.screening = Budget(SCREENING, max_screening)
        self.open = Budget(OPEN, max_open)
        self.authenticating = authenticating

    def budget_for(self, method: str, context: Any) -> Budget | None:
        """The budget a call draws on; None for calls that are always served."""
        if method == HEALTH_CHECK:
            return None
        if required_role(method) is None:
            return self.open
        if self.authenticating and not presents_credentials(
            context.invocation_metadata(), context.auth_context()
        ):
            return self.open
        return self.screening
