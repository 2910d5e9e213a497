"""Conditional access statements: HCP's boolean expressions (hashicorp/go-bexpr) over the
claims of a workload's identity token, as `jwt_claims.<claim>` selectors.

    <selector> == "<value>"          <selector> != "<value>"
    "<value>" in <selector>          "<value>" not in <selector>
    <selector> contains "<value>"    <selector> not contains "<value>"
    <selector> matches "<regexp>"    <selector> not matches "<regexp>"
    <selector> is empty              <selector> is not empty
    <expr> and <expr>, <expr> or <expr>, not <expr>, ( <expr> )

A regular expression matches anywhere in the value (as Go's MatchString does); anchor it with
^ and $ to match the whole. A selector naming a claim the token lacks makes the statement
false, as HCP refuses such a token.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from packyard.errors import InvalidArgument

MAX_LENGTH = 4096
_TOKEN = re.compile(
    r"""\s*(?:
      (?P<string>"(?:[^"\\]|\\.)*"|`[^`]*`)
    | (?P<op>==|!=|\(|\))
    | (?P<word>[A-Za-z0-9_.\-:/+@*]+)
    )""",
    re.VERBOSE,
)
_SELECTOR = re.compile(r"jwt_claims(\.[A-Za-z0-9_\-:/]+)+")
_ESCAPES = {'"': '"', "\\": "\\", "n": "\n", "t": "\t", "r": "\r"}


class MissingClaim(Exception):
    """A selector names a claim the token does not have."""


@dataclass(frozen=True)
class _Token:
    kind: str  # "string", "op", "word", "end"
    text: str
    position: int


@dataclass(frozen=True)
class Match:
    """One matching expression: a selector, an operator and (but for emptiness) a value."""

    selector: tuple[str, ...]  # the path below jwt_claims
    operator: str  # ==, !=, in, not in, contains, not contains, matches, not matches, ...
    value: str = ""


@dataclass(frozen=True)
class Not:
    operand: Expression


@dataclass(frozen=True)
class Both:
    left: Expression
    right: Expression


@dataclass(frozen=True)
class Either:
    left: Expression
    right: Expression


Expression = Match | Not | Both | Either


def _unquote(text: str) -> str:
    if text.startswith("`"):
        return text[1:-1]
    out, body, i = [], text[1:-1], 0
    while i < len(body):
        char = body[i]
        if char == "\\" and i + 1 < len(body):
            out.append(_ESCAPES.get(body[i + 1], body[i + 1]))
            i += 2
            continue
        out.append(char)
        i += 1
    return "".join(out)


def _tokens(text: str) -> list[_Token]:
    found, position = [], 0
    while position < len(text):
        if text[position:].strip() == "":
            break
        match = _TOKEN.match(text, position)
        if match is None or match.lastgroup is None:
            column = position + len(text[position:]) - len(text[position:].lstrip())
            raise InvalidArgument(f"conditional_access: unexpected character at {column + 1}")
        kind = match.lastgroup
        found.append(_Token(kind, match.group(kind), match.start(kind)))
        position = match.end()
    found.append(_Token("end", "", len(text)))
    return found


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = _tokens(text)
        self.at = 0

    def peek(self, offset: int = 0) -> _Token:
        return self.tokens[min(self.at + offset, len(self.tokens) - 1)]

    def word(self, *words: str) -> bool:
        token = self.peek()
        return token.kind == "word" and token.text in words

    def take(self) -> _Token:
        token = self.peek()
        self.at += 1
        return token

    def fail(self, what: str) -> InvalidArgument:
        token = self.peek()
        shown = token.text or "the end"
        return InvalidArgument(
            f"conditional_access: expected {what} at {token.position + 1}, found {shown!r}"
        )

    def expression(self) -> Expression:
        left = self.conjunction()
        while self.word("or"):
            self.take()
            left = Either(left, self.conjunction())
        return left

    def conjunction(self) -> Expression:
        left = self.unary()
        while self.word("and"):
            self.take()
            left = Both(left, self.unary())
        return left

    def unary(self) -> Expression:
        if self.word("not") and not (self.peek(1).kind == "word" and self.peek(1).text == "in"):
            self.take()
            return Not(self.unary())
        token = self.peek()
        if token.kind == "op" and token.text == "(":
            self.take()
            inner = self.expression()
            if not (self.peek().kind == "op" and self.peek().text == ")"):
                raise self.fail('")"')
            self.take()
            return inner
        return self.match()

    def value(self) -> str:
        token = self.peek()
        if token.kind == "string":
            self.take()
            return _unquote(token.text)
        if token.kind == "word" and not _SELECTOR.fullmatch(token.text):
            self.take()
            return token.text
        raise self.fail("a value")

    def selector(self) -> tuple[str, ...]:
        token = self.peek()
        if token.kind != "word" or not _SELECTOR.fullmatch(token.text):
            raise self.fail("a selector (jwt_claims.<claim>)")
        self.take()
        return tuple(token.text.split(".")[1:])

    def match(self) -> Match:
        first, after = self.peek(), self.peek(1)
        bare = first.kind == "word" and not _SELECTOR.fullmatch(first.text)
        if bare and not (after.kind == "word" and after.text in ("in", "not")):
            raise self.fail("a selector (jwt_claims.<claim>)")
        if first.kind == "string" or bare:
            value = self.value()
            negated = self.word("not")
            if negated:
                self.take()
            if not self.word("in"):
                raise self.fail('"in"')
            self.take()
            return Match(self.selector(), "not in" if negated else "in", value)
        selector = self.selector()
        token = self.peek()
        if token.kind == "op" and token.text in ("==", "!="):
            self.take()
            return Match(selector, token.text, self.value())
        if self.word("is"):
            self.take()
            negated = self.word("not")
            if negated:
                self.take()
            if not self.word("empty"):
                raise self.fail('"empty"')
            self.take()
            return Match(selector, "is not empty" if negated else "is empty")
        negated = self.word("not")
        if negated:
            self.take()
        if self.word("contains", "matches", "in"):
            operator = self.take().text
            value = self.value()
            if operator == "matches":
                _regexp(value)
            return Match(selector, f"not {operator}" if negated else operator, value)
        raise self.fail("an operator (==, !=, contains, matches, is empty)")


def _regexp(pattern: str) -> re.Pattern[str]:
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise InvalidArgument(f"conditional_access: {pattern!r} is not a regexp: {exc}") from None


def parse(text: str) -> Expression:
    """The statement's expression; InvalidArgument, naming where, if it is not one."""
    if not text.strip():
        raise InvalidArgument("conditional_access is required")
    if len(text) > MAX_LENGTH:
        raise InvalidArgument(f"conditional_access is longer than {MAX_LENGTH} characters")
    parser = _Parser(text)
    found = parser.expression()
    if parser.peek().kind != "end":
        raise parser.fail('"and", "or" or the end')
    return found


