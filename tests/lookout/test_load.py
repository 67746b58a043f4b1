"""Loading lookout lists: the sample, every kind of bad row, and what errors may say."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest

from screening_service.lookout import (
    Alias,
    BirthDate,
    ListKind,
    LookoutEntry,
    LookoutLoadError,
    load_lookout,
)
from screening_service.lookout.load import MAX_REPORTED
from screening_service.lookout.synthetic import synthetic_entries

SAMPLE = Path(__file__).resolve().parents[2] / "lookout" / "sample.csv"
HEADER = "list_kind,entry_id,surname,given_names,aliases,date_of_birth,document_numbers"


def write(tmp_path: Path, *rows: str, header: str = HEADER, name: str = "list.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def problems_of(path: Path) -> list[tuple[int, str, str]]:
    with pytest.raises(LookoutLoadError) as caught:
        load_lookout(path)
    return [(p.line, p.code, p.entry_id) for p in caught.value.problems]


def test_sample_list_loads() -> None:
    entries = load_lookout(SAMPLE)

    assert [e.entry_id for e in entries] == [f"SAMPLE-{n:03d}" for n in range(1, 21)]
    assert {e.list_kind for e in entries} == set(ListKind)
    first = entries[0]
    assert (first.surname, first.given_names) == ("Testpersonová", "Žofia")
    assert [(a.surname, a.given_names) for a in first.aliases] == [("Testpersonova", "Sofia")]
    assert first.date_of_birth == BirthDate.full(date(2004, 3, 7))
    assert first.document_numbers == ("ZZ000 0001",)
    assert entries[2].date_of_birth == BirthDate.year_only(1979)
    assert entries[12].date_of_birth is None
    assert len(entries[9].aliases) == 2


def test_a_good_row_becomes_an_entry(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        'Known_Trafficker , T-1 , Testperson , Anna Maria ,"ALIAS, ONE| Two ",1990,zz 1|ZZ-2|',
    )

    assert load_lookout(path) == [
        LookoutEntry(
            list_kind=ListKind.KNOWN_TRAFFICKER,
            entry_id="T-1",
            surname="Testperson",
            given_names="Anna Maria",
            date_of_birth=BirthDate.year_only(1990),
            aliases=(Alias("ALIAS", "ONE"), Alias("Two", "")),
            document_numbers=("zz 1", "ZZ-2"),
        )
    ]


def test_every_bad_row_is_reported_with_its_line(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "missing_person,OK-1,Testperson,Anna,,1990-01-02,",  # line 2
        "missing_person,BAD-DATE,Testperson,Anna,,1990-02-30,",  # line 3
        "missing_persons,BAD-KIND,Testperson,Anna,,1990-01-02,",  # line 4
        "missing_person,NO-NAME,,Anna,,1990-01-02,",  # line 5
        "missing_person,OK-1,Testperson,Berta,,1991-01-02,",  # line 6
        "",  # line 7: blank lines are skipped
        "other,PUNCT,?!,Anna,,,",  # line 8: no letters is no name
        "other,,Testperson,Anna,,,",  # line 9
        "other,SHORT,Testperson",  # line 10
    )

    assert problems_of(path) == [
        (3, "bad_date", "BAD-DATE"),
        (4, "unknown_list_kind", "BAD-KIND"),
        (5, "missing_name", "NO-NAME"),
        (6, "duplicate_entry_id", "OK-1"),
        (8, "missing_name", "PUNCT"),
        (9, "missing_entry_id", ""),
        (10, "field_count", ""),
    ]


@pytest.mark.parametrize(
    "text", ["1990-02-30", "1990-13-01", "1990-1-1", "1990/01/02", "90", "0000", "19901", "abc"]
)
def test_bad_dates(tmp_path: Path, text: str) -> None:
    path = write(tmp_path, f"other,X,Testperson,Anna,,{text},")

    assert problems_of(path) == [(2, "bad_date", "X")]


def test_one_row_can_have_several_problems(tmp_path: Path) -> None:
    path = write(tmp_path, "victim,X,,Anna,,1990-02-30,---")

    assert problems_of(path) == [
        (2, "bad_date", "X"),
        (2, "bad_document_number", "X"),
        (2, "missing_name", "X"),
        (2, "unknown_list_kind", "X"),
    ]


def test_unknown_list_kind_suggests_the_nearest(tmp_path: Path) -> None:
    path = write(tmp_path, "missing_persons,X,Testperson,Anna,,,")

    with pytest.raises(LookoutLoadError) as caught:
        load_lookout(path)

    assert str(caught.value.problems[0]) == (
        f"{path}:2: unknown_list_kind [X]: list_kind must be one of known_trafficker, "
        "missing_person, other; did you mean 'missing_person'?"
    )


def test_problems_never_show_personal_data(tmp_path: Path) -> None:
    name, given, doc = "Verborgenová", "Tajemná", "QQ9988776"
    path = write(
        tmp_path,
        f"other,S-1,{name},{given},,1991-07-08,{doc}",  # fine
        f"other,S-1,{name},{given},,1991-07-08,{doc}",  # duplicate
        f"unknown,S-2,{name},{given},,1990-02-30,{doc}",  # kind, date
        f"other,S-3,{name},{given},,1992-03-04,{doc},extra",  # field count
        f"{name},S-4,{given},,,1993-05-06,",  # kind
        f"other,S-5,{name},{given},-,1994-01-31,|-|",  # alias, document
    )

    with pytest.raises(LookoutLoadError) as caught:
        load_lookout(path)

    text = str(caught.value).lower()
    assert caught.value.total == 7
    for secret in (name, given, doc, "1991-07-08", "1990-02-30", "1993-05-06", "1994-01-31"):
        assert secret.lower() not in text


def test_a_file_without_a_header_does_not_echo_its_first_row(tmp_path: Path) -> None:
    path = write(tmp_path, header="other,H-1,Verborgenová,Tajemná,,1990-01-01,")

    with pytest.raises(LookoutLoadError) as caught:
        load_lookout(path)

    assert [(p.line, p.code) for p in caught.value.problems] == [(1, "header")]
    assert "Verborgen" not in str(caught.value)


def test_header_problems(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "other,X,Testperson,Anna,1990,,",
        header="list_kind,entry_id,surnme,given_names,date_of_birth,entry_id,notes",
    )

    with pytest.raises(LookoutLoadError) as caught:
        load_lookout(path)

    assert [p.message for p in caught.value.problems] == [
        "column 3 is not a known column (did you mean 'surname'?)",
        "column 6 repeats 'entry_id'",
        "column 7 is not a known column",
        "missing column 'surname'",
    ]


def test_optional_columns_may_be_left_out(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "2001-02-03,other,X,Testperson,",
        header="DATE_OF_BIRTH,List_Kind,entry_id,surname,given_names",
    )

    [entry] = load_lookout(path)

    assert (entry.entry_id, entry.aliases, entry.document_numbers) == ("X", (), ())
    assert entry.date_of_birth == BirthDate.full(date(2001, 2, 3))


def test_line_numbers_count_quoted_line_breaks(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        'other,M-1,Testperson,Anna,"ALIAS,\nSPLIT",1990,',  # lines 2-3
        "other,M-2,Testperson,Anna,,1990-02-30,",  # line 4
    )

    assert problems_of(path) == [(4, "bad_date", "M-2")]


def test_only_real_line_breaks_count(tmp_path: Path) -> None:
    path = tmp_path / "list.csv"
    rows = [HEADER, "other,A,Test\u2028person,Anna,,,", "other,B,Testperson,Anna,,1990-02-30,"]
    path.write_bytes("\r\n".join(rows).encode())

    assert problems_of(path) == [(3, "bad_date", "B")]


def test_unreadable_inputs(tmp_path: Path) -> None:
    bad_utf8 = tmp_path / "bad.csv"
    bad_utf8.write_bytes(HEADER.encode() + b"\nother,X,Test\xff,Anna,,,\n")
    empty = tmp_path / "empty.csv"
    empty.write_text("\n\n", encoding="utf-8")

    assert problems_of(bad_utf8) == [(2, "encoding", "")]
    assert problems_of(empty) == [(0, "header", "")]
    assert problems_of(tmp_path / "missing.csv") == [(0, "unreadable", "")]
    assert problems_of(tmp_path / "nothing-here") == [(0, "unreadable", "")]


def test_a_directory_is_one_list(tmp_path: Path) -> None:
    write(tmp_path, "other,A-1,Testperson,Anna,,,", name="a.csv")
    write(tmp_path, "other,B-1,Testperson,Berta,,,", "other,A-1,Testperson,Cleo,,,", name="b.csv")
    (tmp_path / "notes.txt").write_text("not a list", encoding="utf-8")

    with pytest.raises(LookoutLoadError) as caught:
        load_lookout(tmp_path)

    [problem] = caught.value.problems
    assert (problem.file, problem.line, problem.code) == (
        str(tmp_path / "b.csv"),
        3,
        "duplicate_entry_id",
    )
    assert problem.message == f"entry_id already used at {tmp_path / 'a.csv'}:2"

    (tmp_path / "b.csv").unlink()
    assert [e.entry_id for e in load_lookout(tmp_path)] == ["A-1"]


def test_an_empty_directory_is_an_error(tmp_path: Path) -> None:
    assert problems_of(tmp_path) == [(0, "no_files", "")]


def test_problems_are_capped(tmp_path: Path) -> None:
    path = write(tmp_path, *(f"other,X{n},Testperson,Anna,,1990-02-30," for n in range(250)))

    with pytest.raises(LookoutLoadError) as caught:
        load_lookout(path)

    assert caught.value.total == 250
    assert len(caught.value.problems) == MAX_REPORTED
    assert str(caught.value).endswith("... and 50 more")


def test_synthetic_entries_survive_a_round_trip_through_a_file(tmp_path: Path) -> None:
    entries = synthetic_entries(300, seed=11)
    path = tmp_path / "synthetic.csv"
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(HEADER.split(","))
        for e in entries:
            writer.writerow(
                [
                    e.list_kind.value,
                    e.entry_id,
                    e.surname,
                    e.given_names,
                    "|".join(f"{a.surname}, {a.given_names}" for a in e.aliases),
                    e.date_of_birth.isoformat() if e.date_of_birth else "",
                    "|".join(e.document_numbers),
                ]
            )

    assert load_lookout(path) == entries
