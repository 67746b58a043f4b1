"""The parsed rule pack: plain frozen data, independent of the engine."""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TypeAlias

from screening_service.rules.condition_ast import Condition, Pos
from screening_service.rules.errors import Location

ExampleValue: TypeAlias = int | float | str | bool | list[str]


class Mode(enum.Enum):
    ENFORCE = "enforce"
    SHADOW = "shadow"


@dataclass(frozen=True)
class ExpressionSource:
    """Where a `when` expression sits in its file, to map parser positions.

    Expression line 1 starts at ``first_line``/``first_column`` of the file;
    later lines keep the file's own columns (their indentation is part of the
    text). ``exact`` is False when the text had to be taken from a decoded
    scalar (escapes), in which case every position maps to the scalar start.
    """

    file: str
    first_line: int
    first_column: int
    exact: bool = True

    def locate(self, pos: Pos) -> Location:
        if not self.exact:
            return Location(self.file, self.first_line, self.first_column)
        if pos.line <= 1:
            return Location(self.file, self.first_line, self.first_column + pos.column - 1)
        return Location(self.file, self.first_line + pos.line - 1, pos.column)


@dataclass(frozen=True)
class Example:
    values: MappingProxyType[str, ExampleValue]
    location: Location
    label: str = ""


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    typology: str
    weight: float
    mode: Mode
    refer_priority: bool
    rationale: str
    source: str
    when: str
    condition: Condition
    when_source: ExpressionSource
    examples_refer: tuple[Example, ...]
    examples_pass: tuple[Example, ...]
    location: Location
    owner: str = ""
    review_by: dt.date | None = None
    group: str = ""
    replaces: tuple[str, ...] = ()
    mitigates: bool = False
    broken: bool = False  # did not parse; kept so its other findings are reported too

    @property
    def enforced(self) -> bool:
        return self.mode is Mode.ENFORCE


class GuidanceKind(enum.Enum):
    QUESTION = "question"
    CHECK = "check"


@dataclass(frozen=True)
class Guidance:
    """One suggested interview question or check, with the public material it comes from."""

    kind: GuidanceKind
    text: str
    source: str
    location: Location


@dataclass(frozen=True)
class Typology:
    """A typology; its own thresholds (when set) refer on its score alone.

    ``guidance`` is what an officer is shown when the typology contributed to
    a referral: questions to ask and checks to make, each with its source.
    """

    id: str
    title: str
    interview_threshold: float | None = None
    priority_threshold: float | None = None
    guidance: tuple[Guidance, ...] = ()


@dataclass(frozen=True)
class Group:
    """Rules that describe one pattern: their weights together count at most ``cap``."""

    id: str
    cap: float
    location: Location


@dataclass(frozen=True)
class Aggregate:
    """A flight-level value declared in pack.yaml, read as ``flight.<name>``.

    ``kind`` is ``count`` (travelers for whom ``condition`` is true), ``any``
    or ``all``; ``same`` (a field name or "") limits the travelers to those
    with the same value of that field as the traveler being screened.
    """

    name: str
    kind: str
    condition: Condition
    when: str
    when_source: ExpressionSource
    same: str
    description: str
    location: Location

    @property
    def field_name(self) -> str:
        return f"flight.{self.name}"


@dataclass(frozen=True)
class PackInfo:
    name: str
    version: str
    interview_threshold: float
    priority_threshold: float
    typologies: MappingProxyType[str, Typology]
    location: Location
    groups: MappingProxyType[str, Group] = field(default_factory=lambda: MappingProxyType({}))
    aggregates: tuple[Aggregate, ...] = ()
    # Replay's disparity audit: a group referred more than this many times the
    # overall rate fails the replay (None: the audit's default); ``disparity_limits``
    # sets one audit attribute's own limit (nationality, sex, age_band, origin_region).
    disparity_limit: float | None = None
    disparity_limits: MappingProxyType[str, float] = field(
        default_factory=lambda: MappingProxyType({})
    )


@dataclass(frozen=True)
class Pack:
    info: PackInfo
    rules: tuple[Rule, ...]
    content_hash: str
    directory: str
    files: tuple[str, ...] = field(default=())

    @property
    def version(self) -> str:
        return self.info.version
