"""Ground truth of an evaluation population, one JSON line per traveler.

``{"traveler_id", "label", "kind", "typology"?, "pattern"?}``: ``label`` is
the traveler's part (``victim``, ``escort``, ``lookalike``, ``background``),
``kind`` the class an evaluation scores (``trafficking``, ``lawful``,
``background``), ``typology`` the form of exploitation of a trafficking case
(``labour``, ``sex``, ``child``, ``domestic_servitude``) and ``pattern`` the
scenario that produced the traveler. Escorts (the controlling companion) are
``kind: trafficking`` but are not victims: an evaluation counts their
referral as correct and leaves them out of recall (see metrics.py).
"""

from __future__ import annotations

import json
from array import array
from bisect import bisect_left
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from hashlib import blake2b
from pathlib import Path
from typing import Any, Final, Literal, Protocol

import orjson
import pyarrow as pa
import pyarrow.compute as pc

Kind = Literal["trafficking", "lawful", "background"]
Role = Literal["victim", "escort", "lookalike", "background"]
KINDS: Final[tuple[Kind, ...]] = ("trafficking", "lawful", "background")
ROLES: Final[tuple[Role, ...]] = ("victim", "escort", "lookalike", "background")
TYPOLOGIES: Final = ("labour", "sex", "child", "domestic_servitude")


@dataclass(frozen=True, slots=True)
class Label:
    traveler_id: str
    label: Role
    kind: Kind
    typology: str | None = None
    pattern: str | None = None

    @property
    def truth(self) -> Truth:
        return (self.label, self.kind, self.typology, self.pattern)

    @property
    def is_victim(self) -> bool:
        return self.label == "victim"

    def renamed(self, traveler_id: str) -> Label:
        return Label(traveler_id, self.label, self.kind, self.typology, self.pattern)

    def as_json(self) -> dict[str, str]:
        body = {"traveler_id": self.traveler_id, "label": self.label, "kind": self.kind}
        if self.typology is not None:
            body["typology"] = self.typology
        if self.pattern is not None:
            body["pattern"] = self.pattern
        return body


# A label without its traveler id: (label, kind, typology, pattern). A flight
# holds thousands of labels of a few dozen kinds, so writers share these.
Truth = tuple[Role, Kind, str | None, str | None]


def label_line(label: Label) -> str:
    return json.dumps(label.as_json(), separators=(",", ":")) + "\n"


@cache
def _after_id(truth: Truth) -> bytes:
    rest = Label("", *truth).as_json()
    del rest["traveler_id"]
    return b"," + orjson.dumps(rest)[1:] + b"\n"


def label_bytes(traveler_id: str, truth: Truth) -> bytes:
    """``label_line(Label(traveler_id, *truth))`` as UTF-8, at a fraction of its cost."""
    return b'{"traveler_id":' + orjson.dumps(traveler_id) + _after_id(truth)


def write_labels(path: Path | str, labels: Iterable[Label]) -> int:
    count = 0
    with Path(path).open("w", encoding="utf-8", newline="\n") as out:
        for label in labels:
            out.write(label_line(label))
            count += 1
    return count


def parse_label(record: Any) -> Label:
    """One decoded line; ValueError says which field is wrong, never echoes content."""
    if not isinstance(record, dict):
        raise ValueError("expected a JSON object")
    traveler_id, role, kind = record.get("traveler_id"), record.get("label"), record.get("kind")
    if not isinstance(traveler_id, str) or not traveler_id:
        raise ValueError("traveler_id: expected a non-empty string")
    if role not in ROLES:
        raise ValueError(f"label: expected one of {', '.join(ROLES)}")
    if kind not in KINDS:
        raise ValueError(f"kind: expected one of {', '.join(KINDS)}")
    typology, pattern = record.get("typology"), record.get("pattern")
    if typology is not None and not isinstance(typology, str):
        raise ValueError("typology: expected a string")
    if pattern is not None and not isinstance(pattern, str):
        raise ValueError("pattern: expected a string")
    return Label(traveler_id, role, kind, typology, pattern)


def read_labels(path: Path | str) -> dict[str, Label]:
    """traveler_id -> Label; ValueError names the file and line of a bad record."""
    labels: dict[str, Label] = {}
    with Path(path).open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                label = parse_label(json.loads(line))
            except (json.JSONDecodeError, ValueError) as error:
                raise ValueError(f"{path}:{number}: {error}") from error
            labels[label.traveler_id] = label
    return labels


