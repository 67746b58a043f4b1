"""structlog JSON lines with request context bound through contextvars.

Only identifiers travel in log events (request id, decision ids, traveler
ids, rule ids, versions); callers must never bind names, dates of birth or
document numbers. `redact_personal_data` is a last line of defence that drops
keys which would carry them.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import MutableMapping
from typing import Any, Final

import orjson
import structlog
import structlog.tracebacks

PERSONAL_KEYS: Final = frozenset(
    {"surname", "given_names", "name", "names", "date_of_birth", "dob", "number", "document_number"}
)


def redact_personal_data(
    _logger: Any, _method: str, event: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    for key in PERSONAL_KEYS & event.keys():
        event[key] = "[redacted]"
    return event


def _dumps(event: Any, **kwargs: Any) -> str:
    """orjson for the line per call (several times the standard library's speed), as text.

    What orjson refuses (an integer beyond 64 bits) is written by the
    standard library instead: a log call must never raise.
    """
    try:
        return orjson.dumps(event, option=orjson.OPT_NON_STR_KEYS, **kwargs).decode()
    except TypeError:
        return json.dumps(event, **kwargs)


def configure(
    level: str = "info", stream: Any = None, static: dict[str, Any] | None = None
) -> None:
    """JSON lines to ``stream`` (stdout); ``static`` fields go on every line (e.g. worker)."""
    fixed = dict(static or {})

    def add_static(
        _logger: Any, _method: str, event: MutableMapping[str, Any]
    ) -> MutableMapping[str, Any]:
        event.update(fixed)
        return event

    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            add_static,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            redact_personal_data,
            # Tracebacks without frame locals: a local may hold a traveler's record.
            structlog.processors.ExceptionRenderer(
                structlog.tracebacks.ExceptionDictTransformer(show_locals=False)
            ),
            structlog.processors.JSONRenderer(serializer=_dumps),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(
            logging.getLevelNamesMapping()[level.upper()]
        ),
        logger_factory=structlog.WriteLoggerFactory(file=stream or sys.stdout),
        cache_logger_on_first_use=True,
    )


def get_logger(name: str) -> Any:
    return structlog.get_logger(name)
