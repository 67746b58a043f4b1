"""A random generator that draws the same numbers as `random.Random`, in fewer calls.

`random.Random.randint` goes through ``randrange`` (argument checks, three
``operator.index`` calls) and ``_randbelow``; ``choice`` through
``_randbelow``. Ten million synthetic travelers make some fifty of these
calls each, so the call overhead alone was a tenth of drawing them. `Draws`
does the same rejection sampling inline: for the same seed it returns
exactly what `random.Random` returns (tests/synthetic/test_draws.py), so a
population keeps its bytes whichever of the two draws it.
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from _typeshed import SupportsLenAndGetItem

T = TypeVar("T")


class Draws(random.Random):
    def randint(self, a: int, b: int) -> int:
        """``random.Random.randint(a, b)`` for integers: the same draw from the same state."""
        width = b - a + 1
        if width <= 0 or type(a) is not int or type(b) is not int:
            return super().randint(a, b)  # its errors and conversions, unchanged
        bits = width.bit_length()
        getrandbits = self.getrandbits
        r = getrandbits(bits)
        while r >= width:
            r = getrandbits(bits)
        return a + r

    def choice(self, seq: SupportsLenAndGetItem[T]) -> T:
        """``random.Random.choice(seq)``: the same element from the same state."""
        size = len(seq)
        if not size:
            raise IndexError("Cannot choose from an empty sequence")
        bits = size.bit_length()
        getrandbits = self.getrandbits
        r = getrandbits(bits)
        while r >= size:
            r = getrandbits(bits)
        return seq[r]
