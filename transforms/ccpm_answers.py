"""Long CCPM answers: one row per respondent × scored question, read from a flattened staging table.

The form is the source of truth: survey column ``indicator`` tags a scored question, ``scale`` gives its
scored code range (``0-4``, ``1-5``), choice column ``special`` marks don't-know / not-applicable /
precondition-absent codes, and the question with ``role`` = ``org_type`` holds the organisation type.
Values are normalised to 0..1 here; whether a special code scores is decided later by the scoring settings.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable

import pandas as pd

from forms.definition import Field, FormDef
from transforms.flatten import column_names

RESPONDENT_TYPES = ("partner", "coordinator")
SPECIAL_CODES = ("dont_know", "not_applicable", "precondition_absent")
ANSWER_COLUMNS = [
    "respondent_id", "respondent_type", "org_type", "question", "indicator", "subfunction", "function",
    "code", "value", "special", "question_label", "code_label",
]
COMMENT_COLUMNS = ["respondent_type", "function", "question", "comment"]


def scale_of(form: FormDef, field: Field) -> tuple[float, float]:
    """The (min, max) scored codes of a question from its ``scale`` column (``0-4``)."""
    raw = field.extra.get("scale", "")
    try:
        low, high = (float(part) for part in raw.split("-"))
    except ValueError:
        raise ValueError(
            f"form {form.form_id!r}, question {field.name!r}: scale {raw!r} is not 'min-max' "
            f"(e.g. 0-4 or 1-5); set the survey column 'scale' of every question with an indicator"
        ) from None
    if high <= low:
        raise ValueError(f"form {form.form_id!r}, question {field.name!r}: scale {raw!r} has max <= min")
    return low, high


def scored_fields(form: FormDef) -> list[Field]:
    """Questions tagged with a CCPM indicator, at submission level."""
    return [f for f in form.fields_in(None) if f.extra.get("indicator")]


def org_type_field(form: FormDef) -> Field | None:
    return next((f for f in form.fields if f.extra.get("role") == "org_type"), None)


def normalise(code: str, low: float, high: float) -> float:
    """(code − min) / (max − min) for a code inside the scale; NaN otherwise (not scored)."""
    try:
        number = float(code)
    except (TypeError, ValueError):
        return math.nan
    if math.isnan(number) or not low <= number <= high:
        return math.nan
    return (number - low) / (high - low)


def _code_text(value) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return None
    text = str(value).strip()
    if text.endswith(".0") and text[:-2].lstrip("-").isdigit():
        text = text[:-2]
    return text or None


def _column(form: FormDef, field: Field) -> str:
    """The staging column of a question (its name, or its path when two questions share the name)."""
    return column_names(form).get(field.path, field.name)


def _question_rows(form: FormDef, field: Field, table: pd.DataFrame, base: pd.DataFrame) -> pd.DataFrame:
    low, high = scale_of(form, field)
    choices = {c.name: c for c in form.choices.get(field.list_name or "", [])}
    column = _column(form, field)
    codes = table[column].map(_code_text) if column in table else pd.Series(None, index=table.index)
    keep = codes.notna()
    rows = base[keep].copy()
    codes = codes[keep].astype(str)
    specials = codes.map(lambda c: choices[c].extra.get("special") if c in choices else None)
    unknown = set(specials.dropna()) - set(SPECIAL_CODES)
    if unknown:
        raise ValueError(f"form {form.form_id!r}, list {field.list_name!r}: special {sorted(unknown)} "
                         f"is not one of {', '.join(SPECIAL_CODES)}")
    indicator = field.extra["indicator"]
    rows["question"] = field.name
    rows["indicator"] = indicator
    rows["subfunction"] = indicator.rsplit(".", 1)[0]
    rows["function"] = indicator.split(".", 1)[0]
    rows["code"] = codes
    rows["value"] = [normalise(c, low, high) if pd.isna(s) else math.nan for c, s in zip(codes, specials)]
    rows["special"] = specials
    rows["question_label"] = field.label()
    rows["code_label"] = codes.map(lambda c: choices[c].labels.get("English (en)") or
                                   next(iter(choices[c].labels.values()), c) if c in choices else c)
    return rows


def answers_long(form: FormDef, table: pd.DataFrame, respondent_type: str) -> pd.DataFrame:
    """Scored answers of one questionnaire as a long table (blank answers dropped, special codes kept).

    ``table`` is the flattened main table (columns named like the questions, codes as strings,
    ``submission_key`` per respondent). ``value`` is NaN for special codes and codes outside the scale.
    """
    if respondent_type not in RESPONDENT_TYPES:
        raise ValueError(f"respondent_type must be one of {RESPONDENT_TYPES}, got {respondent_type!r}")
    if "submission_key" not in table:
        raise ValueError(f"form {form.form_id!r}: the table has no 'submission_key' column")
    org_field = org_type_field(form)
    org_column = _column(form, org_field) if org_field else None
    base = pd.DataFrame({
        "respondent_id": table["submission_key"].astype(str),
        "respondent_type": respondent_type,
        "org_type": table[org_column].map(_code_text) if org_column in table else None,
    }, index=table.index)
    parts = [_question_rows(form, f, table, base) for f in scored_fields(form)]
    parts = [p for p in parts if not p.empty]
    if not parts:
        return empty_answers()
    answers = pd.concat(parts, ignore_index=True)[ANSWER_COLUMNS]
    return answers.astype({**{c: "str" for c in ANSWER_COLUMNS}, "value": "float64"})


def empty_answers() -> pd.DataFrame:
    frame = pd.DataFrame({c: pd.Series(dtype="str") for c in ANSWER_COLUMNS})
    return frame.astype({"value": "float64"})


REDACTED = "[removed]"
_CONTACTS = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+|https?://\S+|www\.\S+|\+?\d[\d ()./-]{6,}\d")


def redact(text: str, names: Iterable[str] = ()) -> str:
    """A comment without e-mail addresses, web addresses, phone numbers and the given organisation names."""
    text = _CONTACTS.sub(REDACTED, text)
    for name in sorted({n for n in names if n and len(n) > 2}, key=len, reverse=True):
        text = re.sub(rf"(?<!\w){re.escape(name)}(?!\w)", REDACTED, text, flags=re.IGNORECASE)
    return text


def comments_long(form: FormDef, table: pd.DataFrame, respondent_type: str,
                  names: Iterable[str] = ()) -> pd.DataFrame:
    """Open comments per CCPM function, anonymous: no organisation, no submission id, blanks dropped,
    contact details and the given organisation ``names`` replaced by "[removed]" (``redact``).

    Comments are sorted by function and text, so their order cannot link one respondent's comments.
    """
    names = list(names)
    parts = []
    for f in form.fields_in(None):
        function, column = f.extra.get("function"), _column(form, f)
        if not function or column not in table:
            continue
        texts = table[column].map(_code_text).dropna()
        parts.append(pd.DataFrame({"respondent_type": respondent_type, "function": str(function),
                                   "question": f.name,
                                   "comment": texts.astype(str).map(lambda t: redact(t, names))}))
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype="str") for c in COMMENT_COLUMNS})
    comments = pd.concat(parts, ignore_index=True)[COMMENT_COLUMNS]
    return comments.sort_values(["function", "comment"], ignore_index=True)


def org_type_labels(form: FormDef, lang: str = "English (en)") -> dict[str, str]:
    """Organisation type code → label, from the choice list of the ``role`` = ``org_type`` question."""
    field = org_type_field(form)
    choices = form.choices.get(field.list_name or "", []) if field else []
    return {c.name: c.labels.get(lang) or next(iter(c.labels.values()), c.name) for c in choices}


def participants(form: FormDef, table: pd.DataFrame) -> dict[str, int]:
    """Organisations taking part per type, from the coordinator form's ``role`` = ``participants`` questions
    (column ``org_type`` names the type). With several coordinator responses the last row counts."""
    counts: dict[str, int] = {}
    for f in form.fields_in(None):
        column = _column(form, f)
        if f.extra.get("role") != "participants" or column not in table:
            continue
        values = pd.to_numeric(table[column], errors="coerce").dropna()
        if not values.empty:
            counts[f.extra.get("org_type", f.name)] = int(values.iloc[-1])
    return counts


def avg_attendance(form: FormDef, table: pd.DataFrame) -> float | None:
    """Average number of organisations attending cluster meetings (question ``avg_attendance``, or the one
    with ``role`` = ``attendance``), the denominator of the effective response rate; the last row counts."""
    for f in form.fields_in(None):
        column = _column(form, f)
        if (f.name == "avg_attendance" or f.extra.get("role") == "attendance") and column in table:
            values = pd.to_numeric(table[column], errors="coerce").dropna()
            return float(values.iloc[-1]) if not values.empty else None
    return None