class LabelLookup(Protocol):
    """What an evaluation asks of its labels: a traveler's, or None."""

    def get(self, traveler_id: str, /) -> Label | None: ...


def _key(traveler_id: str) -> int:
    return int.from_bytes(blake2b(traveler_id.encode(), digest_size=8).digest(), "little")


class LabelIndex:
    """Labels by traveler id in ten bytes each, for evaluations of millions of travelers.

    A replay sends its labels to every worker: ten million labels as a dict of
    `Label` took 1.6 GiB in a process, and 103 MiB pickled here. A label is a
    64-bit BLAKE2b key of its traveler id in a sorted array, and two bytes
    naming its truth (a population has a few dozen distinct truths); `get` is
    a binary search within the keys that share the top bits. Two distinct ids
    share a key with probability about n*m/2^64 (n labels, m travelers looked
    up: 5e-6 for ten million each), the only way a traveler could get another's
    label. A traveler listed twice keeps its last label, as `read_labels` does.
    """

    def __init__(self, keys: array[int], codes: array[int], truths: tuple[Truth, ...]) -> None:
        self._keys = keys
        self._codes = codes
        self._truths = truths
        # Where each run of keys with the same top bits starts: a search looks at a few keys.
        self._bits = min(MAX_BUCKET_BITS, max(1, len(keys).bit_length() - 3))
        self._shift = 64 - self._bits
        self._starts: array[int] = array(
            "Q", (bisect_left(keys, b << self._shift) for b in range((1 << self._bits) + 1))
        )

    @classmethod
    def of(cls, labels: Iterable[Label]) -> LabelIndex:
        keys: array[int] = array("Q")
        codes: array[int] = array("H")
        numbered: dict[Truth, int] = {}
        for label in labels:
            truth = label.truth
            code = numbered.get(truth)
            if code is None:
                if len(numbered) > MAX_TRUTHS:
                    raise ValueError(f"more than {MAX_TRUTHS} distinct labels")
                code = numbered[truth] = len(numbered)
            keys.append(_key(label.traveler_id))
            codes.append(code)
        return cls(*_sorted_last(keys, codes), tuple(numbered))

    @classmethod
    def read(cls, path: Path | str) -> LabelIndex:
        """The labels file at ``path``, streamed; ValueError names the line of a bad record."""
        return cls.of(_labels_in(path))

    def get(self, traveler_id: str, /) -> Label | None:
        key = _key(traveler_id)
        keys = self._keys
        bucket = key >> self._shift
        end = self._starts[bucket + 1]
        at = bisect_left(keys, key, self._starts[bucket], end)
        if at == end or keys[at] != key:
            return None
        return Label(traveler_id, *self._truths[self._codes[at]])

    def __len__(self) -> int:
        return len(self._keys)


MAX_TRUTHS: Final = 65535
MAX_BUCKET_BITS: Final = 20


def _sorted_last(keys: array[int], codes: array[int]) -> tuple[array[int], array[int]]:
    """Both arrays in key order, keeping the last of each key (a stable sort)."""
    count = len(keys)
    if count == 0:
        return keys, codes
    key_array = pa.Array.from_buffers(pa.uint64(), count, [None, pa.py_buffer(keys)])
    code_array = pa.Array.from_buffers(pa.uint16(), count, [None, pa.py_buffer(codes)])
    order = pc.sort_indices(key_array)  # stable: equal keys keep their input order
    key_array, code_array = pc.take(key_array, order), pc.take(code_array, order)
    last = pc.not_equal(key_array[:-1], key_array[1:])
    keep = pa.concat_arrays([last, pa.array([True])])
    return _array("Q", pc.filter(key_array, keep)), _array("H", pc.filter(code_array, keep))


def _array(typecode: str, values: pa.Array[Any]) -> array[int]:
    out: array[int] = array(typecode)
    data = values.buffers()[1]
    assert data is not None, "a fixed-width array has a data buffer"
    start = values.offset * out.itemsize
    out.frombytes(data.to_pybytes()[start : start + len(values) * out.itemsize])
    return out


def _labels_in(path: Path | str) -> Iterator[Label]:
    with Path(path).open("rb") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                yield parse_label(orjson.loads(line))
            except (orjson.JSONDecodeError, ValueError) as error:
                raise ValueError(f"{path}:{number}: {error}") from error
