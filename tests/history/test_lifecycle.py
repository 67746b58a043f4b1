"""Retention, erasure, migrations, personal data and failures, on both backends."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import psycopg
import pytest

from screening_service.history import migrations
from screening_service.history.identity import document_pseudonym, identity_pseudonym
from screening_service.history.model import TravelEvent
from screening_service.history.postgres import PostgresStore
from screening_service.history.sqlite import SqliteStore
from screening_service.history.store import HistoryStore, HistoryUnavailable
from screening_service.pseudonyms import IdentifierKind, PseudonymKey
from tests.history.conftest import Backend
from tests.history.flights import at, bought_by, flight
from tests.history.postgres_server import PostgresServer, free_port

KEY = PseudonymKey(bytes(range(32)))


def test_purge_deletes_events_past_the_horizon_and_counts_drop(backend: Backend) -> None:
    store = backend.open(retention_days=90)
    store.record_and_count(flight("101", at(0), *bought_by("p-1", "t-a1", "t-a2")))
    store.record_and_count(flight("202", at(1), *bought_by("p-1", "t-b1", "t-b2")))
    store.record_and_count(flight("303", at(2), *bought_by("p-1", "t-c1", "t-c2")))
    late = flight("404", at(2) + timedelta(hours=1), *bought_by("p-1", "t-d1"))
    before = store.record_and_count(late)[0].purchaser_travelers_30d

    deleted = store.purge(at(92))  # the horizon is day 2: days 0 and 1 go, day 2 stays
    after = store.record_and_count(late)[0].purchaser_travelers_30d

    assert 4 == deleted
    assert (7, 3) == (before, after)
    assert (3, at(2)) == (store.stats().events, store.stats().oldest_event)  # day 2 + late


def test_a_retention_shorter_than_the_longest_window_is_refused(backend: Backend) -> None:
    with pytest.raises(ValueError, match="at least 90 days"):
        backend.open(retention_days=30)


def test_forget_erases_one_traveler_as_traveler_and_as_companion(store: HistoryStore) -> None:
    store.record_and_count(
        flight(
            "101",
            at(0),
            TravelEvent("t-gone", document="d-gone", purchaser="p-1"),
            TravelEvent("t-minor", purchaser="p-1", minor=True, companions=frozenset({"t-gone"})),
        )
    )
    store.record_and_count(flight("202", at(1), TravelEvent("t-gone", purchaser="p-1")))
    store.record_and_count(flight("303", at(2), TravelEvent("t-other", document="d-gone")))

    by_identity = store.forget("t-gone")
    by_document = store.forget("d-gone")
    (minor,) = store.record_and_count(
        flight("404", at(3), TravelEvent("t-minor", purchaser="p-1", minor=True))
    )

    assert (2, 1) == (by_identity, by_document)
    assert (1, 0) == (minor.purchaser_travelers_30d, minor.minor_adult_companions_90d)
    assert (2, 0) == (store.stats().events, store.stats().companion_links)


def test_migrations_are_applied_once_and_recorded(backend: Backend) -> None:
    backend.open().close()
    backend.open().close()

    recorded = backend.query(f"SELECT version, name FROM {migrations.VERSION_TABLE}")
    tables = backend.query("SELECT COUNT(*) FROM travel_event")

    assert [(1, "initial"), (2, "counts_in_memory")] == recorded
    assert [(0,)] == tables


def test_a_database_from_a_newer_release_is_refused(backend: Backend) -> None:
    store = backend.open()
    store.close()
    backend.query(f"INSERT INTO {migrations.VERSION_TABLE} VALUES (99, 'future', 0)")

    with pytest.raises(HistoryUnavailable, match="schema version 99 is newer"):
        backend.open()


def test_the_database_holds_no_name_birth_date_or_document_number(backend: Backend) -> None:
    born = date(2011, 3, 14)
    identity = identity_pseudonym(KEY, "TESTPERSON", "SYNTHETIC ALEX", born)
    document = document_pseudonym(KEY, "ZX9876543")
    companion = identity_pseudonym(KEY, "EXAMPLEADULT", "FICTIONAL JO", date(1980, 7, 21))
    purchaser = KEY.pseudonym(IdentifierKind.PAYER, "SAMPLEBUYER FICTIONAL")
    assert identity is not None
    assert document is not None
    assert companion is not None
    store = backend.open()
    store.record_and_count(
        flight(
            "101",
            at(0),
            TravelEvent(
                identity,
                document=document,
                purchaser=purchaser,
                minor=True,
                companions=frozenset({companion}),
            ),
            TravelEvent(companion, purchaser=purchaser),
        )
    )
    store.close()

    stored = backend.dump().lower()

    assert identity.encode() in stored  # the dump is readable: the check below can fail
    for clear in (
        "testperson",
        "synthetic",
        "exampleadult",
        "fictional",
        "samplebuyer",
        "zx9876543",
        "2011-03-14",
        "20110314",
        "1980-07-21",
        "800721",
        "110314",
    ):
        assert clear.encode() not in stored, clear


def test_an_unusable_sqlite_path_is_unavailable(tmp_path: Path) -> None:
    with pytest.raises(HistoryUnavailable) as raised:
        SqliteStore(tmp_path)  # a directory, not a file

    assert ("open", "sqlite") == (raised.value.operation, raised.value.backend)


def test_an_unreachable_postgresql_is_unavailable_without_the_dsn() -> None:
    dsn = f"postgresql://someone:s3cret-word@127.0.0.1:{free_port()}/history?connect_timeout=2"

    with pytest.raises(HistoryUnavailable) as raised:
        PostgresStore(dsn)

    assert "s3cret-word" not in str(raised.value)
    assert "OperationalError" == raised.value.cause


def test_a_lost_postgresql_connection_fails_one_call_then_reconnects(
    postgres_server: PostgresServer,
) -> None:
    dsn = postgres_server.create_database()
    store = PostgresStore(dsn)
    try:
        store.record_and_count(flight("101", at(0), *bought_by("p-1", "t-1")))
        with psycopg.connect(postgres_server.dsn(), autocommit=True) as admin:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE application_name = 'screening-history'"
            )

        with pytest.raises(HistoryUnavailable) as raised:
            store.record_and_count(flight("202", at(1), *bought_by("p-1", "t-2")))
        (counts,) = store.record_and_count(flight("202", at(1), *bought_by("p-1", "t-2")))

        assert "record" == raised.value.operation
        assert 2 == counts.purchaser_travelers_30d
    finally:
        store.close()
