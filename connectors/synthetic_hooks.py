"""Consistency hooks: small rules that make generic synthetic answers respect a form's business rules.

Generic generation draws every answer independently, which breaks rules that tie answers together
(a 5W total must equal the sum of its sex x age cells; people reached for the first time cannot
exceed the total). Each hook is registered here with the test that says when it applies, and runs
on one level of a submission (the main row or one repeat instance) after its answers are drawn.
"""

from __future__ import annotations

import random
import re
import weakref
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


# CPMS (shared/domain/hrp.md, "CPMS"): the group's priority standards and one report per indicator.
PILLARS = ("1", "2", "3", "4")
MAX_PRIORITY = 10
_CPMS_STATE: weakref.WeakKeyDictionary[random.Random, dict] = weakref.WeakKeyDictionary()


def _standards_field(form: FormDef, fields: list[Field]) -> Field | None:
    """The select_multiple whose answer list carries a ``pillar`` column (the priority standards)."""
    return next((f for f in fields if f.type == "select_multiple"
                 and any(c.extra.get("pillar") for c in form.choices.get(f.list_name or "", []))), None)


def _indicator_field(form: FormDef, fields: list[Field]) -> Field | None:
    """The select_one whose answer list carries ``standard`` and ``measure`` (the CPMS indicator)."""
    return next((f for f in fields if f.type == "select_one"
                 and any(c.extra.get("standard") and c.extra.get("measure")
                         for c in form.choices.get(f.list_name or "", []))), None)


def _has_cpms_standards(form: FormDef) -> bool:
    return _standards_field(form, form.fields) is not None


def _draw_standards(form: FormDef, field: Field, rng: random.Random) -> list[str]:
    """4 to 10 standards, at least one per pillar, in the answer list's order."""
    choices = form.choices[field.list_name]
    by_pillar = {p: [c.name for c in choices if c.extra.get("pillar") == p] for p in PILLARS}
    chosen = {rng.choice(names) for names in by_pillar.values() if names}
    others = [c.name for c in choices if c.name not in chosen and c.extra.get("pillar")]
    chosen |= set(rng.sample(others, min(len(others), rng.randint(0, MAX_PRIORITY - len(chosen)))))
    return [c.name for c in choices if c.name in chosen]


def _cpms_main(form: FormDef, field: Field, level_fields: list[Field], values: dict, rng: random.Random) -> None:
    """Priority standards only when the group has no response plan; remembered for the indicator rows."""
    plan = next((values.get(f.path) for f in level_fields if f.name == "has_response_plan"), None)
    standards = None
    if plan == "yes":
        values.pop(field.path, None)
    else:
        standards = _draw_standards(form, field, rng)
        values[field.path] = " ".join(standards)
    _CPMS_STATE[rng] = {"standards": standards, "used": set()}


def _cpms_numbers(paths: dict[str, str], values: dict, rng: random.Random) -> None:
    """numerator <= denominator; girls + boys and the three age groups each add up to the numerator;
    children with disabilities within the numerator."""
    denominator = rng.randint(1, 200)
    numerator = rng.randint(0, denominator)
    girls = rng.randint(0, numerator)
    young = rng.randint(0, numerator)
    middle = rng.randint(0, numerator - young)
    numbers = {"denominator": denominator, "numerator": numerator, "num_girls": girls,
               "num_boys": numerator - girls, "num_age_0_5": young, "num_age_6_11": middle,
               "num_age_12_17": numerator - young - middle, "num_disability": rng.randint(0, numerator // 4)}
    for name, number in numbers.items():
        if name in paths:
            values[paths[name]] = str(number)


def _cpms_report(form: FormDef, field: Field, level_fields: list[Field], values: dict,
                 rng: random.Random) -> None:
    """One indicator report: an indicator of a priority standard not yet reported in this submission, its
    calculated ``measure``, and only the answers relevant to that measure."""
    state = _CPMS_STATE.get(rng, {"standards": None, "used": set()})
    choices = [c for c in form.choices[field.list_name]
               if (state["standards"] is None or c.extra.get("standard") in state["standards"])
               and c.name not in state["used"]] or form.choices[field.list_name]
    indicator = rng.choice(choices)
    state["used"].add(indicator.name)
    values[field.path] = indicator.name
    measure = indicator.extra["measure"]
    paths = {f.name: f.path for f in level_fields}
    if "measure" in paths:
        values[paths["measure"]] = measure
    relevant_to_percent = {f.name for f in level_fields if "'percent'" in (f.relevant or "")}
    numbers = {n for n in paths if n.startswith(("num", "den"))}
    if measure == "percent":
        values.pop(paths.get("achieved", ""), None)
        _cpms_numbers(paths, values, rng)
    else:
        for name in numbers | relevant_to_percent:
            values.pop(paths[name], None)


@register("cpms_priority_and_ratios", _has_cpms_standards)
def cpms_priority_and_ratios(form: FormDef, level_fields: list[Field], values: dict, rng: random.Random) -> None:
    """A CPMS indicator report: 4 to 10 priority standards with at least one per pillar (unless the group
    has a response plan); each indicator row reports an indicator of those standards, once per submission,
    with numerator <= denominator and its sex and age cells adding up to the numerator.

    The main level runs before its repeats are drawn, with the same random generator, which is how the
    indicator rows learn the standards chosen above them."""
    standards = _standards_field(form, level_fields)
    if standards is not None:
        _cpms_main(form, standards, level_fields, values, rng)
    indicator = _indicator_field(form, level_fields)
    if indicator is not None:
        _cpms_report(form, indicator, level_fields, values, rng)
