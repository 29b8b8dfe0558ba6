"""HRP outputs end to end: staged 5W → marts → files; every number in every file equals the warehouse views."""

from __future__ import annotations

import csv
import re

import pandas as pd
import pytest
from openpyxl import load_workbook

from connectors.synthetic import generate
from flows.config import parse_config
from flows.hrp import run_hrp
from forms.definition import load_form
from reports.hrp_xlsx import read_table as read_sheet
from reports.hxl import read_hxl_csv
from transforms.flatten import flatten
from transforms.hrp_fivew import Lists, in_period
from transforms.hrp_framework import load_framework
from transforms.hrp_targets import targets_by_unit
from transforms.people_reached import METHOD, people_reached
from warehouse import staging
from warehouse.db import dispose, engine
from warehouse.staging import read_table

START, END = "2025-11-01", "2026-01-31"
PERIOD = f"{START}/{END}"
HRP_MD_TAGS = {"#org +impl +name", "#org +reporting", "#sector +cluster", "#activity +code", "#indicator +code",
               "#adm1 +code", "#adm2 +code", "#date +start", "#date +end", "#reached +ind",
               "#reached +disabled"}


def config(url: str, out, forms=("fivew_monthly",)):
    return parse_config({"country": "SSD", "cluster": "CP", "warehouse": url, "reports_dir": str(out),
                         "sources": {"kobo": {"kind": "kobo"}},
                         "forms": [{"form": f, "source": "kobo"} for f in forms],
                         "reporting_period": {"start": START, "end": END}})


def stage_fivew(url: str, n: int = 40) -> None:
    form = load_form("fivew_monthly")
    records = [{"submission_key": r["meta/rootUuid"], "version_key": r["_uuid"], "payload": r}
               for r in generate(form, n, 2)]
    with engine(url).begin() as conn:
        staging.replace(conn, "fivew_monthly", dict(flatten(form, records)))


def run(url: str, out) -> dict:
    stage_fivew(url)
    files = run_hrp(config(url, out), "load-1")
    eng = engine(url)
    lines = in_period(read_table(eng, "fivew_activities"), START, END)
    progress = read_table(eng, "hrp_indicator_progress")
    progress = progress[(progress["reporting_period"] == PERIOD) & (progress["period_type"] == "period")]
    return {"files": {p.name.split("_2026-01-31")[-1] if "hrp_" in p.name else p.name.split("_")[0] + p.suffix:
                      p for p in files}, "lines": lines, "progress": progress}


@pytest.fixture(scope="module")
def sqlite_run(tmp_path_factory):
    path = tmp_path_factory.mktemp("hrp")
    url = f"sqlite:///{path / 'w.db'}"
    yield run(url, path / "reports")
    dispose(url)


def number(value) -> float:
    return float("nan") if value is None or (isinstance(value, str) and not value) or pd.isna(value) \
        else float(value)


def same(a, b) -> bool:
    a, b = number(a), number(b)
    return (pd.isna(a) and pd.isna(b)) or a == pytest.approx(b)


