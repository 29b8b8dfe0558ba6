"""HRP and CPMS marts and views on SQLite and PostgreSQL: created idempotently, rows replaced, views readable."""

from __future__ import annotations

import pandas as pd
import pytest

from connectors.synthetic import generate
from forms.definition import load_form
from transforms.cpms_progress import CELLS, cpms_progress, group_priority
from transforms.flatten import flatten
from transforms.hrp_fivew import Lists, fivew_lines
from transforms.hrp_framework import load_framework
from transforms.hrp_indicators import indicator_progress
from warehouse.db import dispose, engine
from warehouse.hrp_marts import (
    create_hrp_objects,
    write_cpms_priority,
    write_cpms_progress,
    write_fivew_activities,
    write_indicator_progress,
)
from warehouse.staging import read_table


@pytest.fixture(scope="module")
def lines() -> pd.DataFrame:
    form = load_form("fivew_monthly")
    records = [{"submission_key": r["meta/rootUuid"], "version_key": r["_uuid"], "payload": r}
               for r in generate(form, 25, 3)]
    tables = flatten(form, records)
    return fivew_lines(tables["stg_fivew_monthly"], tables["stg_fivew_monthly__activities"], Lists.read())


@pytest.fixture
def eng(warehouse_url):
    eng = engine(warehouse_url)
    create_hrp_objects(eng)
    create_hrp_objects(eng)  # idempotent
    yield eng
    dispose(warehouse_url)


def test_fivew_view_returns_the_lines_written_and_a_rewrite_replaces_them(eng, lines):
    with eng.begin() as conn:
        assert write_fivew_activities(conn, lines, "L1") == len(lines)
    with eng.begin() as conn:
        write_fivew_activities(conn, lines.head(5), "L2")
    view = read_table(eng, "fivew_activities")
    assert len(view) == 5
    expected = lines.head(5).sort_values(["submission_key", "ordinal"]).reset_index(drop=True)
    for column in ("admin2_pcode", "month", "indicator_code", "reached_new", "new_girls", "pwd_total"):
        assert view[column].astype(object).tolist() == expected[column].astype(object).tolist()
    assert view["counts_people"].astype(bool).tolist() == expected["counts_people"].astype(bool).tolist()


def test_indicator_progress_view_replaces_one_reporting_period_and_keeps_others(eng, lines):
    lists = Lists.read()
    framework = load_framework()
    january = indicator_progress(lines, framework, lists, "2025-11-01", "2025-11-30")
    quarter = indicator_progress(lines, framework, lists, "2025-11-01", "2026-01-31")
    with eng.begin() as conn:
        write_indicator_progress(conn, january, "L1")
        write_indicator_progress(conn, quarter, "L1")
        write_indicator_progress(conn, quarter, "L2")
    view = read_table(eng, "hrp_indicator_progress")
    assert list(view.columns[:7]) == ["indicator_code", "admin_pcode", "period", "achieved", "target", "baseline",
                                      "progress"]
    assert view.groupby("reporting_period").size().to_dict() == {
        "2025-11-01/2025-11-30": len(january), "2025-11-01/2026-01-31": len(quarter)}
    got = view[view["reporting_period"] == "2025-11-01/2026-01-31"].set_index(
        ["indicator_code", "admin_pcode", "period"]).sort_index()
    want = quarter.set_index(["indicator_code", "admin_pcode", "period"]).sort_index()
    pd.testing.assert_series_equal(got["achieved"].astype("float64"), want["achieved"], check_names=False)
    pd.testing.assert_series_equal(got["progress"].astype("float64"), want["progress"], check_names=False)


def test_cpms_views_replace_one_reporting_period_and_keep_others(eng):
    indicators = pd.DataFrame([{"code": "1.2.1", "standard": "1", "measure": "yes_no", "kind": "action",
                                "label_en": "Plan agreed"},
                               {"code": "9.1.1", "standard": "9", "measure": "percent", "kind": "outcome",
                                "label_en": "Outcome"}])
    main = pd.DataFrame({"submission_key": ["a"], "reporting_org": ["AHA"], "admin1": ["SS01"],
                         "reporting_month": ["2026-01-01"], "has_response_plan": ["no"],
                         "priority_standards": ["1 9 18 26"]})
    reports = pd.DataFrame([{"submission_key": "a", "indicator": "9.1.1", "numerator": 3, "denominator": 4,
                             **{c: 1 for c in CELLS}}, {"submission_key": "a", "indicator": "1.2.1",
                                                        "achieved": "yes"}])
    rows = cpms_progress(main, reports, indicators, {"9.1.1": "70", "1.2.1": "yes"},
                         pillar_of={"1": "1", "9": "2"})
    priority = group_priority(main, {"1": "1", "9": "2", "18": "3", "26": "4"})
    with eng.begin() as conn:
        write_cpms_progress(conn, rows, "2026-01-01/2026-01-31", "L1")
        write_cpms_progress(conn, rows.head(1), "2026-01-01/2026-03-31", "L1")
        write_cpms_progress(conn, rows, "2026-01-01/2026-03-31", "L2")
        write_cpms_priority(conn, priority, "2026-01-01/2026-03-31", "L2")
        write_cpms_priority(conn, priority, "2026-01-01/2026-03-31", "L3")
    view = read_table(eng, "cpms_indicator_progress")
    assert view.groupby("reporting_period").size().to_dict() == {"2026-01-01/2026-01-31": 2,
                                                                  "2026-01-01/2026-03-31": 2}
    got = view[view["reporting_period"] == "2026-01-01/2026-03-31"].set_index("indicator_code")
    assert float(got.loc["9.1.1", "value"]) == 75.0 and bool(got.loc["9.1.1", "met"]) is True
    assert got.loc["9.1.1", "pillar"] == "2" and got.loc["1.2.1", "target"] == "yes"
    assert float(got.loc["9.1.1", "num_girls"]) == 1.0 and int(got.loc["9.1.1", "reports"]) == 1
    chosen = read_table(eng, "cpms_priority_standards").to_dict("records")
    assert [(c["standards"], bool(c["rule_passed"])) for c in chosen] == [("1 9 18 26", True)]
