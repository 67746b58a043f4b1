"""``screening history stats|purge|forget``: the operator's view of the history.

    screening history stats [--json]
    screening history purge [--now 2027-01-01T00:00:00Z]
    screening history forget --traveler RECORD.json     (or - for standard input)

Every command opens the store the service uses (``--history``, ``--data-dir``,
``--history-retention-days`` and their ``SCREENING_*`` variables). ``forget``
reads the traveler from a JSON file (a traveler record as ``screening rules
explain`` takes it, or ``{"traveler": {...}}``), never from the command line,
where names would stay in the shell history and the process list; it needs the
deployment's pseudonym key to find the traveler's events, and erases those
kept under the identity (name and date of birth) and under the document
number. Output is counts and times only, never personal data.

`add_history_parser` and `run` are what ``screening_service.cli`` calls.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, Final, TextIO

from screening_service.history.backends import DEFAULT, open_history
from screening_service.history.identity import document_pseudonym, identity_pseudonym
from screening_service.history.model import DEFAULT_RETENTION_DAYS, HistoryStats
from screening_service.history.retention import utc_now
from screening_service.history.store import HistoryStore, HistoryUnavailable
from screening_service.pseudonyms import KEY_FILE_NAME, PseudonymKey, PseudonymKeyError

DEFAULT_DATA_DIR: Final = Path("var")


def _env(name: str, default: str) -> str:
    return os.environ.get(f"SCREENING_{name}", default)


def add_store_options(parser: argparse.ArgumentParser) -> None:
    """``--history``, ``--data-dir``, ``--history-retention-days``: shared with ``serve``."""
    parser.add_argument(
        "--history",
        default=_env("HISTORY", DEFAULT),
        help="'sqlite' (in --data-dir), 'sqlite:PATH', 'postgresql://...' or 'none' "
        "(SCREENING_HISTORY)",
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=Path(_env("DATA_DIR", str(DEFAULT_DATA_DIR))),
        help="directory of the embedded history database and key (SCREENING_DATA_DIR)",
    )
    parser.add_argument(
        "--history-retention-days",
        type=int,
        default=int(_env("HISTORY_RETENTION_DAYS", str(DEFAULT_RETENTION_DAYS))),
        help="days of history kept; the EU PNR directive's horizon is 180 "
        "(SCREENING_HISTORY_RETENTION_DAYS)",
    )


def add_history_parser(commands: Any) -> None:
    """Register ``history`` and its subcommands on the CLI's subparsers."""
    history = commands.add_parser("history", help="inspect, purge and erase the travel history")
    actions = history.add_subparsers(dest="history_command", required=True)
    stats = actions.add_parser("stats", help="events, flights, travelers, span and size")
    stats.add_argument("--json", action="store_true", help="one JSON object")
    purge = actions.add_parser("purge", help="delete events older than the retention horizon")
    purge.add_argument(
        "--now",
        type=_instant,
        default=None,
        help="purge as of this UTC instant (ISO 8601; default: now)",
    )
    forget = actions.add_parser("forget", help="erase every event of one traveler")
    forget.add_argument(
        "--traveler",
        required=True,
        help="JSON file with the traveler's surname, given_names, date_of_birth "
        "and document.number ('-' reads standard input)",
    )
    forget.add_argument(
        "--pseudonym-key",
        type=Path,
        default=None,
        help="the deployment's pseudonym key file (default: SCREENING_PSEUDONYM_KEY_FILE, "
        f"SCREENING_PSEUDONYM_KEY, then {KEY_FILE_NAME} in --data-dir)",
    )
    for action in (stats, purge, forget):
        add_store_options(action)


