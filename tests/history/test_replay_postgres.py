"""Replay's history in PostgreSQL (``--history-database``): for workers on other machines.

The same replay with its history in a schema of a real PostgreSQL server
reports exactly what it reports with the embedded SQLite file, the schema is
gone afterwards, and an unreachable database is a clear error that never
repeats the URI.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import psycopg
import pytest
from google.protobuf import json_format

from screening_service.cli import main
from screening_service.evaluation.labels import LabelIndex
from screening_service.history.bulk_postgres import SCHEMA_PREFIX
from screening_service.history.store import HistoryUnavailable
from screening_service.replay import replay, report_json
from tests.conftest import BUNDLED_RULES
from tests.factories import DEPARTURE, manifest, traveler, ts
from tests.history.postgres_server import PostgresServer

TRAVELERS = 4000
SPLIT_TRAVELERS = 9


SPLIT_GROUP = "purchaser-buys-for-many-across-flights"


def _split_group() -> str:
    """Three flights on three days, three travelers each, all bought by one purchaser who
    does not travel: on the last flight the purchaser has bought for six on other flights."""
    lines = []
    for day in range(3):
        when = DEPARTURE + dt.timedelta(days=day)
        number = f"75{day}"
        travelers = []
        for n in range(3):
            t = traveler(
                f"T-SPLIT-{day}-{n}",
                age=24 + n,
                purchaser_is_traveler=False,
                purchaser_id="purchaser-split-group",
                surname=f"SPLITGROUP{'ABC'[day]}{'XYZ'[n]}",
                document_number=f"ZZ90000{day}{n}",
            )
            segment = t.itinerary.segments[0]
            segment.flight_number = number
            segment.departure_time.CopyFrom(ts(when))
            segment.arrival_time.CopyFrom(ts(when + dt.timedelta(hours=2)))
            travelers.append(t)
        flight = manifest(travelers)
        flight.flight_number = number
        flight.scheduled_departure.CopyFrom(ts(when))
        body = json_format.MessageToDict(flight, preserving_proto_field_name=True)
        lines.append(json.dumps({"manifest": body}) + "\n")
    return "".join(lines)


@pytest.fixture(scope="module")
def population(tmp_path_factory: pytest.TempPathFactory) -> Path:
    records = tmp_path_factory.mktemp("replay-pg") / "population.jsonl"
    argv = ["synth", "--population", "evaluation", "--travelers", str(TRAVELERS), "--seed", "3"]
    assert main([*argv, str(records)]) == 0
    with records.open("a", encoding="utf-8") as out:
        out.write(_split_group())
    return records


def _report(records: Path, **options: object) -> dict[str, object]:
    report = replay(
        BUNDLED_RULES,
        records,
        BUNDLED_RULES,
        labels=LabelIndex.read(records.with_name("population.labels.jsonl")),
        partition_bytes=200_000,
        **options,  # type: ignore[arg-type]
    )
    assert report.travelers == TRAVELERS + SPLIT_TRAVELERS
    return report_json(report, timing=False)


def _replay_schemas(dsn: str) -> list[str]:
    with psycopg.connect(dsn) as db:
        rows = db.execute(
            "SELECT nspname FROM pg_namespace WHERE nspname LIKE %s", (SCHEMA_PREFIX + "%",)
        ).fetchall()
    return [name for (name,) in rows]


@pytest.mark.slow
def test_history_in_postgresql_reports_what_the_sqlite_file_reports(
    postgres_server: PostgresServer, population: Path
) -> None:
    dsn = postgres_server.create_database()
    in_postgres = _report(population, processes=2, history_database=dsn)
    assert _replay_schemas(dsn) == []
    in_sqlite = _report(population, processes=1)
    assert in_postgres == in_sqlite
    without = _report(population, processes=1, history=False)
    assert _hits(without).get(SPLIT_GROUP, 0) == 0
    assert _hits(in_sqlite)[SPLIT_GROUP] >= 3


def _hits(report: dict[str, object]) -> dict[str, int]:
    candidate = report["candidate"]
    assert isinstance(candidate, dict)
    hits: dict[str, int] = candidate["hits"]
    return hits


def test_an_unreachable_history_database_is_a_clear_error(
    postgres_server: PostgresServer, population: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    wrong = postgres_server.dsn("postgres").replace(postgres_server.password, "not-the-password")
    with pytest.raises(HistoryUnavailable) as raised:
        _report(population, processes=1, history_database=wrong)
    assert "not-the-password" not in str(raised.value)
    argv = ["replay", "--rules", str(BUNDLED_RULES), "--history-database", wrong]
    assert main([*argv, "--processes", "1", str(population)]) == 2
    err = capsys.readouterr().err
    assert "history" in err
    assert "not-the-password" not in err
    assert postgres_server.password not in err
