"""Properties over generated lists in several scripts: a listed person is found,
and matching does not depend on order, repetition or the index."""

from __future__ import annotations

from datetime import date

from anyascii import anyascii
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from screening_service.lookout import (
    BirthDate,
    DobAgreement,
    ListKind,
    LookoutEntry,
    LookoutIndex,
    LookoutQuery,
)
from screening_service.lookout.normalize import normalize_text
from tests.lookout.brute import NEEDED, obvious_hits

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
def variant_of(draw: st.DrawFn, surname: str, given: str, *, complete: bool) -> tuple[str, str]:
    """The name as a passport may carry it: transliterated, swapped, an article, a name fewer.

    Each variant keeps the name score at 100 (see ``align``), or 96 when it drops
    a listed second given name, which only a full date of birth accepts: not
    when ``complete`` is asked for.
    """
    if draw(st.booleans()):
        surname, given = anyascii(surname).upper(), anyascii(given).upper()
    words_given = given.split()
    if len(words_given) >= 2 and not complete and draw(st.booleans()):
        given = " ".join(words_given[:-1])  # a listed second given name: costs 4
    if draw(st.booleans()):
        surname = f"al-{surname}"
    if draw(st.booleans()):
        surname, given = given, surname
    return surname, given


@st.composite
def query_for(draw: st.DrawFn, entry: LookoutEntry) -> tuple[LookoutQuery, DobAgreement] | None:
    """A traveler who is this listed person, and the date agreement they should hit with."""
    listed = entry.date_of_birth
    complete = listed is None or listed.exact is None
    surname, given = draw(variant_of(entry.surname, entry.given_names, complete=complete))
    if listed is None:
        if draw(st.booleans()) and entry.document_numbers:
            number = draw(st.sampled_from(entry.document_numbers))
            written = draw(st.sampled_from([number, number.lower(), f"{number[:2]} {number[2:]}"]))
            return LookoutQuery(surname, given, date(1970, 1, 1), written), DobAgreement.DOCUMENT
        return LookoutQuery(surname, given, date(1970, 1, 1)), DobAgreement.MISSING
    if listed.exact is not None:
        born, expected = draw(
            st.sampled_from(
                [
                    (listed.exact, DobAgreement.EXACT),
                    (_shifted(listed.exact, 1), DobAgreement.ONE_YEAR),
                    (_shifted(listed.exact, -1), DobAgreement.ONE_YEAR),
                ]
            )
        )
        return LookoutQuery(surname, given, born), expected
    year = listed.year + draw(st.sampled_from((-1, 0, 1)))
    born = draw(st.dates(date(year, 1, 1), date(year, 12, 31)))
    return LookoutQuery(surname, given, born), DobAgreement.YEAR_ONLY


def _shifted(day: date, years: int) -> date:
    # 29 February has no twin a year away: keep the date itself.
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day


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
        traveler, agreement = built
        if agreement is DobAgreement.ONE_YEAR and traveler.date_of_birth == entry.date_of_birth:
            agreement = DobAgreement.EXACT  # 29 February

        hits = {h.entry_id: h for h in index.match(traveler)}

        assert entry.entry_id in hits
        assert hits[entry.entry_id].dob_agreement == agreement
        assert hits[entry.entry_id].score >= 96.0


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
def test_the_index_finds_every_obvious_match_and_keeps_to_the_table(
    entries: list[LookoutEntry], data: st.DataObject
) -> None:
    queries = [q for e in entries if (q := data.draw(query_for(e))) is not None]
    index = LookoutIndex.build(entries)

    for traveler, _ in queries:
        found = index.match(traveler)
        assert obvious_hits(entries, traveler) <= {(h.entry_id, h.dob_agreement) for h in found}
        assert all(h.score >= NEEDED[h.dob_agreement] for h in found)
