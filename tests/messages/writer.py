"""A test-only PAXLST writer: manifests -> D05B text, for round-trip tests and the benchmark."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Person:
    surname: str
    given: str
    birth: str  # YYYY-MM-DD
    sex: str
    nationality: str
    document: str
    expiry: str  # YYYY-MM-DD


def escape(text: str) -> str:
    return "".join("?" + c if c in "?+:'" else c for c in text)


def _yymmdd(iso: str) -> str:
    return iso[2:4] + iso[5:7] + iso[8:10]


def paxlst(persons: list[Person], flight: str = "QQ877") -> str:
    segments = [
        "UNH+1+PAXLST:D:05B:UN:IATA+REF1+01:F",
        "BGM+745",
        f"TDT+20+{flight}+++QQ",
        "LOC+125+CDG",
        "DTM+189:2007101030:201",
        "LOC+87+JFK",
        "DTM+232:2007101300:201",
    ]
    for p in persons:
        segments += [
            f"NAD+FL+++{escape(p.surname)}:{escape(p.given)}",
            f"ATT+2++{p.sex}",
            f"DTM+329:{_yymmdd(p.birth)}",
            f"NAT+2+{p.nationality}",
            f"DOC+P:110:111+{p.document}",
            f"DTM+36:{_yymmdd(p.expiry)}",
            f"LOC+91+{p.nationality}",
        ]
    segments += [f"CNT+42:{len(persons)}", f"UNT+{len(segments) + 2}+1"]
    header = "UNA:+.? '\nUNB+UNOA:4+QQ+USCBP+200710:1200+0001'\n"
    return header + "\n".join(s + "'" for s in segments) + "\nUNZ+1+0001'\n"
