"""Properties over generated lists in several scripts: a listed person is found,
and matching does not depend on order, repetition or the index."""

from __future__ import annotations

from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from screening_service.lookout import (
    BirthDate,
    ListKind,
    LookoutEntry,
    LookoutIndex,
    LookoutQuery,
    MatchedOn,
)
from screening_service.lookout.normalize import normalize_text
from tests.lookout.brute import brute_force, prepare

ALPHABETS = (
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyzÁÉÍÓÚÝŽŠČŘĎŤŇÄÖÜßŁØÅÆÑáéíóúýžščřäöüł",
    "АБВГДЕЖЗИЙКЛМНОПРСТУФХЦЧШЩЫЭЮЯабвгдежзийклмнопрстуфхцчшщыэюя",
    "ΑΒΓΔΕΖΗΘΙΚΛΜΝΞΟΠΡΣΤΥΦΧΨΩαβγδεζηθικλμνξοπρστυφχψωάέήίόύώ",
    "ابتثجحخدذرزسشصضطظعغفقكلمنهوي",
)
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def words(alphabet: str) -> st.SearchStrategy[str]:
    word = st.text(alphabet, min_size=2, max_size=9).filter(lambda w: normalize_text(w) != "")
    return st.lists(word, min_size=1, max_size=2).map(" ".join)


names = st.sampled_from(ALPHABETS).flatmap(lambda a: st.tuples(words(a), words(a)))
birth_dates = st.one_of(
    st.none(),
    st.dates(date(1920, 1, 1), date(2020, 12, 31)).map(BirthDate.full),
    st.integers(1920, 2020).map(BirthDate.year_only),
)
documents = st.lists(st.from_regex(r"[A-Z]{2}[0-9]{5,7}", fullmatch=True), max_size=2)


@st.composite
def entry_lists(draw: st.DrawFn) -> list[LookoutEntry]:
    rows = draw(
        st.lists(
            st.tuples(st.sampled_from(list(ListKind)), names, birth_dates, documents),
            min_size=1,
            max_size=8,
        )
    )
    return [
        LookoutEntry(kind, f"E{n}", surname, given, born, document_numbers=tuple(docs))
        for n, (kind, (surname, given), born, docs) in enumerate(rows)
    ]


@st.composite
def query_for(draw: st.DrawFn, entry: LookoutEntry) -> tuple[LookoutQuery, MatchedOn] | None:
    """A traveler who is this listed person, and how they should match; None if unmatchable."""
    surname, given = entry.surname, entry.given_names
    if draw(st.booleans()):
        surname, given = given, surname
    listed = entry.date_of_birth
    if listed is None:
        if not entry.document_numbers:
            return None
        number = draw(st.sampled_from(entry.document_numbers))
        written = draw(st.sampled_from([number, number.lower(), f"{number[:2]} {number[2:]}"]))
        return LookoutQuery(surname, given, date(1970, 1, 1), written), MatchedOn.DOCUMENT
    if listed.exact is not None:
        return LookoutQuery(surname, given, listed.exact), MatchedOn.NAME_DOB
    year = listed.year + draw(st.sampled_from((-1, 0, 1)))
    born = draw(st.dates(date(year, 1, 1), date(year, 12, 31)))
    return LookoutQuery(surname, given, born), MatchedOn.NAME_DOB_NEAR


@SETTINGS
@given(entries=entry_lists(), data=st.data())
def test_a_traveler_built_from_an_entry_hits_it(
    entries: list[LookoutEntry], data: st.DataObject
) -> None:
    index = LookoutIndex.build(entries)
    for entry in entries:
        built = data.draw(query_for(entry))
        if built is None:
            continue
        traveler, matched_on = built

        hits = {h.entry_id: h for h in index.match(traveler)}

        assert entry.entry_id in hits
        assert hits[entry.entry_id].matched_on == matched_on
        assert hits[entry.entry_id].score == 100.0


@SETTINGS
@given(entries=entry_lists(), data=st.data())
def test_matching_is_deterministic_and_independent_of_list_order(
    entries: list[LookoutEntry], data: st.DataObject
) -> None:
    travelers = [q for e in entries if (q := data.draw(query_for(e))) is not None]
    queries = [t for t, _ in travelers]
    queries += data.draw(
        st.lists(
            st.builds(
                lambda name, born, doc: LookoutQuery(name[0], name[1], born, doc),
                names,
                st.dates(date(1920, 1, 1), date(2020, 12, 31)),
                st.sampled_from(["", *(d for e in entries for d in e.document_numbers)]),
            ),
            max_size=5,
        )
    )
    shuffled = data.draw(st.permutations(entries))

    index = LookoutIndex.build(entries)
    first = index.match_many(queries)

    assert first == index.match_many(queries)
    assert first == [index.match(q) for q in queries]
    assert first == LookoutIndex.build(shuffled).match_many(queries)


@SETTINGS
@given(entries=entry_lists(), data=st.data())
def test_the_index_only_reports_what_scoring_every_entry_reports(
    entries: list[LookoutEntry], data: st.DataObject
) -> None:
    queries = [q for e in entries if (q := data.draw(query_for(e))) is not None]
    index = LookoutIndex.build(entries)
    prepared = prepare(entries)

    for traveler, _ in queries:
        found = index.match(traveler)
        expected = brute_force(prepared, traveler)
        assert set(found) <= set(expected)
        assert {h.entry_id for h in expected if h.score == 100.0} <= {h.entry_id for h in found}