def _claim(claims: Mapping[str, Any], path: tuple[str, ...]) -> Any:
    value: Any = claims
    for part in path:
        if not isinstance(value, Mapping) or part not in value:
            raise MissingClaim("jwt_claims." + ".".join(path))
        value = value[part]
    return value


def _equal(claim: Any, value: str) -> bool:
    if isinstance(claim, bool):
        return value.lower() == str(claim).lower()
    if isinstance(claim, int | float):
        try:
            return float(value) == float(claim)
        except ValueError:
            return False
    return isinstance(claim, str) and claim == value


def _contains(claim: Any, value: str) -> bool:
    if isinstance(claim, str):
        return value in claim
    if isinstance(claim, list):
        return any(_equal(item, value) for item in claim)
    if isinstance(claim, Mapping):
        return value in claim
    return False


def _holds(match: Match, claims: Mapping[str, Any]) -> bool:
    claim = _claim(claims, match.selector)
    operator = match.operator.removeprefix("not ")
    negated = match.operator.startswith("not ") or match.operator == "!="
    if operator in ("==", "!="):
        result = _equal(claim, match.value)
    elif operator in ("in", "contains"):
        result = _contains(claim, match.value)
    elif operator == "matches":
        result = isinstance(claim, str) and _regexp(match.value).search(claim) is not None
    else:  # is empty / is not empty
        result = claim in ("", None) or (isinstance(claim, list | Mapping) and not claim)
        negated = match.operator == "is not empty"
    return result != negated


def evaluate(expression: Expression, claims: Mapping[str, Any]) -> bool:
    """Whether the claims satisfy the expression; MissingClaim if a selector finds nothing."""
    if isinstance(expression, Match):
        return _holds(expression, claims)
    if isinstance(expression, Not):
        return not evaluate(expression.operand, claims)
    if isinstance(expression, Both):
        return evaluate(expression.left, claims) and evaluate(expression.right, claims)
    return evaluate(expression.left, claims) or evaluate(expression.right, claims)


def verdict(text: str, claims: Mapping[str, Any]) -> tuple[bool, str]:
    """Whether the statement admits the claims, and why not when it does not."""
    try:
        if evaluate(parse(text), claims):
            return True, "the conditional access statement holds"
    except MissingClaim as exc:
        return False, f"the token has no claim {exc}"
    return False, "the token's claims do not satisfy the conditional access statement"
