"""Equivalent given names and nicknames, from two maintained packages.

Two sources, both shipped inside their wheels (nothing is downloaded at run
time):

* ``rigour`` (OpenSanctions' name handling) tags a name part with *symbols*:
  ``NAME`` symbols are Wikidata given-name and family-name items, so the
  spellings of one name across languages and scripts share one ("Alyona" and
  "Alena", "Tariq" and "Tarek", "Muhammad" and "محمد"), and ``NICK`` symbols
  join common English nicknames ("Jim" and "James", "Bill" and "William").
* ``nicknames`` (a hand-curated English name/nickname dataset) adds the
  nicknames rigour lacks ("Peggy" and "Margaret").

Two parts are equivalent when their symbol sets intersect. `normalize` looks
up every part once (cached: names repeat), so comparing is a set operation.
Rigour builds its tagger on the first lookup (4 to 7 s on the development
machine); `warm` does that before the first list is built.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Final

from nicknames import NickNamer
from rigour.names import NameTypeTag, SymbolCategory, analyze_names

_CATEGORIES: Final = frozenset({SymbolCategory.NAME, SymbolCategory.NICK})
_NICKNAMER: Final = NickNamer()


def warm() -> None:
    """Build rigour's tagger now rather than on the first traveler."""
    name_symbols("james")


@lru_cache(maxsize=1 << 17)
def name_symbols(form: str) -> frozenset[str]:
    """Identifiers of the names this one lowercase part is a form or nickname of."""
    found: set[str] = set()
    for name in analyze_names(
        NameTypeTag.PER, [form], phonetics=False, numerics=False, consolidate=False
    ):
        for span in name.spans:
            if len(span.parts) == 1 and span.symbol.category in _CATEGORIES:
                found.add(f"{span.symbol.category.value}:{span.symbol.id}")
    canonicals = _NICKNAMER.canonicals_of(form)
    if _NICKNAMER.nicknames_of(form):
        canonicals.add(form)
    found.update(f"EN:{c}" for c in canonicals)
    return frozenset(found)
