"""Plausible answers for one question, drawn from the form definition itself.

Everything a value needs is read from the FormDef: the answer list (and its ``special`` codes), the
``role`` column (organisation type), the ``function`` column (open comments), simple numeric
constraints (``. <= 50``) and choice filters (``admin1=${admin1}``). Values are KoBo-shaped strings.
"""

from __future__ import annotations

import hashlib
import math
import random
import re
from functools import lru_cache
from datetime import datetime, timedelta

from forms.definition import Choice, Field, FormDef

SPECIAL_RATE = 0.10
COMMENT_RATE = 0.40
DEFAULT_INT_RANGE = (0, 100)
DEFAULT_DECIMAL_RANGE = (0.0, 1000.0)

ORG_TYPE_WEIGHTS = (  # (pattern on code and labels, weight): national NGOs report most, donors least
    (r"\bauthorit|\bgovernment|\bgov\b", 8), (r"\binternational\b|\bingo\b", 30),
    (r"\bnational\b|\bnngo\b|\blocal\b", 35), (r"\bun\b|united nations", 15), (r"\bdonor", 3),
    (r"\bacadem", 2), (r"\bprivate\b", 2), (r"\bobserver", 2),
)
COMMENTS = (
    "Meetings are useful but start late and run over time.",
    "The 5W template changes too often; please keep it stable for the year.",
    "Sub-national coordination needs a dedicated focal point.",
    "Information products arrive after decisions are already made.",
    "More joint needs assessments with local partners would help.",
    "Translation of key documents into the local language is still missing.",
    "Good follow-up on gaps raised during the last workshop.",
    "Feedback from affected people is collected but rarely discussed in meetings.",
    "Funding allocation criteria should be shared before the call for proposals.",
    "Contingency plan exists but has not been tested this year.",
)
WORDS = ("north", "river", "camp", "market", "hill", "central", "east", "lake", "new", "old")
CONSTRAINT_BOUND = re.compile(r"\.\s*(<=|>=|<|>)\s*(-?\d+(?:\.\d+)?)")
CHOICE_FILTER = re.compile(r"^\s*(\w+)\s*=\s*\$\{(\w+)\}\s*$")


def numeric_bounds(field: Field, default: tuple[float, float]) -> tuple[float, float]:
    """The range allowed by simple constraints such as ``. >= 0 and . <= 500``."""
    low, high = default
    for op, number in CONSTRAINT_BOUND.findall(field.constraint or ""):
        value = float(number)
        if op in ("<=", "<"):
            high = value - (1 if op == "<" and field.type == "integer" else 0)
        else:
            low = value + (1 if op == ">" and field.type == "integer" else 0)
    return (low, max(low, high))


_CACHE: dict[int, tuple[FormDef, dict]] = {}


def _form_cache(form: FormDef) -> dict:
    """Per-form lookups computed once (generation asks them for every question of every row)."""
    cached = _CACHE.get(id(form))
    if cached is None or cached[0] is not form:
        cached = _CACHE[id(form)] = (form, {"filters": _filters(form), "split": {}})
    return cached[1]


def _filters(form: FormDef) -> dict[str, tuple[str, str]]:
    rules = {}
    for row in form.sheets.get("survey", []):
        match = CHOICE_FILTER.match(str(row.get("choice_filter") or ""))
        if match:
            rules[str(row.get("name") or "").strip()] = (match.group(1), match.group(2))
    return rules


def choice_filter(form: FormDef, field: Field) -> tuple[str, str] | None:
    """``(choice column, question name)`` when the question filters its list by an earlier answer."""
    return _form_cache(form)["filters"].get(field.name)


def _split(choices: list[Choice]) -> tuple[list[Choice], list[Choice], list[int]]:
    """(regular choices, special codes, organisation-type weights of the regular ones)."""
    special = [c for c in choices if c.extra.get("special")]
    regular = [c for c in choices if not c.extra.get("special")] or special
    return regular, special, [_org_weight(c) for c in regular]


def _org_weight(choice: Choice) -> int:
    return _text_weight(f"{choice.name} {' '.join(choice.labels.values())}".lower())


@lru_cache(maxsize=4096)
def _text_weight(text: str) -> int:
    text = text.replace("_", " ")
    for pattern, weight in ORG_TYPE_WEIGHTS:
        if re.search(pattern, text):
            return weight
    return 2


