"""Business rules in plain pandas, registered per form family, and the context they may need.

A rule is ``rule(form, tables, context, orgs) -> list[issue dict]``. Rules are registered for a form family:
``@register("fivew")`` applies to the form ids ``fivew`` and ``fivew_*`` (``fivew_monthly``), ``"*"`` to every
form. Family modules: ``rules_fivew`` (5W), ``rules_cpms`` (CPMS), ``rules_ccpm`` (CCPM). Column names follow
the form's question names, so rules find their questions by name tokens (``reached_new_girls`` pairs with
``reached_total_girls``) or by the form's own metadata (``scale``, choice columns), never by position.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import date

import pandas as pd

from forms.definition import Field, FormDef
from transforms.flatten import column_names, table_name
from transforms.issues import issues_frame

FAMILY_MODULES = ("transforms.rules_fivew", "transforms.rules_cpms", "transforms.rules_ccpm")
Rule = Callable[..., list[dict]]
_REGISTRY: dict[str, list[Rule]] = {}


@dataclass(frozen=True)
class Context:
    """What some rules need beyond the form: all optional, a rule without its input is skipped.

    ``partners``: organisation codes or names allowed to report (compared case-insensitively);
    ``gazetteer``: DataFrame with ``pcode`` and ``parent_pcode`` (admin2 → admin1 and so on);
    ``window``: the reporting window as inclusive (first day, last day).
    """

    partners: Collection[str] | None = None
    gazetteer: pd.DataFrame | None = None
    window: tuple[date, date] | None = None


def register(*families: str):
    """Decorator: run this rule for forms of these families ("*" = all forms)."""
    def wrap(rule: Rule) -> Rule:
        for family in families:
            _REGISTRY.setdefault(family, []).append(rule)
        return rule
    return wrap


def rules_for(form_id: str) -> list[Rule]:
    for module in FAMILY_MODULES:
        importlib.import_module(module)
    found = list(_REGISTRY.get("*", []))
    for family, rules in _REGISTRY.items():
        if family != "*" and (form_id == family or form_id.startswith(family + "_")):
            found.extend(rules)
    return found


def run_rules(form: FormDef, tables: dict, context: Context, orgs: dict) -> pd.DataFrame:
    """Issues from every rule registered for the form's family."""
    rows: list[dict] = []
    for rule in rules_for(form.form_id):
        rows.extend(rule(form, tables, context, orgs))
    return issues_frame(rows)


def levels(form: FormDef, tables: dict):
    """(repeat path or None, frame) for every non-empty table of the form."""
    for repeat in [None, *form.repeats]:
        frame = tables.get(table_name(form, repeat))
        if frame is not None and len(frame):
            yield repeat, frame


def find_field(form: FormDef, names: Collection[str]) -> Field | None:
    """The first question whose name is one of ``names`` (in the order given)."""
    for name in names:
        for f in form.fields:
            if f.name == name:
                return f
    return None


def column_of(form: FormDef, field: Field) -> str:
    return column_names(form, field.repeat)[field.path]


def at_level(form: FormDef, tables: dict, repeat: str | None, fields: list[Field]) -> pd.DataFrame | None:
    """The table of ``repeat`` with the columns of ``fields`` added from the main table where needed."""
    frame = tables.get(table_name(form, repeat))
    main = tables.get(table_name(form))
    if frame is None or main is None:
        return None
    wanted = {f.name: column_of(form, f) for f in fields if f.repeat is None and repeat is not None}
    if wanted:
        lookup = main.drop_duplicates("submission_key").set_index("submission_key")
        frame = frame.copy()
        for name, column in wanted.items():
            frame[name] = lookup[column].reindex(frame["submission_key"]).set_axis(frame.index)
    return frame


def field_by_column(form: FormDef, repeat: str | None) -> dict[str, Field]:
    names = column_names(form, repeat)
    return {names[f.path]: f for f in form.fields_in(repeat)}


def swap_token(column: str, old: str, new: str) -> str | None:
    """``reached_new_girls`` → ``reached_total_girls`` (whole ``_``-separated tokens only), else None."""
    tokens = column.split("_")
    if tokens.count(old) != 1:
        return None
    return "_".join(new if t == old else t for t in tokens)


def numeric(frame: pd.DataFrame, column: str) -> bool:
    return column in frame.columns and pd.api.types.is_numeric_dtype(frame[column]) \
        and not pd.api.types.is_bool_dtype(frame[column])


def row_issues(form: FormDef, repeat: str | None, frame: pd.DataFrame, mask, rule: str, field: str | None,
               value_of: Callable[[int], object], message_of: Callable[[int], str], orgs: dict) -> list[dict]:
    """Issue rows for the rows of ``frame`` where ``mask`` is true (positions passed to the callbacks)."""
    from transforms.issues import issue, where

    rows = []
    mask = pd.Series(mask, index=frame.index).fillna(False).astype(bool).to_numpy()
    positions = mask.nonzero()[0]
    if not len(positions):
        return rows
    keys = frame["submission_key"].to_numpy()  # read once: a column lookup per issue cost ~0.4 ms
    paths = frame["ordinal_path"].to_numpy() if repeat else None
    for pos in positions:
        key = keys[pos]
        prefix = where(form, repeat, paths[pos] if repeat else None)
        rows.append(issue(form.form_id, key, rule, field, value_of(pos), prefix + message_of(pos),
                          orgs.get(key)))
    return rows


def above_partner_issues(form: FormDef, tables: dict, orgs: dict, partner_of: Callable[[str], str | None],
                         rule: str, message: Callable[[Field, Field, object, object, str], str]) -> list[dict]:
    """Issues where a number exceeds its partner column (new > total, numerator > denominator).

    ``partner_of(column)`` names the column a numeric column must not exceed (None: no partner);
    ``message(field, partner_field, value, partner_value, column)`` says what to change.
    """
    rows = []
    for repeat, frame in levels(form, tables):
        fields = field_by_column(form, repeat)
        for top in [c for c in fields if numeric(frame, c)]:
            bottom = partner_of(top)
            if not bottom or not numeric(frame, bottom):
                continue
            a, b = frame[top], frame[bottom]
            rows += row_issues(form, repeat, frame, a > b, rule, top, lambda p: a.iloc[p],
                               lambda p: message(fields[top], fields[bottom], a.iloc[p], b.iloc[p], top), orgs)
    return rows


def relevant_rows(form: FormDef, frame: pd.DataFrame, field: Field) -> pd.Series:
    """Rows where ``field`` is relevant, for the simple ``${q} = 'v'`` / ``!=`` form; other forms → all rows."""
    import re

    match = re.fullmatch(r"\s*\$\{(\w+)\}\s*(!?=)\s*'([^']*)'\s*", field.relevant or "")
    other = find_field(form, [match.group(1)]) if match else None
    if other is None or column_of(form, other) not in frame.columns:
        return pd.Series(True, index=frame.index)
    equal = frame[column_of(form, other)].astype("str") == match.group(3)
    return equal if match.group(2) == "=" else ~equal