def test_every_output_equals_the_views(warehouse_url, tmp_path):
    result = run(warehouse_url, tmp_path)
    files, progress = result["files"], result["progress"].set_index(["indicator_code", "admin_pcode"])
    assert set(files) == {"_pmr.xlsx", "_caseload_hxl.csv", "_indicators_hxl.csv", "_rpm.csv", "_dashboard.html",
                          "fivew.xlsx", "fivew.csv", "presence.csv"}
    book = load_workbook(files["_pmr.xlsx"])
    for sheet, level in (("Indicators", 0), ("Indicators by admin 1", 1)):
        _, _, rows = read_sheet(book[sheet])
        assert len(rows) == int((result["progress"]["admin_level"] == level).sum())
        for row in rows:
            code = row["Indicator"]
            place = row["Admin 1 p-code"] if level else "SS"
            view = progress.loc[(code, place)]
            assert same(row["Achieved"], view["achieved"]) and same(row["Target"], view["target"])
            assert same(row["Baseline"], view["baseline"])
            assert same(next(v for k, v in row.items() if k.startswith("Progress")), view["progress"])
    _, _, hxl_rows = read_hxl_csv(files["_indicators_hxl.csv"])
    assert len(hxl_rows) == len(progress)
    for row in hxl_rows:
        key = (row["Indicator"], {"0": "SS", "1": row["Admin 1 p-code"], "2": row["Admin 2 p-code"]}[row["Admin level"]])
        assert same(row["Achieved"], progress.loc[key, "achieved"])
    with open(files["_rpm.csv"], encoding="utf-8") as fh:
        rpm = list(csv.DictReader(fh))
    reached = [r for r in rpm if r["metric"] == "reached" and r["indicator"] != "people_reached"]
    assert len(reached) == int(progress["achieved"].notna().sum())
    for row in reached:
        assert same(row["value"], progress.loc[(row["indicator"], row["location_pcode"]), "achieved"])
    people = people_reached(result["lines"])
    assert book["Cover"]["B7"].value == people.total["reached"] and book["Cover"]["B8"].value == METHOD
    _, _, caseload = read_hxl_csv(files["_caseload_hxl.csv"])
    country = next(r for r in caseload if r["Admin level"] == "0")
    assert int(country["People reached (no double counting)"]) == people.total["reached"]
    assert int(country["Reached: persons with disabilities"]) == people.total["pwd"]
    _, _, fivew = read_hxl_csv(files["fivew.csv"])
    assert len(fivew) == len(result["lines"])
    assert sum(int(r["Reached (new)"]) for r in fivew) == int(result["lines"]["reached_new"].sum())
    dispose(warehouse_url)


def test_hxl_hashtag_rows_sit_under_the_header_with_the_tags_of_hrp_md(sqlite_run):
    files = sqlite_run["files"]
    tags = set()
    for name in ("fivew.csv", "_caseload_hxl.csv", "_indicators_hxl.csv", "presence.csv"):
        with open(files[name], encoding="utf-8") as fh:
            rows = list(csv.reader(fh))
        assert all(t.startswith("#") for t in rows[1]) and not any(c.startswith("#") for c in rows[0])
        assert all(re.fullmatch(r"#[a-z][a-z0-9_]*( \+[a-z][a-z0-9_]*)*", t) for t in rows[1]), rows[1]
        for row in rows[2:]:
            for tag, cell in zip(rows[1], row):
                if tag.split()[0] in ("#inneed", "#targeted", "#reached") and cell:
                    float(cell)  # numbers only under these hashtags
        tags |= set(rows[1])
    assert HRP_MD_TAGS <= tags
    assert {"#inneed", "#targeted", "#reached +f +children", "#reached +m +adults", "#reached +f +elderly"} <= tags


def test_the_dashboard_is_self_contained_and_shows_the_view_figures(sqlite_run):
    html = sqlite_run["files"]["_dashboard.html"].read_text(encoding="utf-8")
    assert not re.search(r"https?://|<script|<link|src=", html)
    assert "<svg" in html and "<style>" in html
    reached = people_reached(sqlite_run["lines"]).total["reached"]
    assert f"{reached:,}" in html
    for month in sqlite_run["lines"]["month"].unique():
        assert f'data-month="{month}"' in html


def test_the_5w_workbook_and_presence_match_the_view(sqlite_run):
    book = load_workbook(sqlite_run["files"]["fivew.xlsx"])
    _, tags, rows = read_sheet(book["5W"])
    assert tags[0] == "#org +reporting" and len(rows) == len(sqlite_run["lines"])
    _, _, presence = read_sheet(book["Operational presence"])
    lines = sqlite_run["lines"]
    assert sum(r["Activity lines"] for r in presence) == len(lines)
    assert len(presence) == len(lines.groupby(["implementing_partner", "admin2_pcode", "activity_code"]))


def test_no_files_when_the_5w_is_not_configured_or_not_staged(tmp_path):
    url = f"sqlite:///{tmp_path / 'w.db'}"
    assert run_hrp(config(url, tmp_path, forms=("ccpm_partner",)), "L") == []
    assert run_hrp(config(url, tmp_path), "L") == []
    assert not (tmp_path / "hrp").exists()
    dispose(url)


