"""Parse a `when` expression into a condition tree (lark, LALR; never eval).

The language: comparisons (``== != < <= > >=``) of a field with a literal,
``and`` / ``or`` / ``not`` and parentheses, ``field in [..]`` and
``field not in [..]``, ``field contains literal`` for list fields,
``field is present`` / ``field is missing``, and a bare boolean field.
Literals are numbers, quoted strings (dates are strings checked against
date fields) and ``true`` / ``false``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from lark import Lark, Token, Transformer, v_args
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from screening_service.rules import condition_ast as ast

GRAMMAR = r"""
?start: or_

?or_: and_ (_OR and_)*
?and_: not_ (_AND not_)*
?not_: NOT not_        -> negation
     | atom

?atom: FIELD COMP literal            -> compare
     | FIELD _IN list                -> in_list
     | FIELD NOT _IN list            -> not_in_list
     | FIELD CONTAINS literal        -> contains
     | FIELD _IS PRESENT             -> present
     | FIELD _IS MISSING             -> missing
     | FIELD                         -> truthy
     | "(" or_ ")"

list: LBRACKET [literal ("," literal)*] "]"

literal: NUMBER | STRING | TRUE | FALSE

COMP: "==" | "!=" | "<=" | ">=" | "<" | ">"
_OR: "or"
_AND: "and"
NOT: "not"
_IN: "in"
CONTAINS: "contains"
_IS: "is"
PRESENT: "present"
MISSING: "missing"
TRUE: "true"
FALSE: "false"
LBRACKET: "["
NUMBER: /-?[0-9]+(\.[0-9]+)?/
STRING: /"[^"\\\n]*"/ | /'[^'\\\n]*'/
FIELD: /[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*/
COMMENT: /#[^\n]*/

%ignore /[ \t\r\n]+/
%ignore COMMENT
"""

KEYWORDS = frozenset(
    {"or", "and", "not", "in", "contains", "is", "present", "missing", "true", "false"}
)

_EXPECTED_NAMES = {
    "COMP": "a comparison (== != < <= > >=)",
    "FIELD": "a field name",
    "NUMBER": "a number",
    "STRING": "a quoted string",
    "TRUE": "true",
    "FALSE": "false",
    "LPAR": "'('",
    "RPAR": "')'",
    "LBRACKET": "'['",
    "RSQB": "']'",
    "COMMA": "','",
    "_OR": "'or'",
    "_AND": "'and'",
    "NOT": "'not'",
    "_IN": "'in'",
    "CONTAINS": "'contains'",
    "_IS": "'is'",
    "PRESENT": "'present'",
    "MISSING": "'missing'",
    "$END": "the end of the condition",
}


@dataclass(frozen=True)
class ConditionSyntaxError(Exception):
    message: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.line}:{self.column}: {self.message}"


def _pos(token: Token) -> ast.Pos:
    return ast.Pos(token.line or 1, token.column or 1)


def _field(token: Token) -> ast.FieldRef:
    return ast.FieldRef(str(token), _pos(token))


@v_args(inline=True)
class _ToTree(Transformer[Token, ast.Condition]):
    def literal(self, token: Token) -> ast.Literal:
        text = str(token)
        value: ast.Scalar
        if token.type == "NUMBER":
            value = float(text) if "." in text else int(text)
        elif token.type == "STRING":
            value = text[1:-1]
        else:
            value = token.type == "TRUE"
        return ast.Literal(value, _pos(token))

    def list(
        self, bracket: Token, *items: ast.Literal | None
    ) -> tuple[ast.Pos, tuple[ast.Literal, ...]]:
        return _pos(bracket), tuple(item for item in items if item is not None)

    def compare(self, field: Token, op: Token, value: ast.Literal) -> ast.Compare:
        return ast.Compare(_field(field), str(op), value, _pos(field))

    def in_list(self, field: Token, items: tuple[ast.Pos, tuple[ast.Literal, ...]]) -> ast.InList:
        return ast.InList(_field(field), items[1], False, _pos(field))

    def not_in_list(
        self, field: Token, _not: Token, items: tuple[ast.Pos, tuple[ast.Literal, ...]]
    ) -> ast.InList:
        return ast.InList(_field(field), items[1], True, _pos(field))

    def contains(self, field: Token, _kw: Token, value: ast.Literal) -> ast.Contains:
        return ast.Contains(_field(field), value, _pos(field))

    def present(self, field: Token, _kw: Token) -> ast.Presence:
        return ast.Presence(_field(field), True, _pos(field))

    def missing(self, field: Token, _kw: Token) -> ast.Presence:
        return ast.Presence(_field(field), False, _pos(field))

    def truthy(self, field: Token) -> ast.Truthy:
        return ast.Truthy(_field(field), _pos(field))

    def negation(self, kw: Token, operand: ast.Condition) -> ast.Not:
        return ast.Not(operand, _pos(kw))

    def and_(self, *operands: ast.Condition) -> ast.And:
        return ast.And(_flatten(ast.And, operands), operands[0].pos)

    def or_(self, *operands: ast.Condition) -> ast.Or:
        return ast.Or(_flatten(ast.Or, operands), operands[0].pos)


def _flatten(
    kind: type[ast.And] | type[ast.Or], operands: tuple[ast.Condition, ...]
) -> tuple[ast.Condition, ...]:
    flat: list[ast.Condition] = []
    for operand in operands:
        if isinstance(operand, kind):
            flat.extend(operand.operands)
        else:
            flat.append(operand)
    return tuple(flat)


@cache
def _parser() -> Lark:
    return Lark(GRAMMAR, parser="lalr", maybe_placeholders=True)


def _describe_expected(expected: set[str]) -> str:
    names = sorted({_EXPECTED_NAMES.get(name, name) for name in expected})
    if len(names) > 6:
        names = [*names[:6], "..."]
    return ", ".join(names)


def parse_condition(text: str) -> ast.Condition:
    """Parse one condition; raises ConditionSyntaxError with line and column."""
    if not text.strip():
        raise ConditionSyntaxError("the condition is empty", 1, 1)
    try:
        tree = _parser().parse(text)
    except UnexpectedEOF as error:
        lines = text.splitlines() or [""]
        raise ConditionSyntaxError(
            f"the condition ends too early; expected {_describe_expected(set(error.expected))}",
            len(lines),
            len(lines[-1]) + 1,
        ) from None
    except UnexpectedToken as error:
        token = error.token
        if token.type == "$END":
            lines = text.splitlines() or [""]
            line, column = len(lines), len(lines[-1]) + 1
            problem = "the condition ends too early"
        else:
            line, column = error.line, error.column
            problem = f"unexpected '{token}'"
        raise ConditionSyntaxError(
            f"{problem}; expected {_describe_expected(set(error.expected))}",
            line,
            column,
        ) from None
    except UnexpectedCharacters as error:
        offset = error.pos_in_stream or 0
        char = text[offset] if offset < len(text) else ""
        hint = " (strings need closing quotes)" if char in "\"'" else ""
        raise ConditionSyntaxError(
            f"unexpected character '{char}'{hint}", error.line, error.column
        ) from None
    except UnexpectedInput as error:  # pragma: no cover - other lark input errors
        raise ConditionSyntaxError(str(error), error.line, error.column) from None
    result: ast.Condition = _ToTree().transform(tree)
    return result