def _instant(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise argparse.ArgumentTypeError("give the time zone, for example 2027-01-01T00:00:00Z")
    return moment


@dataclass(frozen=True)
class TravelerIdentity:
    """The identifiers ``forget`` looks for, read from a traveler record."""

    surname: str
    given_names: str
    date_of_birth: date | None
    document_number: str

    def __repr__(self) -> str:
        return "TravelerIdentity(<personal data>)"

    @classmethod
    def from_json(cls, data: object) -> TravelerIdentity:
        if isinstance(data, dict) and isinstance(data.get("traveler"), dict):
            data = data["traveler"]
        if not isinstance(data, dict):
            raise ValueError("the traveler file must hold a JSON object")
        document = data.get("document") or {}
        born = str(data.get("date_of_birth") or "")
        try:
            date_of_birth = date.fromisoformat(born) if born else None
        except ValueError:
            raise ValueError("date_of_birth must be YYYY-MM-DD") from None
        return cls(
            surname=str(data.get("surname") or ""),
            given_names=str(data.get("given_names") or ""),
            date_of_birth=date_of_birth,
            document_number=str(document.get("number") or "") if isinstance(document, dict) else "",
        )


def forget_traveler(store: HistoryStore, key: PseudonymKey, traveler: TravelerIdentity) -> int:
    """Erase the traveler's events under identity and document; the number of events erased."""
    found = (
        identity_pseudonym(key, traveler.surname, traveler.given_names, traveler.date_of_birth),
        document_pseudonym(key, traveler.document_number),
    )
    pseudonyms = [p for p in found if p]
    if not pseudonyms:
        raise ValueError(
            "the traveler file needs a name with a date of birth, or a document number"
        )
    return sum(store.forget(p) for p in pseudonyms)


def stats_document(stats: HistoryStats) -> dict[str, object]:
    """The stats as JSON-ready values (times in ISO 8601)."""

    def instant(moment: datetime | None) -> str | None:
        return None if moment is None else moment.isoformat().replace("+00:00", "Z")

    return {
        "backend": stats.backend,
        "schema_version": stats.schema_version,
        "events": stats.events,
        "flights": stats.flights,
        "travelers": stats.travelers,
        "minor_companion_links": stats.companion_links,
        "oldest_event": instant(stats.oldest_event),
        "newest_event": instant(stats.newest_event),
        "size_bytes": stats.size_bytes,
        "retention_days": stats.retention_days,
    }


def _key(args: argparse.Namespace) -> PseudonymKey:
    key = PseudonymKey.from_environment(args.pseudonym_key)
    if key is None:
        default = args.data_dir / KEY_FILE_NAME
        if not default.exists():
            raise PseudonymKeyError(
                "forget needs the deployment's pseudonym key: --pseudonym-key FILE, "
                f"SCREENING_PSEUDONYM_KEY_FILE or {default}"
            )
        key = PseudonymKey.from_file(default)
    return key


def _read_traveler(name: str) -> TravelerIdentity:
    text = sys.stdin.read() if name == "-" else Path(name).read_text(encoding="utf-8")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise ValueError(f"the traveler file is not JSON (line {error.lineno})") from None
    return TravelerIdentity.from_json(data)


def run(args: argparse.Namespace, out: TextIO) -> int:
    """Run one ``history`` subcommand; 0 on success, 1 on a store or input failure."""
    try:
        traveler = _read_traveler(args.traveler) if args.history_command == "forget" else None
        key = _key(args) if traveler is not None else None
        store = open_history(
            args.history,
            data_dir=args.data_dir,
            retention_days=args.history_retention_days,
            preload=False,
        )
    except (OSError, ValueError, PseudonymKeyError, HistoryUnavailable) as error:
        print(f"screening history: {error}", file=sys.stderr)
        return 1
    if store is None:
        print("screening history: the history is off (--history none)", file=sys.stderr)
        return 1
    try:
        if args.history_command == "stats":
            document = stats_document(store.stats())
            if args.json:
                print(json.dumps(document), file=out)
            else:
                for name, value in document.items():
                    print(f"{name:<22} {'-' if value is None else value}", file=out)
        elif args.history_command == "purge":
            deleted = store.purge(args.now or utc_now())
            print(f"purged {deleted} events older than {store.retention_days} days", file=out)
        else:
            assert traveler is not None
            assert key is not None
            erased = forget_traveler(store, key, traveler)
            print(f"erased {erased} events", file=out)
    except (ValueError, HistoryUnavailable) as error:
        print(f"screening history: {error}", file=sys.stderr)
        return 1
    finally:
        store.close()
    return 0