def test_rpm_people_reached_rows_carry_the_caseload_in_need_and_target_per_admin2(sqlite_run):
    with open(sqlite_run["files"]["_rpm.csv"], encoding="utf-8") as fh:
        people = [r for r in csv.DictReader(fh) if r["indicator"] == "people_reached"]
    caseload = targets_by_unit(load_framework(), Lists.read())
    caseload = caseload[(caseload["indicator_code"] == "caseload") & (caseload["admin_level"] == 2)]
    for metric, column in (("in-need", "in_need"), ("target", "target"), ("baseline", "baseline")):
        got = {r["location_pcode"]: float(r["value"]) for r in people if r["metric"] == metric}
        want = caseload.dropna(subset=[column]).set_index("admin_pcode")[column].to_dict()
        assert got == want and all(r["disaggregation"] == "total" for r in people if r["metric"] == metric)
    assert len([r for r in people if r["metric"] == "in-need"]) > 0
    reached = {r["location_pcode"] for r in people if r["metric"] == "reached"}
    assert reached == set(people_reached(sqlite_run["lines"]).by_admin2["admin2_pcode"])


def test_a_table_longer_than_an_excel_sheet_goes_on_in_numbered_sheets(tmp_path, monkeypatch):
    import pandas as pd
    from openpyxl import Workbook, load_workbook

    from reports import hrp_xlsx

    monkeypatch.setattr(hrp_xlsx, "EXCEL_MAX_ROWS", 6)  # 2 header rows + 4 data rows per sheet
    columns = [("partner", "Partner", "#org"), ("achieved", "Achieved", "#reached")]
    frame = pd.DataFrame({"partner": [f"P{i}" for i in range(10)], "achieved": [float(i) for i in range(10)]})
    book = Workbook(write_only=True)
    titles = hrp_xlsx.write_long_table(book, "5W", columns, frame)
    book.save(tmp_path / "t.xlsx")
    assert titles == ["5W", "5W (2)", "5W (3)"]
    read = load_workbook(tmp_path / "t.xlsx")
    rows = [r for t in titles for r in hrp_xlsx.read_table(read[t])[2]]
    assert [r["Partner"] for r in rows] == list(frame["partner"])
    assert [r["Achieved"] for r in rows] == list(range(10))
    assert read["5W"]["B3"].number_format == "#,##0.##" and read["5W"].freeze_panes == "A3"


def test_a_5w_longer_than_the_workbook_limit_points_to_the_csv_that_holds_every_line(tmp_path):
    url = f"sqlite:///{tmp_path / 'w.db'}"
    stage_fivew(url)
    cfg = config(url, tmp_path / "reports")
    cfg.fivew_workbook_max_lines = 3
    files = {p.name: p for p in run_hrp(cfg, "load-1")}
    book = next(p for name, p in files.items() if name.startswith("fivew_") and name.endswith(".xlsx"))
    csv_name = next(name for name in files if name.startswith("fivew_") and name.endswith("_hxl.csv"))
    note = load_workbook(book)["5W"]["A1"].value
    assert "fivew_workbook_max_lines" in note and csv_name in note
    _, _, rows = read_hxl_csv(files[csv_name])
    assert len(rows) > 3  # the CSV still holds every line
    dispose(url)


def test_a_table_two_outputs_show_is_made_once_and_handed_out_as_copies():
    from types import SimpleNamespace

    from reports.hrp_tables import once, partner_table

    calls = []

    @once
    def table(data):
        calls.append(1)
        return pd.DataFrame({"a": [1]})

    data = SimpleNamespace(tables={})
    first = table(data)
    first.loc[0, "a"] = 9  # what one output does to its copy, the next does not see
    assert table(data)["a"].tolist() == [1] and calls == [1]
    assert partner_table.__wrapped__ is not partner_table  # the PMR's and the dashboard's table is made once