def pick_select_one(form: FormDef, field: Field, rng: random.Random, answered: dict) -> str | None:
    choices = form.choices.get(field.list_name or "", [])
    rule = choice_filter(form, field)
    if rule:
        column, question = rule
        parent = answered.get(question)
        choices = [c for c in choices if parent is None or c.extra.get(column) == parent] or choices
        regular, special, weights = _split(choices)
    else:
        splits = _form_cache(form)["split"]
        if field.list_name not in splits:
            splits[field.list_name] = _split(choices)
        regular, special, weights = splits[field.list_name]
    if not regular:
        return None
    if special and rng.random() < SPECIAL_RATE:
        return rng.choice(special).name
    if field.extra.get("role") == "org_type":
        return rng.choices(regular, weights=weights)[0].name
    if field.extra.get("indicator") and len(regular) > 2:
        return rng.choices(regular, weights=scored_weights(regular, field.extra["indicator"]))[0].name
    return rng.choice(regular).name


def tendency(indicator: str) -> float:
    """How well a sub-function is rated in synthetic data (0..1, fixed per sub-function code), so a demo
    report shows strong and weak areas side by side instead of every score near the middle."""
    sub = indicator.rsplit(".", 1)[0]
    return 0.1 + 0.85 * (int(hashlib.sha1(sub.encode()).hexdigest()[:6], 16) % 1000) / 999


def scored_weights(regular: list[Choice], indicator: str) -> list[float]:
    """Answer weights peaking at the sub-function's tendency on the answer scale (codes in order)."""
    ordered = sorted(range(len(regular)), key=lambda i: _numeric(regular[i].name))
    target, last = tendency(indicator), len(regular) - 1
    weights = [0.0] * len(regular)
    for rank, i in enumerate(ordered):
        weights[i] = math.exp(-((rank / last - target) ** 2) / 0.06)
    return weights


def _numeric(code: str) -> float:
    try:
        return float(code)
    except ValueError:
        return 0.0


def pick_select_multiple(form: FormDef, field: Field, rng: random.Random) -> str | None:
    codes = [c.name for c in form.choices.get(field.list_name or "", []) if not c.extra.get("special")]
    if not codes:
        return None
    return " ".join(sorted(rng.sample(codes, rng.randint(1, min(3, len(codes)))), key=codes.index))


def pick_text(field: Field, rng: random.Random) -> str | None:
    if field.extra.get("function"):
        return rng.choice(COMMENTS) if rng.random() < COMMENT_RATE else None
    return f"{rng.choice(WORDS).title()} {rng.choice(WORDS)} {rng.randint(1, 99)}"


def pick_number(field: Field, rng: random.Random) -> str:
    if field.type == "decimal":
        low, high = numeric_bounds(field, DEFAULT_DECIMAL_RANGE)
        return f"{rng.uniform(low, high):.2f}"
    low, high = numeric_bounds(field, DEFAULT_INT_RANGE)
    return str(rng.randint(int(low), int(high)))


def pick_geopoint(rng: random.Random) -> str:
    lat, lon = rng.uniform(3.5, 12.0), rng.uniform(24.0, 35.0)
    return f"{lat:.6f} {lon:.6f} {rng.uniform(300, 700):.1f} {rng.uniform(3, 20):.1f}"


def pick_value(form: FormDef, field: Field, rng: random.Random, answered: dict,
               when: datetime) -> str | None:
    """One answer as KoBo sends it (a string), or None to leave the question unanswered."""
    kind = field.type
    if kind == "select_one":
        return pick_select_one(form, field, rng, answered)
    if kind in ("select_multiple", "rank"):
        return pick_select_multiple(form, field, rng)
    if kind in ("integer", "decimal", "range"):
        return pick_number(field, rng)
    if kind == "text":
        return pick_text(field, rng)
    if kind == "date":
        return (when - timedelta(days=rng.randint(0, 60))).date().isoformat()
    if kind in ("start", "end", "dateTime", "datetime"):
        moment = when - timedelta(minutes=rng.randint(5, 40) if kind == "start" else rng.randint(0, 4))
        return moment.strftime("%Y-%m-%dT%H:%M:%S.000+00:00")
    if kind == "today":
        return when.date().isoformat()
    if kind == "time":
        return f"{rng.randint(7, 17):02d}:{rng.randint(0, 59):02d}:00.000+00:00"
    if kind == "geopoint":
        return pick_geopoint(rng)
    if kind in ("deviceid", "username", "phonenumber", "simserial", "subscriberid"):
        return f"collect:{rng.getrandbits(48):012x}" if kind == "deviceid" else f"user{rng.randint(1, 40)}"
    if kind in ("acknowledge", "trigger"):
        return "OK"
    if kind == "barcode":
        return str(rng.getrandbits(40))
    return None  # calculate, attachments, geotrace/geoshape and unknown types stay empty
