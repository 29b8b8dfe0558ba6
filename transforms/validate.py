"""Validate flattened tables: a Great Expectations suite generated from the form, then business rules.

``validate(form, tables, context)`` returns ``(clean_tables, issues)``. Issues come from three places, all in
``transforms.issues.ISSUE_COLUMNS``: flatten's typing (``FlatTables.issues``: ``type_*``,
``malformed_payload``), the GX suite (``required``, ``choice_unknown``, ``range``) and the rules registered for
the form (``transforms.rules``). A submission with any issue is removed whole, main row and every repeat row;
all other rows pass untouched.

The suite runs on each table with the row position as the DataFrame index. It runs first with
``result_format="BASIC"`` (pass or fail and counts per expectation: ~30% less than a full result, and most
expectations of a batch pass), then once more, with ``"COMPLETE"``, for the expectations that failed alone:
every unexpected value maps back to its row without ``unexpected_index_column_names`` (much slower). The
validation result kept for Data Docs carries the full result of every expectation that failed.
"""

from __future__ import annotations

import weakref

import pandas as pd

from forms.definition import FormDef
from transforms.flatten import table_name
from transforms.issues import ISSUE_COLUMNS, concat_issues, issue, issues_frame, org_field, where
from transforms.rules import Context, run_rules
from transforms.validate_suite import GX_RULE_MESSAGES, build_suite, gx_context

__all__ = ["Context", "gx_frame", "quarantine", "validate"]


def validate(form: FormDef, tables: dict[str, pd.DataFrame], context: Context | None = None,
             collect: list | None = None) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    """Clean tables and the issues found; GX validation results are appended to ``collect`` when given."""
    problems = [getattr(tables, "issues", None)]
    orgs = _orgs(form, tables)
    for repeat in [None, *form.repeats]:
        name = table_name(form, repeat)
        if name in tables and len(tables[name]):
            problems.append(_run_suite(form, repeat, tables[name], orgs, collect))
    problems.append(run_rules(form, tables, context or Context(), orgs))
    issues = _tidy(concat_issues(problems))
    return quarantine(tables, issues), issues


