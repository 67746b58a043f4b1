"""Parse a `when` expression into a condition tree (lark, LALR; never eval).

The language (the README's rule-author section has one example of each):

* comparisons ``== != < <= > >=`` of a field with a literal, or of any two
  expressions: fields, literals, ``a + b`` / ``a - b`` and the functions
  ``days_between(a, b)``, ``years_between(a, b)``, ``abs(x)``, ``lower(x)``,
  ``length(x)``;
* ``and`` / ``or`` / ``not`` and parentheses; ``at least 2 of (a, b, c)``;
* ``field in [..]`` and ``field not in [..]``; ``field contains literal`` for
  list fields; ``field starts with "x"``, ``ends with "x"``, ``matches "re"``
  (RE2, whole string);
* ``field is known`` / ``field is unknown`` (``is present`` / ``is missing``
  are synonyms), and a bare boolean field;
* ``any companion (...)`` / ``all companions (...)`` over ``companion.*``.

Literals are numbers, quoted strings (dates are strings checked against date
fields) and ``true`` / ``false``. The tree is built without recursion
(`Transformer_NonRecursive`), so nesting depth is the checker's to refuse.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Final

from lark import Lark, Token
from lark.exceptions import (
    UnexpectedCharacters,
    UnexpectedEOF,
    UnexpectedInput,
    UnexpectedToken,
    VisitError,
)
from lark.visitors import Transformer_NonRecursive, v_args

from screening_service.rules import condition_ast as ast

GRAMMAR = r"""
?start: or_

?or_: and_ (_OR and_)*
?and_: not_ (_AND not_)*
?not_: NOT not_        -> negation
     | atom

?atom: expr COMP expr                  -> compare
     | expr _IN list                   -> in_list
     | expr NOT _IN list               -> not_in_list
     | expr CONTAINS literal           -> contains
     | expr _IS (KNOWN | PRESENT)      -> present
     | expr _IS (UNKNOWN | MISSING)    -> missing
     | expr STARTS _WITH STRING        -> starts_with
     | expr ENDS _WITH STRING          -> ends_with
     | expr MATCHES STRING             -> matches
     | FIELD                           -> truthy
     | ANY COMPANION "(" or_ ")"       -> any_companion
     | ALL COMPANIONS "(" or_ ")"      -> all_companions
     | AT LEAST NUMBER OF "(" or_ ("," or_)+ ")"  -> at_least
     | "(" or_ ")"

?expr: term
     | expr ADDOP term                 -> arith
?term: FIELD                           -> field
     | literal
     | function "(" expr ("," expr)* ")" -> call

function: DAYS_BETWEEN | YEARS_BETWEEN | ABS | LOWER | LENGTH

list: LBRACKET [literal ("," literal)*] "]"

literal: NUMBER | ADDOP NUMBER | STRING | TRUE | FALSE

