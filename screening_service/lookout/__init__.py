"""Lookout lists: persons of interest matched against travelers.

The pipeline, one module each: `load` reads the CSV files into `model`
entries; `normalize` turns names into comparable parts and document numbers
into plain strings; `equivalents` says which name parts are forms of one
name; `align` scores a name part by part; `dates` grades how dates of birth
agree; `score` decides whether one traveler matches one entry; `index` finds
the few entries worth scoring. `synthetic` makes fictional data for tests and
benchmarks. The file format is documented in `load` and in
``lookout/README.md``.

    entries = load_lookout("lookout/sample.csv")
    index = LookoutIndex.build(entries)
    hits = index.match(LookoutQuery("NOVAKOVA", "ZOFIA", date(1990, 4, 5), ""))
"""

from screening_service.lookout.index import LookoutIndex
from screening_service.lookout.load import LookoutLoadError, LookoutProblem, load_lookout
from screening_service.lookout.model import (
    Alias,
    BirthDate,
    DobAgreement,
    ListKind,
    LookoutEntry,
    LookoutHit,
    LookoutQuery,
    MatchedOn,
)
from screening_service.lookout.score import DEFAULT_THRESHOLD

__all__ = [
    "DEFAULT_THRESHOLD",
    "Alias",
    "BirthDate",
    "DobAgreement",
    "ListKind",
    "LookoutEntry",
    "LookoutHit",
    "LookoutIndex",
    "LookoutLoadError",
    "LookoutProblem",
    "LookoutQuery",
    "MatchedOn",
    "load_lookout",
]