def quarantine(tables: dict[str, pd.DataFrame], issues: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The tables without any row of a submission that has an issue."""
    bad = set(issues["submission_key"].dropna())
    return {name: frame[~frame["submission_key"].isin(bad)].reset_index(drop=True)
            for name, frame in tables.items()}


def _orgs(form: FormDef, tables) -> dict:
    org = org_field(form)
    main = tables.get(table_name(form))
    if org is None or main is None or org.name not in main.columns:
        return {}
    return dict(zip(main["submission_key"], main[org.name]))


_SUITES: dict[tuple, tuple] = {}


def suite_for(form: FormDef, repeat: str | None, columns):
    """``build_suite``, built once per form object, table and set of columns. Building costs ~0.8 s
    (GX and pydantic construct every expectation); a night validates dozens of batches of one form."""
    key = (id(form), repeat, tuple(map(str, columns)))
    hit = _SUITES.get(key)
    if hit is not None and hit[0]() is form:
        return hit[1]
    for stale in [k for k, (ref, _) in _SUITES.items() if ref() is None]:
        del _SUITES[stale]
    suite = build_suite(form, repeat, columns)
    _SUITES[key] = (weakref.ref(form), suite)
    return suite


def _run_suite(form, repeat, frame, orgs, collect) -> pd.DataFrame:
    suite = suite_for(form, repeat, frame.columns)
    if not suite.expectations:
        return issues_frame()
    batch = _batch_definition(table_name(form, repeat)).get_batch(
        batch_parameters={"dataframe": gx_frame(frame, suite)})
    result = validate_in_two_passes(batch, suite)
    if collect is not None:
        collect.append(result)
    rows, keys = [], frame["submission_key"].to_numpy()  # read once, not per issue
    paths = frame["ordinal_path"].to_numpy() if repeat else None
    for outcome in result.results:
        if outcome.success:
            continue
        meta = outcome.expectation_config.meta or {}
        values = outcome.result.get("unexpected_list") or [None] * len(outcome.result.get(
            "unexpected_index_list") or [])
        for position, value in zip(outcome.result.get("unexpected_index_list") or [], values):
            position = int(position)
            rows.append(_gx_issue(form, repeat, keys[position], paths[position] if repeat else None, meta,
                                  value, orgs))
    return issues_frame(rows)


def validate_in_two_passes(batch, suite):
    """``batch.validate(suite)``: counts for every expectation, full results for those that failed.

    GX's cost is mostly per expectation, not per row, and a ``COMPLETE`` result asks for more metrics per
    expectation than ``BASIC`` (every unexpected value and its row): the first pass costs ~30% less (a
    20,000-submission 5W batch: 0.58 against 0.83 s of CPU), and the second runs only the few expectations
    that failed. Their full results replace their ``BASIC`` ones, in place, so the result reads as one
    ``COMPLETE`` validation for every expectation that failed; the passed ones keep their counts, which Data
    Docs show. (``BOOLEAN_ONLY`` would save 0.1 s more but leave Data Docs without observed values.)"""
    import great_expectations as gx

    result = batch.validate(suite, result_format="BASIC")
    failed = {_identity(o.expectation_config): i for i, o in enumerate(result.results) if not o.success}
    if not failed:
        return result
    again = gx.ExpectationSuite(name=suite.name)
    for expectation in suite.expectations:
        if _identity(expectation.configuration) in failed:
            again.add_expectation(expectation.copy(update={"id": None}))
    for outcome in batch.validate(again, result_format="COMPLETE").results:
        index = failed.get(_identity(outcome.expectation_config))
        if index is not None:
            result.results[index] = outcome
    return result


def _identity(config) -> tuple:
    """What tells a suite's expectations apart (``build_suite`` makes one per rule and column)."""
    return config.type, config.kwargs.get("column"), (config.meta or {}).get("rule")


def gx_frame(frame: pd.DataFrame, suite) -> pd.DataFrame:
    """What GX is given: only the columns the suite checks, row position as index, nullable numbers as
    float64 (NaN for null).

    GX hashes the whole frame per batch and checks ranges value by value in Python unless the column is a
    plain numpy int/float; both costs grow with every batch of a large night. Whole numbers up to 2**53
    (flatten's limit) are exact as float64, and issue values print the same (``as_text`` drops ``.0``).
    """
    columns = list(dict.fromkeys(e.column for e in suite.expectations))
    out = frame[columns].reset_index(drop=True)
    for column in columns:
        dtype = out[column].dtype
        if pd.api.types.is_extension_array_dtype(dtype) and pd.api.types.is_numeric_dtype(dtype) \
                and not pd.api.types.is_bool_dtype(dtype):
            out[column] = out[column].astype("float64")
    return out


def _gx_issue(form, repeat, key, ordinal_path, meta, value, orgs) -> dict:
    field = form.field(meta["field"]) if meta.get("field") else None
    prefix = where(form, repeat, ordinal_path)
    message = prefix + GX_RULE_MESSAGES[meta["rule"]](field, value, meta)
    return issue(form.form_id, key, meta["rule"], meta.get("field"), value, message, orgs.get(key))


_BATCHES: dict = {}


def _batch_definition(name: str):
    """One pandas data asset and whole-dataframe batch definition per table, created once per process."""
    if name not in _BATCHES:
        source = gx_context().data_sources.get("clustermon")
        _BATCHES[name] = source.add_dataframe_asset(name).add_batch_definition_whole_dataframe(name)
    return _BATCHES[name]


def _tidy(issues: pd.DataFrame) -> pd.DataFrame:
    """Drop exact duplicates and 'required' issues on answers already reported as mistyped (null by typing)."""
    issues = issues.drop_duplicates().reset_index(drop=True)
    typed = issues["rule"].str.startswith("type_").fillna(False).astype(bool)
    mistyped = set(zip(issues.loc[typed, "submission_key"], issues.loc[typed, "field"]))
    redundant = (issues["rule"] == "required") & pd.Series(
        [(k, f) in mistyped for k, f in zip(issues["submission_key"], issues["field"])], dtype=bool)
    return issues.loc[~redundant, ISSUE_COLUMNS].reset_index(drop=True)
