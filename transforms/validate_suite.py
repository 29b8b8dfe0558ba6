"""The Great Expectations suite a form implies, and the one ephemeral GX context of the process.

From the form definition: ``required`` (not null) for questions that are required and unconditional (no
``relevant`` on the question or any enclosing group); ``choice_unknown`` for select_one (in set) and
select_multiple (every code in the list, as a regex); ``range`` for integer/decimal questions whose constraint
is a simple comparison chain such as ``. >= 0 and . <= 100``. Other constraints are left to the server, which
enforces them at entry. Each expectation carries ``meta`` = {rule, field, ...} to turn failures into issues.
"""

from __future__ import annotations

import os
import re
import threading
from functools import lru_cache

from forms.definition import Field, FormDef
from transforms.issues import as_text, label

NUMBER = r"-?\d+(?:\.\d+)?"
LEFT = re.compile(rf"^\.\s*(>=|<=|>|<)\s*({NUMBER})$")
RIGHT = re.compile(rf"^({NUMBER})\s*(>=|<=|>|<)\s*\.$")
FLIP = {">=": "<=", "<=": ">=", ">": "<", "<": ">"}
NUMERIC = {"integer", "decimal", "range"}


_CONTEXT_LOCK = threading.Lock()


def warm_up() -> threading.Thread:
    """Import Great Expectations and build the context in a background thread (importing it costs 3-4 s
    of CPU): a night starts this before its pull, whose waits on the server then hide most of it."""
    thread = threading.Thread(target=gx_context, name="clustermon-gx-warm-up", daemon=True)
    thread.start()
    return thread


def gx_context():
    """The process's ephemeral GX context, with one pandas data source, analytics and progress bars off
    (built once; thread-safe, so a warm-up thread and the night can both ask for it)."""
    with _CONTEXT_LOCK:
        return _gx_context()


@lru_cache(maxsize=1)
def _gx_context():
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    import great_expectations as gx
    from great_expectations.data_context.types.base import (DataContextConfig, InMemoryStoreBackendDefaults,
                                                            ProgressBarsConfig)

    # No default Data Docs site: GX would create a temporary folder for it in every process, and they
    # pile up night after night. Data Docs are built on request into reports/validation/ (feedback.py).
    config = DataContextConfig(store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False))
    context = gx.get_context(project_config=config, mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    context.data_sources.add_pandas("clustermon")
    return context


def parse_range(constraint: str | None) -> dict | None:
    """``{min_value, max_value, strict_min, strict_max}`` from the simple comparisons of an ``and`` chain.

    ``. >= 0 and . <= ${total}`` gives ``min_value=0`` (the other conjunct is left to the business rules);
    a constraint with ``or`` gives None, as its comparisons are not each required.
    """
    if not constraint or re.search(r"\bor\b", constraint):
        return None
    bounds: dict = {}
    for part in re.split(r"\s+and\s+", constraint.strip()):
        part = part.strip().strip("()").strip()
        left, right = LEFT.match(part), RIGHT.match(part)
        if not (left or right):
            continue
        op, number = (left.group(1), left.group(2)) if left else (FLIP[right.group(2)], right.group(1))
        side = "min" if op.startswith(">") else "max"
        bounds[f"{side}_value"] = float(number)
        bounds[f"strict_{side}"] = len(op) == 1
    return bounds or None


def conditional_paths(form: FormDef) -> set[str]:
    """Paths of groups and repeats that carry a ``relevant`` expression (their questions are conditional)."""
    stack, conditional = [], set()
    for row in form.sheets.get("survey", []):
        kind = str(row.get("type") or "").strip().lower().replace("_", " ")
        if kind in ("begin group", "begin repeat"):
            stack.append(str(row.get("name") or "").strip())
            if row.get("relevant"):
                conditional.add("/".join(stack))
        elif kind in ("end group", "end repeat") and stack:
            stack.pop()
    return conditional


def _unconditional(field: Field, conditional: set[str]) -> bool:
    return not field.relevant and not any(field.path.startswith(p + "/") for p in conditional)


def build_suite(form: FormDef, repeat: str | None, columns):
    """The ExpectationSuite for one table of the form (only columns present in ``columns``)."""
    import great_expectations as gx
    import great_expectations.expectations as gxe
    from transforms.flatten import column_names, table_name

    gx_context()
    suite = gx.ExpectationSuite(name=table_name(form, repeat))
    names, conditional, present = column_names(form, repeat), conditional_paths(form), set(columns)
    for f in form.fields_in(repeat):
        column = names[f.path]
        check = f"{column}_lat" if f.type in ("geopoint", "start-geopoint") else column
        if check not in present:
            continue
        meta = {"field": f.name}
        if f.required and _unconditional(f, conditional):
            suite.add_expectation(gxe.ExpectColumnValuesToNotBeNull(
                column=check, meta={**meta, "rule": "required"}))
        codes = form.choice_codes(f.list_name or "")
        if f.type == "select_one" and codes:
            suite.add_expectation(gxe.ExpectColumnValuesToBeInSet(
                column=column, value_set=codes, meta={**meta, "rule": "choice_unknown"}))
        elif f.type == "select_multiple" and codes:
            one = "(?:" + "|".join(re.escape(c) for c in codes) + ")"
            suite.add_expectation(gxe.ExpectColumnValuesToMatchRegex(
                column=column, regex=f"^{one}(?: {one})*$", meta={**meta, "rule": "choice_unknown"}))
        bounds = parse_range(f.constraint) if f.type in NUMERIC else None
        if bounds:
            suite.add_expectation(gxe.ExpectColumnValuesToBeBetween(
                column=column, **bounds, meta={**meta, "rule": "range", **bounds}))
    return suite


def _range_text(meta: dict) -> str:
    low, high = meta.get("min_value"), meta.get("max_value")
    fmt = lambda x: as_text(x)  # noqa: E731  (integral floats print without '.0')
    parts = []
    if low is not None:
        parts.append(f"{'more than' if meta.get('strict_min') else 'at least'} {fmt(low)}")
    if high is not None:
        parts.append(f"{'less than' if meta.get('strict_max') else 'at most'} {fmt(high)}")
    return " and ".join(parts)


GX_RULE_MESSAGES = {
    "required": lambda f, v, m: f"{label(f)} is required but was left empty. Answer it and send the form again.",
    "choice_unknown": lambda f, v, m: (
        f"{label(f)}: {as_text(v, 60)!r} is not one of this question's answers. "
        "Choose an answer from the list (the form may have been filled with an old version)."),
    "range": lambda f, v, m: (
        f"{label(f)} is {as_text(v)}, but it must be {_range_text(m)}. "
        + (f.constraint_message or "Check the number and correct it.")),
}
