"""The demo with the CPMS form deployed on the ODK side: its synthetic reports pass validation, and the CPMS
outputs of the night exist and show the ``cpms_indicator_progress`` view's numbers.

The demo's form list is extended here the way flows/demo.py is meant to carry it
(``"cpms_indicators": ODK`` in DEMO_FORMS and a count in demo_counts).
"""

from __future__ import annotations

import math

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from flows import demo
from reports.hrp_xlsx import read_table as read_sheet
from reports.hxl import read_hxl_csv

pytestmark = [pytest.mark.usefixtures("prefect_server"), pytest.mark.xdist_group("prefect")]
PARTNERS = 6

DEMO_COUNTS = demo.demo_counts


def counts(partners: int) -> dict[str, int]:
    """The demo's counts plus one CPMS report per partner."""
    return {**DEMO_COUNTS(partners), "cpms_indicators": partners}


def _rows(url: str, sql: str) -> list[dict]:
    eng = sa.create_engine(url)
    try:
        with eng.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(sa.text(sql))]
    finally:
        eng.dispose()


def number(value) -> float:
    return math.nan if value in (None, "") else float(value)


def test_the_demo_with_cpms_writes_cpms_outputs_equal_to_the_view(tmp_path, monkeypatch):
    monkeypatch.setattr(demo, "DEMO_FORMS", {**demo.DEMO_FORMS, "cpms_indicators": demo.ODK})
    monkeypatch.setattr(demo, "demo_counts", counts)
    summary = demo.run_demo(tmp_path / "demo", tmp_path / "reports", partners=PARTNERS, seed=3)
    url = f"sqlite:///{tmp_path / 'demo' / 'clustermon.db'}"
    assert summary["failed"] == []
    quarantined = _rows(url, "select count(*) as n from quarantine where form_id = 'cpms_indicators'")
    assert quarantined == [{"n": 0}]  # the synthetic CPMS reports respect the form's rules
    view = {r["indicator_code"]: r for r in _rows(url, "select * from cpms_indicator_progress")}
    priority = _rows(url, "select * from cpms_priority_standards")
    assert view and len(priority) == 1 and priority[0]["rule_passed"]
    assert any(r["value"] is not None for r in view.values())
    hrp = tmp_path / "reports" / "hrp"
    pmr = next(hrp.glob("*_pmr.xlsx"))
    _, _, sheet = read_sheet(load_workbook(pmr)["CPMS"], start=4)
    _, _, csv_rows = read_hxl_csv(next(hrp.glob("cpms_*_hxl.csv")))
    for table in (sheet, csv_rows):
        assert sorted(r["Indicator"] for r in table) == sorted(view)
        for row in table:
            expected = view[row["Indicator"]]
            for header, column in (("Numerator", "numerator"), ("Denominator", "denominator"),
                                   ("Value (%)", "value"), ("Reports answering yes", "yes")):
                got, want = number(row[header]), number(expected[column])
                assert (math.isnan(got) and math.isnan(want)) or got == pytest.approx(want)
    assert 'id="cpms"' in next(hrp.glob("*_dashboard.html")).read_text(encoding="utf-8")