COMP: "==" | "!=" | "<=" | ">=" | "<" | ">"
ADDOP: "+" | "-"
_OR: "or"
_AND: "and"
NOT: "not"
_IN: "in"
CONTAINS: "contains"
_IS: "is"
KNOWN: "known"
PRESENT: "present"
UNKNOWN: "unknown"
MISSING: "missing"
STARTS: "starts"
ENDS: "ends"
_WITH: "with"
MATCHES: "matches"
ANY: "any"
ALL: "all"
COMPANION: "companion"
COMPANIONS: "companions"
AT: "at"
LEAST: "least"
OF: "of"
DAYS_BETWEEN: "days_between"
YEARS_BETWEEN: "years_between"
ABS: "abs"
LOWER: "lower"
LENGTH: "length"
TRUE: "true"
FALSE: "false"
LBRACKET: "["
NUMBER: /[0-9]+(\.[0-9]+)?/
STRING: /"[^"\\\n]*"/ | /'[^'\\\n]*'/
FIELD: /[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*/
COMMENT: /#[^\n]*/

%ignore /[ \t\r\n]+/
%ignore COMMENT
"""

KEYWORDS = frozenset(
    {
        "or",
        "and",
        "not",
        "in",
        "contains",
        "is",
        "known",
        "unknown",
        "present",
        "missing",
        "starts",
        "ends",
        "with",
        "matches",
        "any",
        "all",
        "companion",
        "companions",
        "at",
        "least",
        "of",
        "true",
        "false",
        *ast.FUNCTIONS,
    }
)

# What the author most likely meant comes first: comparisons, then the other tests.
_EXPECTED_ORDER: Final = (
    ("COMP", "a comparison (== != < <= > >=)"),
    ("_IN", "'in [..]'"),
    ("CONTAINS", "'contains'"),
    ("_IS", "'is known' / 'is unknown'"),
    ("STARTS", "'starts with'"),
    ("ENDS", "'ends with'"),
    ("MATCHES", "'matches'"),
    ("ADDOP", "'+' or '-'"),
    ("_AND", "'and'"),
    ("_OR", "'or'"),
    ("FIELD", "a field name"),
    ("NUMBER", "a number"),
    ("STRING", "a quoted string"),
    ("TRUE", "true"),
    ("FALSE", "false"),
    ("DAYS_BETWEEN", "a function"),
    ("YEARS_BETWEEN", "a function"),
    ("ABS", "a function"),
    ("LOWER", "a function"),
    ("LENGTH", "a function"),
    ("NOT", "'not'"),
    ("LPAR", "'('"),
    ("RPAR", "')'"),
    ("LBRACKET", "'['"),
    ("RSQB", "']'"),
    ("COMMA", "','"),
    ("KNOWN", "'known'"),
    ("UNKNOWN", "'unknown'"),
    ("_WITH", "'with'"),
    ("$END", "the end of the condition"),
)
_MAX_EXPECTED: Final = 8


@dataclass(frozen=True)
class ConditionSyntaxError(Exception):
    message: str
    line: int
    column: int
    hint: str = ""

    def __str__(self) -> str:
        return f"{self.line}:{self.column}: {self.message}"


def _pos(token: Token) -> ast.Pos:
    return ast.Pos(token.line or 1, token.column or 1)


def _field(token: Token) -> ast.FieldRef:
    return ast.FieldRef(str(token), _pos(token))


def _as_field(expr: ast.Expr, what: str) -> ast.FieldRef:
    if isinstance(expr, ast.FieldRef):
        return expr
    raise ConditionSyntaxError(f"{what} needs a field on its left", expr.pos.line, expr.pos.column)


def _number(text: str) -> int | float:
    return float(text) if "." in text else int(text)


@v_args(inline=True)
class _ToTree(Transformer_NonRecursive[Token, ast.Condition]):
    def literal(self, token: Token, number: Token | None = None) -> ast.Literal:
        text = str(token)
        value: ast.Scalar
        if number is not None:
            value = _number(str(number)) * (-1 if text == "-" else 1)
        elif token.type == "NUMBER":
            value = _number(text)
        elif token.type == "STRING":
            value = text[1:-1]
        else:
            value = token.type == "TRUE"
        return ast.Literal(value, _pos(token))

    def list(
        self, bracket: Token, *items: ast.Literal | None
    ) -> tuple[ast.Pos, tuple[ast.Literal, ...]]:
        return _pos(bracket), tuple(item for item in items if item is not None)

    def field(self, token: Token) -> ast.FieldRef:
        return _field(token)

    def arith(self, left: ast.Expr, op: Token, right: ast.Expr) -> ast.Expr:
        return ast.Arith(str(op), left, right, left.pos)

    def function(self, name: Token) -> Token:
        return name

    def call(self, name: Token, *args: ast.Expr) -> ast.Call:
        return ast.Call(str(name), tuple(args), _pos(name))

    def compare(self, left: ast.Expr, op: Token, right: ast.Expr) -> ast.Condition:
        operator = str(op)
        if isinstance(left, ast.FieldRef) and isinstance(right, ast.Literal):
            return ast.Compare(left, operator, right, left.pos)
        if isinstance(left, ast.Literal) and isinstance(right, ast.FieldRef):
            return ast.Compare(right, ast.FLIPPED[operator], left, left.pos)
        return ast.Relation(left, operator, right, left.pos)

    def in_list(self, expr: ast.Expr, items: tuple[ast.Pos, tuple[ast.Literal, ...]]) -> ast.InList:
        field = _as_field(expr, "'in'")
        return ast.InList(field, items[1], False, field.pos)

    def not_in_list(
        self, expr: ast.Expr, _not: Token, items: tuple[ast.Pos, tuple[ast.Literal, ...]]
    ) -> ast.InList:
        field = _as_field(expr, "'not in'")
        return ast.InList(field, items[1], True, field.pos)

    def contains(self, expr: ast.Expr, _kw: Token, value: ast.Literal) -> ast.Contains:
        field = _as_field(expr, "'contains'")
        return ast.Contains(field, value, field.pos)

    def present(self, expr: ast.Expr, _kw: Token) -> ast.Presence:
        field = _as_field(expr, "'is known'")
        return ast.Presence(field, True, field.pos)

    def missing(self, expr: ast.Expr, _kw: Token) -> ast.Presence:
        field = _as_field(expr, "'is unknown'")
        return ast.Presence(field, False, field.pos)

    def _text(self, expr: ast.Expr, kind: str, pattern: Token) -> ast.TextTest:
        field = _as_field(expr, f"'{kind.replace('_', ' ')}'")
        return ast.TextTest(field, kind, ast.Literal(str(pattern)[1:-1], _pos(pattern)), field.pos)

    def starts_with(self, expr: ast.Expr, _kw: Token, pattern: Token) -> ast.TextTest:
        return self._text(expr, "starts_with", pattern)

    def ends_with(self, expr: ast.Expr, _kw: Token, pattern: Token) -> ast.TextTest:
        return self._text(expr, "ends_with", pattern)

    def matches(self, expr: ast.Expr, _kw: Token, pattern: Token) -> ast.TextTest:
        return self._text(expr, "matches", pattern)

    def truthy(self, field: Token) -> ast.Truthy:
        return ast.Truthy(_field(field), _pos(field))

    def any_companion(self, kw: Token, _c: Token, body: ast.Condition) -> ast.Quantifier:
        return ast.Quantifier("any", body, _pos(kw))

    def all_companions(self, kw: Token, _c: Token, body: ast.Condition) -> ast.Quantifier:
        return ast.Quantifier("all", body, _pos(kw))

    def at_least(
        self, kw: Token, _l: Token, count: Token, _of: Token, *operands: ast.Condition
    ) -> ast.AtLeast:
        value = _number(str(count))
        if not isinstance(value, int):
            raise ConditionSyntaxError("'at least' needs a whole number", count.line or 1, 1)
        return ast.AtLeast(value, tuple(operands), _pos(kw))

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
    ordered = list(dict.fromkeys(text for name, text in _EXPECTED_ORDER if name in expected))
    known = {name for name, _ in _EXPECTED_ORDER}
    ordered += sorted(name for name in expected if name not in known and not name.startswith("_"))
    if len(ordered) > _MAX_EXPECTED:
        ordered = [*ordered[:_MAX_EXPECTED], "..."]
    return ", ".join(ordered)


_CURLY: Final = "\u201c\u201d\u2018\u2019\u00ab\u00bb"


def _hint_for(text: str, offset: int) -> str:
    """What the author most likely meant at ``offset``, for the usual slips."""
    rest = text[offset:]
    if rest.startswith("&&"):
        return "write 'and' instead of '&&'"
    if rest.startswith("||"):
        return "write 'or' instead of '||'"
    if rest.startswith("!") and not rest.startswith("!="):
        return "write 'not' instead of '!'"
    if rest.startswith("=") and not rest.startswith("=="):
        return "compare with '==' (a single '=' is not an operator)"
    if rest[:1] and rest[0] in _CURLY:
        return "use straight quotes (\" or '), not typographic quotes pasted from a word processor"
    if rest[:1] in ('"', "'"):
        return "strings need closing quotes"
    if rest.startswith("~") or rest.lower().startswith(("like", "=~", "regex")):
        return "test a pattern with 'field matches \"regex\"' (RE2, whole string)"
    return ""


def _end_position(text: str) -> tuple[int, int]:
    lines = text.splitlines() or [""]
    return len(lines), len(lines[-1]) + 1


def _offset(text: str, line: int, column: int) -> int:
    lines = text.split("\n")
    return sum(len(x) + 1 for x in lines[: line - 1]) + column - 1


def parse_condition(text: str) -> ast.Condition:
    """Parse one condition; raises ConditionSyntaxError with line, column and a hint."""
    if not text.strip():
        raise ConditionSyntaxError("the condition is empty", 1, 1)
    try:
        tree = _parser().parse(text)
    except UnexpectedEOF as error:
        line, column = _end_position(text)
        raise ConditionSyntaxError(
            f"the condition ends too early; expected {_describe_expected(set(error.expected))}",
            line,
            column,
        ) from None
    except UnexpectedToken as error:
        token = error.token
        if token.type == "$END":
            line, column = _end_position(text)
            problem = "the condition ends too early"
            hint = ""
        else:
            line, column = error.line, error.column
            problem = f"unexpected '{token}'"
            hint = _hint_for(text, _offset(text, line, column))
            if not hint and str(token) in KEYWORDS:
                hint = f"'{token}' is a keyword of the language and cannot stand here"
        raise ConditionSyntaxError(
            f"{problem}; expected {_describe_expected(set(error.expected))}",
            line,
            column,
            hint,
        ) from None
    except UnexpectedCharacters as error:
        offset = error.pos_in_stream or 0
        char = text[offset] if offset < len(text) else ""
        raise ConditionSyntaxError(
            f"unexpected character '{char}'",
            error.line,
            error.column,
            _hint_for(text, offset),
        ) from None
    except UnexpectedInput as error:  # pragma: no cover - other lark input errors
        raise ConditionSyntaxError(str(error), error.line, error.column) from None
    try:
        result: ast.Condition = _ToTree().transform(tree)
    except VisitError as error:
        if isinstance(error.orig_exc, ConditionSyntaxError):
            raise error.orig_exc from None
        raise
    return result
