"""The history store's behaviour, the same on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from screening_service.history.model import FlightEvents, FlightKey, HistoryCounts, TravelEvent
from screening_service.history.store import HistoryStore
from tests.history.conftest import Backend
from tests.history.flights import DAY0, at, bought_by, flight

SECOND = timedelta(seconds=1)


def purchaser_counts(counts: list[HistoryCounts]) -> list[int | None]:
    return [c.purchaser_travelers_30d for c in counts]


def test_three_flights_on_three_days_add_up_for_one_purchaser(store: HistoryStore) -> None:
    first = store.record_and_count(flight("101", at(0), *bought_by("p-1", "t-a1", "t-a2", "t-a3")))
    second = store.record_and_count(flight("202", at(1), *bought_by("p-1", "t-b1", "t-b2", "t-b3")))
    third = store.record_and_count(flight("303", at(2), *bought_by("p-1", "t-c1", "t-c2", "t-c3")))

    assert [3, 3, 3] == purchaser_counts(first)
    assert [6, 6, 6] == purchaser_counts(second)
    assert [9, 9, 9] == purchaser_counts(third)
    assert HistoryCounts("t-c2", 9, 0, None, 1, None) == third[1]


def test_a_restart_keeps_the_history(backend: Backend) -> None:
    before = backend.open()
    before.record_and_count(flight("101", at(0), *bought_by("p-1", "t-a1", "t-a2", "t-a3")))
    before.record_and_count(flight("202", at(1), *bought_by("p-1", "t-b1", "t-b2", "t-b3")))
    before.close()

    after = backend.open()
    third = after.record_and_count(flight("303", at(2), *bought_by("p-1", "t-c1")))

    assert [7] == purchaser_counts(third)


def test_the_same_manifest_screened_twice_counts_once(store: HistoryStore) -> None:
    manifest = flight("101", at(0), *bought_by("p-1", "t-a1", "t-a2", "t-a3"))

    first = store.record_and_count(manifest)
    again = store.record_and_count(manifest)

    assert first == again
    assert [3, 3, 3] == purchaser_counts(again)
    assert [1, 1, 1] == [c.traveler_flights_30d for c in again]
    assert 3 == store.stats().events


def test_a_rescreened_traveler_is_updated_not_added(store: HistoryStore) -> None:
    store.record_and_count(flight("101", at(0), TravelEvent("t-1", purchaser="p-1")))

    (updated,) = store.record_and_count(
        flight("101", at(0), TravelEvent("t-1", purchaser="p-2", contact="c-1"))
    )
    (other,) = store.record_and_count(flight("202", at(1), TravelEvent("t-2", purchaser="p-1")))

    assert HistoryCounts("t-1", 1, 0, 1, 1, None) == updated
    assert 1 == other.purchaser_travelers_30d  # p-1 no longer bought t-1's ticket


def test_a_flight_screened_late_counts_for_later_flights_only(store: HistoryStore) -> None:
    day2 = store.record_and_count(flight("303", at(2), *bought_by("p-1", "t-c1", "t-c2")))
    day0 = store.record_and_count(flight("101", at(0), *bought_by("p-1", "t-a1", "t-a2")))
    day1 = store.record_and_count(flight("202", at(1), *bought_by("p-1", "t-b1", "t-b2")))
    day3 = store.record_and_count(flight("404", at(3), *bought_by("p-1", "t-d1", "t-d2")))

    assert [2, 2] == purchaser_counts(day2)
    assert [2, 2] == purchaser_counts(day0)  # not the day-2 flight: it departs later
    assert [4, 4] == purchaser_counts(day1)
    assert [8, 8] == purchaser_counts(day3)


def test_the_30_day_window_includes_its_first_second(store: HistoryStore) -> None:
    now = at(40)
    store.record_and_count(flight("101", now - timedelta(days=30), *bought_by("p-1", "t-edge")))
    store.record_and_count(
        flight("102", now - timedelta(days=30) - SECOND, *bought_by("p-1", "t-before"))
    )
    store.record_and_count(flight("103", now + SECOND, *bought_by("p-1", "t-after")))

    (counts,) = store.record_and_count(flight("104", now, *bought_by("p-1", "t-now")))

    assert 2 == counts.purchaser_travelers_30d  # t-edge and t-now


def test_traveler_flights_count_distinct_flights_in_30_days(store: HistoryStore) -> None:
    trips = [
        store.record_and_count(flight(str(100 + day), at(day), TravelEvent("t-regular")))[0]
        for day in (0, 7, 14, 21, 31)
    ]

    assert [1, 2, 3, 4, 4] == [c.traveler_flights_30d for c in trips]


def test_contact_counts_distinct_travelers(store: HistoryStore) -> None:
    store.record_and_count(
        flight("101", at(0), TravelEvent("t-1", contact="c-1"), TravelEvent("t-2", contact="c-1"))
    )
    counts = store.record_and_count(
        flight("202", at(3), TravelEvent("t-1", contact="c-1"), TravelEvent("t-3", contact="c-2"))
    )

    assert [2, 1] == [c.contact_travelers_30d for c in counts]  # t-1 flew twice: once


def test_purchaser_minors_count_travelers_who_were_minors(store: HistoryStore) -> None:
    store.record_and_count(flight("101", at(0), *bought_by("p-1", "t-m1", "t-m2", minor=True)))
    counts = store.record_and_count(
        flight(
            "202",
            at(5),
            TravelEvent("t-m1", purchaser="p-1", minor=True),
            TravelEvent("t-adult", purchaser="p-1"),
        )
    )

    assert [(3, 2), (3, 2)] == [(c.purchaser_travelers_30d, c.purchaser_minors_30d) for c in counts]


def test_a_minor_counts_distinct_unrelated_adults_over_90_days(store: HistoryStore) -> None:
    def minor_with(*adults: str) -> TravelEvent:
        return TravelEvent("t-minor", minor=True, companions=frozenset(adults))

    (first,) = store.record_and_count(flight("101", at(0), minor_with("a-1", "a-2")))
    (second,) = store.record_and_count(flight("202", at(30), minor_with("a-2", "a-3")))
    (third,) = store.record_and_count(flight("303", at(90), minor_with("a-4")))
    (fourth,) = store.record_and_count(flight("404", at(90) + SECOND, minor_with()))

    assert 2 == first.minor_adult_companions_90d
    assert 3 == second.minor_adult_companions_90d
    assert 4 == third.minor_adult_companions_90d  # day 0 is exactly 90 days back: inside
    assert 3 == fourth.minor_adult_companions_90d  # a-1 only flew on day 0: now outside


def test_unknown_keys_and_adults_give_none_never_zero(store: HistoryStore) -> None:
    (adult, minor) = store.record_and_count(
        flight(
            "101",
            at(0),
            TravelEvent("t-adult", companions=frozenset({"a-1"})),
            TravelEvent("t-minor", minor=True),
        )
    )

    assert HistoryCounts("t-adult", None, None, None, 1, None) == adult
    assert HistoryCounts("t-minor", None, None, None, 1, 0) == minor
    assert 0 == store.stats().companion_links  # an adult's companions are not kept


def test_an_empty_flight_records_nothing(store: HistoryStore) -> None:
    assert [] == store.record_and_count(flight("101", at(0)))
    assert 0 == store.stats().events


def test_stats_count_without_personal_data(store: HistoryStore) -> None:
    store.record_and_count(
        flight(
            "101",
            at(0),
            TravelEvent("t-1", purchaser="p-1"),
            TravelEvent("t-2", minor=True, companions=frozenset({"t-1", "a-9"})),
        )
    )
    store.record_and_count(flight("202", at(2), TravelEvent("t-1")))

    stats = store.stats()

    assert (2, 3, 2, 2, 2) == (
        stats.schema_version,
        stats.events,
        stats.flights,
        stats.travelers,
        stats.companion_links,
    )
    assert (at(0), at(2)) == (stats.oldest_event, stats.newest_event)
    assert stats.size_bytes > 0
    assert 180 == stats.retention_days


def test_a_naive_event_time_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        FlightEvents(FlightKey("ZZ", "1", DAY0.date()), datetime(2026, 11, 2, 9, 30), ())


def test_a_traveler_listed_twice_on_one_flight_is_refused() -> None:
    with pytest.raises(ValueError, match="twice"):
        flight("101", at(0), TravelEvent("t-1"), TravelEvent("t-1", minor=True))


def test_flight_keys_ignore_case_and_leading_zeros() -> None:
    assert "ZZ 75/2026-11-02" == str(FlightKey("zz", "0075", DAY0.date()))
