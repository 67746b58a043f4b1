"""``screening history stats|purge|forget`` through their argument parser, on SQLite."""

from __future__ import annotations

import argparse
import io
import json
from datetime import date
from pathlib import Path

import pytest
from prometheus_client import REGISTRY

from screening_service.history.backends import open_history
from screening_service.history.commands import add_history_parser, run
from screening_service.history.identity import document_pseudonym, identity_pseudonym
from screening_service.history.instrumented import InstrumentedStore
from screening_service.history.model import TravelEvent
from screening_service.history.store import HistoryStore, HistoryUnavailable
from screening_service.pseudonyms import KEY_FILE_NAME, PseudonymKey
from tests.history.flights import at, flight

KEY = PseudonymKey(bytes(range(32)))


def history(data_dir: Path, *argv: str) -> tuple[int, str]:
    parser = argparse.ArgumentParser(prog="screening")
    add_history_parser(parser.add_subparsers(dest="command"))
    out = io.StringIO()
    code = run(parser.parse_args(["history", *argv, "--data-dir", str(data_dir)]), out)
    return code, out.getvalue()


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    (tmp_path / KEY_FILE_NAME).write_text(KEY.secret.hex() + "\n")
    identity = identity_pseudonym(KEY, "TESTPERSON", "SYNTHETIC ALEX", date(2011, 3, 14))
    document = document_pseudonym(KEY, "ZX9876543")
    assert identity is not None
    store = open_history("sqlite", data_dir=tmp_path)
    assert store is not None
    store.record_and_count(flight("101", at(0), TravelEvent(identity, purchaser="p-1")))
    store.record_and_count(flight("202", at(200), TravelEvent("t-other", document=document)))
    store.record_and_count(flight("303", at(201), TravelEvent("t-kept")))
    store.close()
    return tmp_path


def test_stats_as_json(data_dir: Path) -> None:
    code, out = history(data_dir, "stats", "--json")

    assert 0 == code
    assert {
        "backend": "sqlite",
        "schema_version": 2,
        "events": 3,
        "flights": 3,
        "travelers": 3,
        "minor_companion_links": 0,
        "oldest_event": "2026-11-02T09:30:00Z",
        "newest_event": "2027-05-22T09:30:00Z",
        "retention_days": 180,
    } == {k: v for k, v in json.loads(out).items() if k != "size_bytes"}


def test_purge_as_of_a_given_time(data_dir: Path) -> None:
    code, out = history(data_dir, "purge", "--now", "2027-05-15T00:00:00+00:00")

    assert (0, "purged 1 events older than 180 days\n") == (code, out)


def test_forget_reads_the_traveler_from_a_file_and_erases_identity_and_document(
    data_dir: Path, tmp_path: Path
) -> None:
    record = tmp_path / "traveler.json"
    record.write_text(
        json.dumps(
            {
                "traveler": {
                    "surname": "testperson",
                    "given_names": "Synthetic Alex",
                    "date_of_birth": "2011-03-14",
                    "document": {"number": "ZX 9876543"},
                }
            }
        )
    )

    code, out = history(data_dir, "forget", "--traveler", str(record))
    _, stats = history(data_dir, "stats", "--json")

    assert (0, "erased 2 events\n") == (code, out)
    assert 1 == json.loads(stats)["events"]


def test_forget_without_the_key_fails_and_says_where_to_put_it(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (data_dir / KEY_FILE_NAME).unlink()
    record = tmp_path / "traveler.json"
    record.write_text('{"surname": "TESTPERSON", "date_of_birth": "2011-03-14"}')

    code, _ = history(data_dir, "forget", "--traveler", str(record))

    assert 1 == code
    assert "pseudonym key" in capsys.readouterr().err


def test_history_none_is_refused(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _ = history(data_dir, "stats", "--history", "none")

    assert 1 == code
    assert "--history none" in capsys.readouterr().err


class Failing:
    """A store whose database is gone."""

    backend = "sqlite"
    retention_days = 180

    def record_and_count(self, *_: object) -> list[object]:
        raise HistoryUnavailable("record", "sqlite", "OperationalError SQLITE_IOERR")


def sample(name: str, labels: dict[str, str]) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_metrics_count_calls_events_and_failures(tmp_path: Path) -> None:
    labels = {"backend": "sqlite", "operation": "record"}
    calls = sample("screening_history_operation_duration_seconds_count", labels)
    errors = sample("screening_history_errors_total", labels)
    events = sample("screening_history_events_recorded_total", {"backend": "sqlite"})
    store = open_history("sqlite", data_dir=tmp_path)
    assert isinstance(store, InstrumentedStore)
    failing: HistoryStore = InstrumentedStore(Failing())  # type: ignore[arg-type]

    store.record_and_count(flight("101", at(0), TravelEvent("t-1"), TravelEvent("t-2")))
    with pytest.raises(HistoryUnavailable):
        failing.record_and_count(flight("202", at(1), TravelEvent("t-3")))
    stats = store.stats()
    store.close()

    assert calls + 2 == sample("screening_history_operation_duration_seconds_count", labels)
    assert errors + 1 == sample("screening_history_errors_total", labels)
    assert events + 2 == sample("screening_history_events_recorded_total", {"backend": "sqlite"})
    assert stats.size_bytes == sample("screening_history_size_bytes", {"backend": "sqlite"})
