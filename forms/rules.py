"""Evaluate a form's constraint or relevant expression on plain values, outside a phone.

The forms' rules are written once, in XLSForm (``constraint``, ``relevant``); this evaluator lets tests and
server-side validation check the same rule on submitted values instead of re-declaring it. It covers the
XPath subset the shipped forms use: numbers, quoted strings, ``${name}``, ``.``, ``+ - * div``, comparisons,
``and or not()``, ``selected()``, ``count-selected()``, ``today()``. Anything else raises ``RuleError``.
"""

from __future__ import annotations

import datetime as dt
import re

_ALLOWED = re.compile(r"^(?:\s+|\d+(?:\.\d+)?|'[^']*'|\"[^\"]*\"|\$\{\w+\}|\.|[-+*()<>!=,]|"
                      r"and|or|not|div|selected|count-selected|today)*$")
_TOKEN = re.compile(r"'[^']*'|\"[^\"]*\"|\$\{\w+\}|count-selected|\d+(?:\.\d+)?|\w+|<=|>=|!=|[-+*()<>=,.]")


class RuleError(ValueError):
    """The expression uses XPath this evaluator does not support."""


def _selected(values, code) -> bool:
    return str(code) in str(values or "").split()


def _count_selected(values) -> int:
    return len(str(values or "").split())


def to_python(expr: str) -> str:
    """The expression rewritten as a Python expression over ``_self`` and ``_v('name')``."""
    if not _ALLOWED.match(expr):
        raise RuleError(f"unsupported expression: {expr!r}")
    out = []
    for token in _TOKEN.findall(expr):
        if token.startswith("${"):
            out.append(f"_v({token[2:-1]!r})")
        elif token == ".":
            out.append("_self")
        elif token == "=":
            out.append("==")
        elif token == "div":
            out.append("/")
        elif token == "count-selected":
            out.append("_count_selected")
        elif token == "selected":
            out.append("_selected")
        else:
            out.append(token)
    return " ".join(out)


def evaluate(expr: str, value=None, values: dict | None = None, today: dt.date | None = None) -> bool:
    """Whether the rule holds: ``value`` is ``.``, ``values`` holds the other questions by name.

    Dates compare as ISO strings (as ODK does for ``date`` fields against ``today()``).
    """
    values = values or {}

    def lookup(name: str):
        if name not in values:
            raise RuleError(f"expression {expr!r} refers to ${{{name}}}, which has no value")
        return values[name]

    namespace = {"_self": value, "_v": lookup, "_selected": _selected, "_count_selected": _count_selected,
                 "today": lambda: (today or dt.date.today()).isoformat()}
    return bool(eval(to_python(expr), {"__builtins__": {}}, namespace))  # noqa: S307 - restricted grammar
