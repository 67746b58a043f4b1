"""One error type for everything wrong with a rule pack.

Every finding carries a stable code, a message, a location (file, line,
column; 1-based) and, where known, the rule id. A pack is checked in full:
all findings are collected, sorted by location and capped, so an analyst sees
every problem at once.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Final

MAX_REPORTED: Final = 200


@dataclass(frozen=True, order=True)
class Location:
    file: str
    line: int = 0
    column: int = 0

    def __str__(self) -> str:
        if self.line <= 0:
            return self.file
        return f"{self.file}:{self.line}:{self.column}"


@dataclass(frozen=True)
class RuleError:
    """One finding. ``suggestion`` is a "did you mean" word; ``hint`` a sentence."""

    code: str
    message: str
    location: Location
    rule_id: str = ""
    suggestion: str = ""
    hint: str = ""
    warning: bool = False

    def __str__(self) -> str:
        rule = f" [{self.rule_id}]" if self.rule_id else ""
        did = f" (did you mean '{self.suggestion}'?)" if self.suggestion else ""
        hint = f"\n    hint: {self.hint}" if self.hint else ""
        kind = "warning " if self.warning else ""
        return f"{self.location}: {kind}{self.code}{rule}: {self.message}{did}{hint}"

    @property
    def sort_key(self) -> tuple[Location, str, str]:
        return (self.location, self.code, self.message)


class PackError(Exception):
    """Raised when a pack has findings; holds them all, sorted and capped."""

    def __init__(self, errors: Iterable[RuleError]) -> None:
        ordered = sorted(errors, key=lambda e: e.sort_key)
        self.total = len(ordered)
        self.errors: tuple[RuleError, ...] = tuple(ordered[:MAX_REPORTED])
        more = self.total - len(self.errors)
        lines = [str(e) for e in self.errors]
        if more > 0:
            lines.append(f"... and {more} more")
        super().__init__(f"{self.total} error(s) in rule pack:\n" + "\n".join(lines))


@dataclass
class ErrorSink:
    """Collects findings while a pack goes through parse and check."""

    errors: list[RuleError] = field(default_factory=list)
    warnings: list[RuleError] = field(default_factory=list)

    def add(
        self,
        code: str,
        message: str,
        location: Location,
        rule_id: str = "",
        suggestion: str = "",
        hint: str = "",
    ) -> None:
        finding = RuleError(code, message, location, rule_id, suggestion, hint)
        if finding not in self.errors:  # one report per problem
            self.errors.append(finding)

    def warn(
        self, code: str, message: str, location: Location, rule_id: str = "", hint: str = ""
    ) -> None:
        """A finding that does not stop the pack (``rules check`` prints it)."""
        self.warnings.append(RuleError(code, message, location, rule_id, "", hint, warning=True))

    def raise_if_any(self) -> None:
        if self.errors:
            raise PackError(self.errors)


def nearest(word: str, candidates: Iterable[str]) -> str:
    """The closest candidate to a misspelt word, or "" when none is close."""
    matches = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.6)
    return matches[0] if matches else ""


# Stable error codes, grouped by pipeline stage.
E_YAML: Final = "E100"  # file is not valid YAML
E_SHAPE: Final = "E101"  # a key is missing, unknown or of the wrong kind
E_PACK: Final = "E102"  # pack file missing, duplicated or invalid
E_DUPLICATE_ID: Final = "E103"
E_EXAMPLES: Final = "E104"  # examples missing or malformed
E_SYNTAX: Final = "E200"  # condition does not parse
E_UNKNOWN_FIELD: Final = "E201"
E_TYPE: Final = "E202"  # operator or literal does not fit the field's type
E_UNKNOWN_VALUE: Final = "E203"  # enum literal outside the field's values
E_PROTECTED: Final = "E204"  # condition mentions a protected attribute
E_TYPOLOGY: Final = "E205"  # rule names a typology the pack does not declare
E_UNSATISFIABLE: Final = "E206"  # no record can make the condition true
E_POLICY: Final = "E207"  # rule metadata breaks pack policy (empty source, shadow + priority)
E_EXAMPLE_CONTRADICTS: Final = "E208"  # an example contradicts a derivation rule
E_COMPOSITION: Final = "E209"  # group, replaces or aggregate refers to something undeclared
W_WEIGHT_REFERS: Final = "W100"  # weight alone reaches the interview threshold without refer
W_REVIEW_OVERDUE: Final = "W101"  # review_by is in the past
E_LIMIT: Final = "E300"  # shape the engine cannot run safely
E_CATALOG: Final = "E301"  # catalog property names collide in the engine
E_BUDGET: Final = "E302"  # proving the pack's examples did not finish within its budget
E_EXAMPLE_FAILED: Final = "E400"  # an example did not behave as declared
