"""What a well-formed request field looks like: limits, patterns and the time range.

Shared by `validate` (which reports every way a field is wrong) and `accept`
(which recognises, quickly, a traveler with nothing wrong), so the two
cannot disagree on a limit.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Final

MAX_TRAVELERS: Final = 1000
MAX_NAME: Final = 100
MAX_ID: Final = 128
MAX_NOTE: Final = 500
MAX_SEGMENTS: Final = 16
MAX_COMPANIONS: Final = 100
MAX_OBSERVATIONS: Final = 50
MAX_VISA: Final = 16
MAX_LOCATOR: Final = 16
MAX_SEAT: Final = 8
MAX_BAGS: Final = 50
EARLIEST_BIRTH: Final = dt.date(1900, 1, 1)
EARLIEST_INSTANT: Final = dt.datetime(1970, 1, 2, tzinfo=dt.UTC)
LATEST_INSTANT: Final = dt.datetime(2200, 1, 1, tzinfo=dt.UTC)
EPOCH: Final = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
MIN_SECONDS: Final = int((EARLIEST_INSTANT - EPOCH).total_seconds())
MAX_SECONDS: Final = int((LATEST_INSTANT - EPOCH).total_seconds())
ONE_DAY: Final = dt.timedelta(days=1)
DEFAULT_DEPARTURE_WINDOW_DAYS: Final = 400

CARRIER: Final = re.compile(r"[A-Z0-9]{2}")
FLIGHT_NUMBER: Final = re.compile(r"[0-9]{1,4}[A-Z]?")
AIRPORT: Final = re.compile(r"[A-Z]{3}")
COUNTRY: Final = re.compile(r"[A-Z]{3}")
DOCUMENT_NUMBER: Final = re.compile(r"[A-Z0-9<-]{1,32}")
CONTROL: Final = re.compile(r"[\x00-\x1f\x7f-\x9f]")
