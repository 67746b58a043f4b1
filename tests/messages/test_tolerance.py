"""One test per defect real feeds carry: each converts, with the warning it deserves."""

from __future__ import annotations

import pytest

from tests.messages.helpers import codes, run

BODY = [
    "UNB+UNOA:4+QQ+USCBP+200710:1200+0001",
    "UNH+1+PAXLST:D:05B:UN:IATA+REF1+01:F",
    "BGM+745",
    "TDT+20+QQ877+++QQ",
    "LOC+125+CDG",
    "DTM+189:2007101030:201",
    "LOC+87+JFK",
    "DTM+232:2007101300:201",
    "NAD+FL+++TESTPERSON:ALEX",
    "DTM+329:850101",
    "UNT+10+1",
    "UNZ+1+0001",
]


def message(separator: str = "'", join: str = "", body: list[str] | None = None) -> str:
    return join.join(s + separator for s in body or BODY)


def surnames(text: str | bytes) -> list[str]:
    return [t.surname for f in run(text).flights for t in f.manifest.travelers]


def test_clean_message_has_no_warning() -> None:
    assert [] == codes(run(message()))


@pytest.mark.parametrize("join", ["\n", "\r\n", "\r", "  \r\n  ", "\n\n\t"])
def test_line_breaks_and_spaces_around_segments(join: str) -> None:
    conversion = run(" \r\n" + message(join=join) + "\r\n\r\n")
    assert [] == codes(conversion)
    assert ["TESTPERSON"] == [t.surname for t in conversion.flights[0].manifest.travelers]


def test_two_segments_on_one_line_and_telex_wrapping() -> None:
    text = message(join="\n")
    wrapped = text.replace("TESTPERSON", "TESTPER\r\nSON")
    assert ["TESTPERSON"] == surnames(wrapped)


def test_stx_etx_wrapper_and_type_b_header() -> None:
    text = "\x01QU USCBPXH\r\n.QQAPISXX 101200\r\n\x02" + message(join="\r\n") + "\x03"
    conversion = run(text)
    assert [] == codes(conversion)


def test_text_after_unz_is_ignored_with_a_warning() -> None:
    conversion = run(message() + "\nEND OF MESSAGE -- it's done\n")
    assert [(0, "TRAILING_TEXT")] == codes(conversion)


def test_text_before_the_first_segment() -> None:
    assert [(0, "LEADING_TEXT")] == codes(run("HEADER LINE\n" + message()))


def test_custom_delimiters_from_una() -> None:
    body = [s.replace("+", "*") for s in BODY]
    text = "UNA:*.? $" + message(separator="$", body=body, join="\n")
    conversion = run(text)
    assert [] == codes(conversion)
    assert ["TESTPERSON"] == [t.surname for t in conversion.flights[0].manifest.travelers]


def test_element_separator_dash_and_terminator_star() -> None:
    body = [s.replace("+", "-") for s in BODY]
    assert ["TESTPERSON"] == surnames("UNA:-.? *" + message(separator="*", body=body))


def test_release_character_question_mark() -> None:
    body = [s.replace("TESTPERSON:ALEX", "TEST?+PERSON:AL?'EX") for s in BODY]
    conversion = run(message(body=body))
    traveler = conversion.flights[0].manifest.travelers[0]
    assert ("TEST+PERSON", "AL'EX") == (traveler.surname, traveler.given_names)


def test_release_character_declared_by_una() -> None:
    body = [s.replace("TESTPERSON:ALEX", "TEST\\:PERSON:ALEX") for s in BODY]
    traveler = run("UNA:+.\\ '" + message(body=body)).flights[0].manifest.travelers[0]
    assert "TEST:PERSON" == traveler.surname


def test_wrong_unt_and_unz_counts_are_warnings() -> None:
    body = [*BODY[:-2], "UNT+99+1", "UNZ+5+0001"]
    assert [(11, "UNT_COUNT"), (12, "UNZ_COUNT")] == codes(run(message(body=body)))


def test_byte_outside_the_declared_character_set() -> None:
    data = message().encode("ascii").replace(b"TESTPERSON", b"TESTPER\x87ON")
    conversion = run(data)
    assert [(0, "CHARSET")] == codes(conversion)
    # 0x87 is not UTF-8; read as windows-1252 it is a double dagger.
    assert "TESTPER\u2021ON" == conversion.flights[0].manifest.travelers[0].surname


def test_utf8_letters_under_unoa() -> None:
    data = message().replace("TESTPERSON", "TESTPÉRSON").encode()
    conversion = run(data)
    assert [(0, "CHARSET")] == codes(conversion)
    assert "TESTPÉRSON" == conversion.flights[0].manifest.travelers[0].surname


def test_broken_una_with_five_characters() -> None:
    conversion = run("UNA:+.?'" + message())
    assert [(0, "BROKEN_UNA")] == codes(conversion)
    assert ["TESTPERSON"] == [t.surname for t in conversion.flights[0].manifest.travelers]


def test_broken_una_with_a_curly_quote_terminator() -> None:
    conversion = run("UNA:+.? \u2019" + message())
    # The curly quote itself lies outside UNOA.
    assert [(0, "BROKEN_UNA"), (0, "CHARSET")] == codes(conversion)


def test_missing_final_terminator_after_unz() -> None:
    conversion = run(message()[:-1])
    assert [(12, "MISSING_TERMINATOR")] == codes(conversion)


def test_two_digit_birth_year_never_after_the_message() -> None:
    body = [s.replace("DTM+329:850101", "DTM+329:210906") for s in BODY]
    traveler = run(message(body=body)).flights[0].manifest.travelers[0]
    assert "1921-09-06" == traveler.date_of_birth  # the message is from 2020


def test_expiry_century_guess_is_a_warning() -> None:
    body = [*BODY[:9], "DTM+329:850101", "DOC+P:110:111+TP1", "DTM+36:610218", *BODY[-2:]]
    body[-2] = "UNT+12+1"
    conversion = run(message(body=body))
    assert [(9, "UNSURE_CENTURY")] == codes(conversion)
    assert "2061-02-18" == conversion.flights[0].manifest.travelers[0].document.expiry_date


def test_refused_field_is_left_out_with_a_warning() -> None:
    body = [*BODY[:10], "NAT+2+ZZZ", "DOC+P:110:111+TP 1/2", *BODY[-2:]]
    body[-2] = "UNT+12+1"
    conversion = run(message(body=body))
    assert [(9, "COUNTRY_CODE"), (9, "FIELD_DROPPED")] == codes(conversion)
    traveler = conversion.flights[0].manifest.travelers[0]
    assert ("", "") == (traveler.nationality, traveler.document.number)
    assert all("TP 1/2" not in w.message for w in conversion.flights[0].warnings)
