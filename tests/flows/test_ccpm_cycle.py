"""The CCPM cycle end to end on a real warehouse (SQLite and PostgreSQL): two cycles and their trend, the
anonymity rule in every written file, the report equal to the ``ccpm_scores`` view, the action plan
pre-filled, updated by submissions and followed up with overdue actions first."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import date
from html import unescape
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from connectors.kobo import to_record
from connectors.synthetic import generate
from flows import ccpm
from flows.config import parse_config
from forms.definition import load_form
from transforms.ccpm_answers import scored_fields
from transforms.ccpm_bands import status_colour
from transforms.flatten import flatten
from warehouse import schema, staging
from warehouse.db import engine as get_engine

FORMS = ["ccpm_partner", "ccpm_coordinator", "ccpm_action_plan", "partner_commitments"]
# Partner organisation types: un has 2 responses and must never appear on its own.
ORG_TYPES = ["ingo"] * 4 + ["nngo"] * 3 + ["un"] * 2
# Answer code per function in each cycle: 1 better (Weak → Good), 2 same (Satisfactory), 3 worse (Good → Weak).
CODES = {"2024": {"1": "0", "2": "3", "3": "4"}, "2025": {"1": "4", "2": "3", "3": "0"}}


def _config(url: str, tmp_path: Path, cycle: str, status: str = "final", **extra) -> object:
    cfg = parse_config({
        "country": "SSD", "cluster": "CCCM", "warehouse": url, "reports_dir": str(tmp_path / f"reports{cycle}"),
        "sources": {"k": {"kind": "kobo", "url": "http://127.0.0.1:1"}},
        "forms": [{"form": f, "source": "k"} for f in FORMS],
        "ccpm": {"cycle": cycle, "level": "national", "status": status, "start": f"{cycle}-03-01",
                 "end": f"{cycle}-03-14", "pdf": False, **extra},
    })
    return cfg


def _stage(url: str, form_id: str, n: int, edit) -> None:
    form = load_form(form_id)
    tables = flatten(form, [to_record(r, form_id) for r in generate(form, n, seed=11)])
    tables = {name: edit(name, frame.copy()) for name, frame in tables.items()}
    with get_engine(url).begin() as conn:
        staging.replace(conn, form_id, tables)


def _answers(cycle: str, roles: list[str] | None = None):
    def edit(name, frame):
        if "__" in name:
            return frame
        for f in scored_fields(load_form("ccpm_coordinator" if roles is None else "ccpm_partner")):
            frame[f.name] = CODES[cycle].get(f.extra["indicator"].split(".")[0])
        # Each cycle's survey is a new set of submissions inside its own dates: both stay staged side by
        # side and only the survey window decides which responses a cycle scores.
        frame["submission_key"] = [f"{name}-{cycle}-{i}" for i in range(len(frame))]
        frame["submitted_at"] = pd.Timestamp(f"{cycle}-03-02T09:00:00", tz="UTC")
        if roles is not None:
            frame["org_type"] = roles
            for f in load_form("ccpm_partner").fields_in(None):
                if f.extra.get("function"):
                    frame[f.name] = "Call AHA on +211 912 345 678"
        else:
            frame["avg_attendance"] = 12
            frame["n_orgs_un"], frame["n_orgs_ingo"] = 3, 5
        return frame
    return edit


def _run(url: str, tmp_path: Path, cycle: str, status: str = "final", **extra):
    engine = get_engine(url)
    schema.create_all(engine)
    _stage(url, "ccpm_partner", len(ORG_TYPES), _answers(cycle, ORG_TYPES))
    _stage(url, "ccpm_coordinator", 1, _answers(cycle))
    cfg = _config(url, tmp_path, cycle, status, **extra)
    inputs = ccpm.gather(cfg)
    scores = ccpm.score_cycle(cfg, f"load-{cycle}", inputs)
    return cfg, scores, ccpm.write_report(cfg, inputs, today=date(2025, 9, 1))


def _query(url: str, sql: str, **params) -> list[tuple]:
    with get_engine(url).connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(sql), params)]


def _cells(path: Path) -> list[str]:
    return [str(c.value) for ws in load_workbook(path) for row in ws.iter_rows() for c in row if c.value is not None]


def _text(path: Path) -> str:
    """What a reader sees in an output file (a PDF's text through pdftotext when the machine has it)."""
    if path.suffix == ".xlsx":
        return " ".join(_cells(path))
    if path.suffix == ".pdf":
        if not shutil.which("pdftotext"):
            pytest.skip("pdftotext is not installed: the PDF's text cannot be read")
        return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return unescape(path.read_text())


@pytest.fixture
def two_cycles(warehouse_url, tmp_path):
    _run(warehouse_url, tmp_path, "2024")
    return warehouse_url, *_run(warehouse_url, tmp_path, "2025")


def test_cycles_are_stored_and_the_trend_is_better_same_worse(two_cycles):
    url, cfg, _, files = two_cycles
    assert _query(url, 'select cycle, level, start, status from ccpm_cycles order by cycle') == [
        ("2024", "national", "2024-03-01", "final"), ("2025", "national", "2025-03-01", "final")]
    book = load_workbook(next(p for p in files if p.name == "ccpm_ssd_cccm_2025_final.xlsx"))
    rows = {r[0]: r for r in book["Change"].iter_rows(min_row=5, values_only=True)}
    assert rows["1.1"][3:] == ("Good", 0.0, "Weak", "better")
    assert rows["2.1"][3:] == ("Satisfactory – minor improvement needed", 75.0,
                               "Satisfactory – minor improvement needed", "same")
    assert rows["3.2"][3:] == ("Weak", 100.0, "Good", "worse")
    assert rows["5.1"][-1] == "not comparable"
    page = next(p for p in files if p.suffix == ".html" and p.name.startswith("ccpm_ssd")).read_text()
    changes = dict(re.findall(r'<tr data-unit="([\d.]+)" data-change="([a-z ]+)">', page))
    assert (changes["1.1"], changes["2.3"], changes["3.3"], changes["7.1"]) == \
        ("better", "same", "worse", "not comparable")
    assert "▲ better than 2024 (Weak, 0.0%)" in unescape(page)


def test_trend_tolerance_turns_small_band_changes_into_same(warehouse_url, tmp_path):
    _run(warehouse_url, tmp_path, "2024")
    _, _, files = _run(warehouse_url, tmp_path, "2025", trend_tolerance=100.0)
    book = load_workbook(next(p for p in files if p.name == "ccpm_ssd_cccm_2025_final.xlsx"))
    changes = {r[0]: r[-1] for r in book["Change"].iter_rows(min_row=5, values_only=True)}
    assert changes["1.1"] == changes["3.2"] == "same"


def test_a_type_with_two_responses_never_appears_in_any_output(two_cycles):
    url, _, _, files = two_cycles
    assert {p.suffix for p in files} >= {".xlsx", ".html"}
    for path in files:
        text = _text(path)
        assert "UN agency" not in text, path
        assert "+211" not in text and "AHA" not in text, path  # comments carry nothing identifying
    book = load_workbook(next(p for p in files if p.name == "ccpm_ssd_cccm_2025_final.xlsx"))
    rates = {r[0]: r for r in book["Response rates"].iter_rows(min_row=3, values_only=True)}
    assert rates["Other"][1] == 2 and rates["International NGO"][1:3] == (4, 5)
    assert rates["Total"][1] == 9 and rates["Total"][5] == pytest.approx(9 / 12)


def test_workbook_and_page_equal_the_scores_view(two_cycles):
    url, _, _, files = two_cycles
    view = {(t, c): (s, st) for t, c, s, st in _query(
        url, "select unit_type, unit_code, score, status from ccpm_scores where cycle = '2025'")}
    book = load_workbook(next(p for p in files if p.name == "ccpm_ssd_cccm_2025_final.xlsx"))
    sheet = book["Indicators"]
    for row in sheet.iter_rows(min_row=3):
        score, status = view[(row[0].value, row[1].value)]
        assert row[4].value == status and row[4].fill.fgColor.rgb[-6:] == status_colour(status)
        assert (row[3].value is None and score is None) or row[3].value == pytest.approx(score)
    page = next(p for p in files if p.suffix == ".html" and p.name.startswith("ccpm_ssd")).read_text()
    cells = re.findall(r'<td class="cell" data-unit="([\d.]+)" data-status="([^"]+)" style="background:#(\w+)"',
                       page)
    assert len(cells) == len([k for k in view if k[0] == "subfunction"])
    for code, status, colour in cells:
        assert unescape(status) == view[("subfunction", code)][1] and colour == status_colour(unescape(status))


def _action_plan(submissions: list[dict]):
    """Edit synthetic action-plan submissions: one main row and one action row per given dict."""
    def edit(name, frame):
        if "__" not in name:
            frame = frame.iloc[:len(submissions)].copy()
            frame["submission_key"] = [s["key"] for s in submissions]
            frame["submitted_at"] = pd.to_datetime([s["at"] for s in submissions], utc=True)
            frame["level"], frame["workshop_date"] = "national", pd.Timestamp("2025-03-20")
            return frame
        n = len(submissions)
        frame = pd.DataFrame({"submission_key": [s["key"] for s in submissions], "repeat_path": ["actions"] * n,
                              "ordinal": pd.array([1] * n, dtype="Int64"), "ordinal_path": ["1"] * n,
                              **{c: [s[c] for s in submissions]
                                 for c in ("subfunction", "action", "responsible", "progress")},
                              "deadline": pd.to_datetime([s["deadline"] for s in submissions]),
                              "status": ["weak"] * n, "support_needed": ["ocha hc_hct"] * n})
        return frame.astype({c: "str" for c in frame.columns if frame[c].dtype == object})
    return edit


def test_action_plan_prefilled_updated_by_latest_submission_and_followed_up(warehouse_url, tmp_path):
    url = warehouse_url
    _run(url, tmp_path, "2025", status="preliminary")
    assert _query(url, "select count(*) from ccpm_actions") == [(0,)]  # preliminary: nothing pre-filled
    _run(url, tmp_path, "2025")
    assert _query(url, "select subfunction, action_key, status from ccpm_actions order by subfunction") == [
        (f"3.{i}", "", "Weak") for i in (1, 2, 3)]
    base = {"subfunction": "sf3_1", "action": "Monthly  standards training", "responsible": "Cluster team"}
    _stage(url, "ccpm_action_plan", 3, _action_plan([
        {**base, "key": "late", "at": "2025-06-02T10:00:00Z", "deadline": "2025-08-01", "progress": "in_progress"},
        {**base, "key": "early", "at": "2025-04-01T10:00:00Z", "deadline": "2025-05-01", "progress": "not_started"},
        {"key": "other", "at": "2025-04-02T10:00:00Z", "subfunction": "sf3_3", "action": "Funding brief",
         "responsible": "Lead agency", "deadline": "2025-12-31", "progress": "not_started"}]))
    _, _, files = _run(url, tmp_path, "2025")
    actions = _query(url, "select subfunction, action, progress, deadline, support_needed, source_submission "
                          "from ccpm_actions order by subfunction")
    assert actions == [
        ("3.1", "Monthly  standards training", "In progress", "2025-08-01", "OCHA; HC/HCT", "late"),
        ("3.2", None, None, None, None, None),
        ("3.3", "Funding brief", "Not started", "2025-12-31", "OCHA; HC/HCT", "other")]
    follow = load_workbook(next(p for p in files if p.name.startswith("ccpm_followup") and p.suffix == ".xlsx"))
    rows = list(follow["Follow-up"].iter_rows(min_row=3, values_only=True))
    assert [(r[0], r[5], r[6]) for r in rows] == [("3.1", "OVERDUE", 31), ("3.3", None, None), ("3.2", None, None)]
    page = next(p for p in files if p.name.startswith("ccpm_followup") and p.suffix == ".html").read_text()
    assert page.index('class="overdue" data-unit="3.1"') < page.index('data-unit="3.3"')
