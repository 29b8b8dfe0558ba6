"""The part of OData ``$filter`` that ODK Central supports on submissions, for the sandbox.

Central filters only on ``__id`` and ``__system/*``; any other field answers 501, as here.
Comparisons ``eq ne gt ge lt le`` joined by ``and``/``or``/``not`` and parentheses; literals are
ISO date-times, quoted strings, numbers and ``null``. Besides evaluating a row, a filter yields
*candidate* ids newest-first — a superset of its matches that avoids scanning a million rows for the
usual incremental filter (``submissionDate gt C or updatedAt gt C``).
"""

from __future__ import annotations

import heapq
import re
from datetime import datetime, timezone
from itertools import groupby

from connectors.sandbox.store import FormStore
from connectors.synthetic_odk import REVIEW_STATES

TOKEN = re.compile(r"\s*('(?:[^']|'')*'|\(|\)|[^\s()]+)")
OPERATORS = {"eq", "ne", "gt", "ge", "lt", "le"}
DATE_FIELDS = {"__system/submissionDate", "__system/updatedAt", "__system/deletedAt"}
FIELDS = DATE_FIELDS | {"__id", "__system/reviewState", "__system/submitterId"}
NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


class FilterError(ValueError):
    """A filter the sandbox cannot read (400)."""


class UnsupportedFilter(FilterError):
    """A filter on a field Central does not filter on (501)."""


def _literal(token: str, field: str):
    if token.startswith("'"):
        value = token[1:-1].replace("''", "'")
    elif token == "null":
        return None
    elif NUMBER.match(token) and field not in DATE_FIELDS:
        return float(token) if "." in token else int(token)
    else:
        value = token
    if field in DATE_FIELDS:
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise FilterError(f"cannot read {token!r} as a date-time for {field}") from None
        return moment.astimezone(timezone.utc).replace(tzinfo=None) if moment.tzinfo else moment
    return value


class _Parser:
    def __init__(self, text: str):
        self.tokens = TOKEN.findall(text)
        self.pos = 0

    def peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def next(self) -> str:
        token = self.peek()
        if token is None:
            raise FilterError("the $filter expression ends too early")
        self.pos += 1
        return token

    def expression(self):
        node = self.term()
        while self.peek() == "or":
            self.next()
            node = ("or", node, self.term())
        return node

    def term(self):
        node = self.factor()
        while self.peek() == "and":
            self.next()
            node = ("and", node, self.factor())
        return node

    def factor(self):
        token = self.next()
        if token == "not":
            return ("not", self.factor())
        if token == "(":
            node = self.expression()
            if self.next() != ")":
                raise FilterError("unbalanced parentheses in $filter")
            return node
        if token not in FIELDS:
            raise UnsupportedFilter(f"The given OData filter expression references fields not supported "
                                    f"by this server: {token}.")
        op = self.next()
        if op not in OPERATORS:
            raise FilterError(f"unknown operator {op!r} after {token} in $filter")
        return ("cmp", token, op, _literal(self.next(), token))


def parse(text: str):
    parser = _Parser(text)
    node = parser.expression()
    if parser.peek() is not None:
        raise FilterError(f"unexpected {parser.peek()!r} in $filter")
    return node


def mentions(node, field: str) -> bool:
    if node[0] == "cmp":
        return node[1] == field
    return any(mentions(child, field) for child in node[1:])


def system_value(store: FormStore, index: int, field: str):
    if field == "__system/submissionDate":
        return store.time_of(index)
    if field == "__system/updatedAt":
        return store.updated_at.get(index)
    if field == "__system/deletedAt":
        return store.deleted_at.get(index)
    if field == "__system/reviewState":
        uid = store.validation.get(index, {}).get("uid", "")
        return REVIEW_STATES.get(uid) or ("edited" if store.edits.get(index) else None)
    if field == "__system/submitterId":
        return "5"
    return store.meta(index)["meta/rootUuid"]


def _compare(op: str, have, want) -> bool:
    if op == "eq":
        return have == want
    if op == "ne":
        return have != want
    if have is None or want is None:
        return False
    try:
        return {"gt": have > want, "ge": have >= want, "lt": have < want, "le": have <= want}[op]
    except TypeError:
        return False


def evaluate(node, store: FormStore, index: int) -> bool:
    kind = node[0]
    if kind == "or":
        return evaluate(node[1], store, index) or evaluate(node[2], store, index)
    if kind == "and":
        return evaluate(node[1], store, index) and evaluate(node[2], store, index)
    if kind == "not":
        return not evaluate(node[1], store, index)
    _, field, op, want = node
    return _compare(op, system_value(store, index, field), want)


def candidates(node, store: FormStore, below: int):
    """Ids < ``below``, newest first, that may match ``node`` (every match is among them)."""
    found = _candidates(node, store, below)
    return range(min(store.n, below - 1), 0, -1) if found is None else found


def _candidates(node, store: FormStore, below: int):
    """Like ``candidates``; None stands for every id."""
    if node is None or node[0] == "not":
        return None
    if node[0] in ("and", "or"):
        left, right = _candidates(node[1], store, below), _candidates(node[2], store, below)
        if node[0] == "and":
            return right if left is None or (right is not None and len(right) < len(left)) else left
        if left is None or right is None:
            return None
        merged = heapq.merge(left, right, reverse=True)
        return _Sized((key for key, _ in groupby(merged)), len(left) + len(right))
    _, field, op, want = node
    if want is None or op == "ne":
        return None
    if field == "__system/submissionDate":
        lo, hi = 1, store.n
        if op in ("gt", "ge", "eq"):
            lo = store.first_at_or_after(want, strict=(op == "gt"))
        if op in ("lt", "le", "eq"):
            hi = store.first_at_or_after(want, strict=(op == "le")) - 1
        return range(min(hi, below - 1), lo - 1, -1)
    if field in ("__system/updatedAt", "__system/deletedAt"):
        changed = store.updated_at if field.endswith("updatedAt") else store.deleted_at
        return sorted((i for i in list(changed) if i < below), reverse=True)
    return None


class _Sized:
    """A lazy iterator with an upper bound on its length (to pick the cheaper side of an ``and``)."""

    def __init__(self, items, bound: int):
        self.items, self.bound = items, bound

    def __iter__(self):
        return iter(self.items)

    def __len__(self) -> int:
        return self.bound
