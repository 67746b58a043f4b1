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
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Final, Literal

import orjson

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
