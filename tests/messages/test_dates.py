from __future__ import annotations

import datetime as dt

from screening_service.messages.dates import YearRule, ddmmmyy, ddmmyy, to_utc, yymmdd

MESSAGE_DAY = dt.date(2020, 7, 10)


def test_same_digits_are_different_days_in_each_format() -> None:
    assert dt.date(2012, 12, 10) == yymmdd("121210", YearRule.NEAR, MESSAGE_DAY).date
    assert dt.date(2010, 12, 12) == ddmmyy("121210", YearRule.NEAR, MESSAGE_DAY).date
    assert dt.date(1964, 7, 12) == ddmmmyy("12JUL64", YearRule.BIRTH, MESSAGE_DAY).date


def test_birth_date_never_after_the_message() -> None:
    assert dt.date(1921, 9, 6) == yymmdd("210906", YearRule.BIRTH, MESSAGE_DAY).date
    assert dt.date(2020, 7, 10) == yymmdd("200710", YearRule.BIRTH, MESSAGE_DAY).date
    assert dt.date(1920, 7, 11) == yymmdd("200711", YearRule.BIRTH, MESSAGE_DAY).date


def test_expiry_within_the_validity_window() -> None:
    assert dt.date(2030, 1, 1) == yymmdd("300101", YearRule.EXPIRY, MESSAGE_DAY).date
    assert dt.date(2006, 1, 1) == yymmdd("060101", YearRule.EXPIRY, MESSAGE_DAY).date
    unsure = yymmdd("610218", YearRule.EXPIRY, MESSAGE_DAY)
    assert (dt.date(2061, 2, 18), False) == (unsure.date, unsure.sure)


def test_local_time_to_utc_with_daylight_saving() -> None:
    summer = to_utc(dt.datetime(2020, 7, 10, 10, 30), "CDG")
    winter = to_utc(dt.datetime(2020, 12, 13, 10, 30), "CDG")
    assert dt.datetime(2020, 7, 10, 8, 30, tzinfo=dt.UTC) == summer
    assert dt.datetime(2020, 12, 13, 9, 30, tzinfo=dt.UTC) == winter
    assert to_utc(dt.datetime(2020, 7, 10), "ZZZ") is None
