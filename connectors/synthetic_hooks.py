"""Consistency hooks: small rules that make generic synthetic answers respect a form's business rules.

Generic generation draws every answer independently, which breaks rules that tie answers together
(a 5W total must equal the sum of its sex x age cells; people reached for the first time cannot
exceed the total). Each hook is registered here with the test that says when it applies, and runs
on one level of a submission (the main row or one repeat instance) after its answers are drawn.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from typing import Callable

from forms.definition import Field, FormDef

SUM_CONSTRAINT = re.compile(r"^\s*\.\s*=\s*(\$\{\w+\}(?:\s*\+\s*\$\{\w+\})+)\s*$")
AT_MOST_REFERENCE = re.compile(r"\.\s*<=?\s*\$\{(\w+)\}")
NUMERIC = ("integer", "decimal")


@dataclass(frozen=True)
class Hook:
    name: str
    applies: Callable[[FormDef], bool]
    apply: Callable[[FormDef, list[Field], dict, random.Random], None]


HOOKS: list[Hook] = []


def register(name: str, applies: Callable[[FormDef], bool]):
    """Decorator: add a hook that runs on every level of every submission of the forms it applies to."""
    def wrap(func):
        HOOKS.append(Hook(name, applies, func))
        return func
    return wrap


def run_hooks(form: FormDef, level_fields: list[Field], values: dict, rng: random.Random) -> None:
    for hook in HOOKS:
        if hook.applies(form):
            hook.apply(form, level_fields, values, rng)


def _int(values: dict, path: str) -> int | None:
    raw = values.get(path)
    try:
        return int(float(raw)) if raw is not None else None
    except ValueError:
        return None


def _clamp_to_references(level_fields: list[Field], values: dict, rng: random.Random, skip: set) -> None:
    """``. <= ${other}``: redraw an answer above its limit within [0, limit]."""
    paths = {f.name: f.path for f in level_fields}
    for field in level_fields:
        if field.name in skip:
            continue
        for name in AT_MOST_REFERENCE.findall(field.constraint or ""):
            own, limit = _int(values, field.path), _int(values, paths.get(name, ""))
            if own is not None and limit is not None and own > limit:
                values[field.path] = str(rng.randint(0, max(0, limit)))


def _sums(field: Field) -> list[str]:
    """The cells a total adds up: the ``sum_of`` column, or a constraint ``. = ${a} + ${b}``."""
    if field.extra.get("sum_of"):
        return field.extra["sum_of"].split()
    match = SUM_CONSTRAINT.match(field.constraint or "")
    return re.findall(r"\$\{(\w+)\}", match.group(1)) if match else []


def _has_linked_numbers(form: FormDef) -> bool:
    return any(_sums(f) or AT_MOST_REFERENCE.search(f.constraint or "")
               for f in form.fields if f.type in NUMERIC)


@register("totals_and_limits", _has_linked_numbers)
def totals_and_limits(form: FormDef, level_fields: list[Field], values: dict, rng: random.Random) -> None:
    """A 5W line: every total equals the sum of its sex x age cells, ``new`` cells stay within their
    ``total`` cells (so new <= total), and counts such as persons with disabilities stay within the
    totals they reference. Order matters: cells first, then sums, then limits on the sums."""
    paths = {f.name: f.path for f in level_fields}
    totals = {f.name: _sums(f) for f in level_fields if _sums(f)}
    _clamp_to_references(level_fields, values, rng, skip=set(totals))
    for name, cells in totals.items():
        if paths[name] in values or any(paths.get(c) in values for c in cells):
            values[paths[name]] = str(sum(_int(values, paths[c]) or 0 for c in cells if c in paths))
    _clamp_to_references(level_fields, values, rng, skip=set(totals))
