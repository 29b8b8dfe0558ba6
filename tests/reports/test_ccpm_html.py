"""The self-contained CCPM page: statuses, colours and numbers equal the view; no external resource."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

import pytest
from ccpm_report_fixtures import report_from, write_scores_view

from reports.ccpm_data import format_score
from reports.ccpm_html import render_ccpm_html, write_ccpm_html
from transforms.ccpm_bands import band_status, status_colour


@pytest.fixture
def page(sqlite_url):
    report = report_from(write_scores_view(sqlite_url))
    return render_ccpm_html(report), report


class _Collector(HTMLParser):
    """Attributes of every start tag, to check references and data attributes."""

    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def _text(fragment: str) -> str:
    """Visible text of an HTML fragment: line breaks become spaces, tags vanish, whitespace collapses."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", re.sub(r"<br\s*/?>", " ", fragment))).split())


def test_no_external_resource_and_print_styles(page):
    text, _ = page
    assert "http://" not in text and "https://" not in text
    parser = _Collector()
    parser.feed(text)
    referencing = [(t, a) for t, a in parser.tags if {"src", "href"} & set(a) or t in ("link", "script", "img")]
    assert referencing == []
    assert "@media print" in text and "print-color-adjust: exact" in text


def test_overall_cells_show_the_view_status_colour_and_score(page):
    text, report = page
    cells = re.findall(r'<td class="cell" data-unit="([^"]+)" data-status="([^"]+)" '
                       r'style="background:#(\w{6})">(.*?)</td>', text, re.S)
    by_code = {code: (status, colour, _text(body)) for code, status, colour, body in cells}
    assert set(by_code) == {s["unit_code"] for s in report.subfunctions()}
    for sub in report.subfunctions():
        status, colour, shown = by_code[sub["unit_code"]]
        assert status == sub["status"] == band_status(sub["score"])
        assert colour == status_colour(sub["status"])
        assert shown.endswith(f"{sub['status']} ({format_score(sub['score'])})")


def test_function_headers_in_report_order_with_labelled_function_score(page):
    text, report = page
    headers = re.findall(r'<table class="overall">\s*<tr>(.*?)</tr>', text, re.S)[0]
    assert [_text(h) for h in re.findall(r"<th>(.*?)</th>", headers)] == \
        [f"{f['unit_code']}. {f['unit_name']}" for f in report.functions()]
    function_cells = dict(re.findall(r'<td class="muted function-score" data-unit="(\d+)">(.*?)</td>', text, re.S))
    assert _text(function_cells["1"]) == "Function-level score (not a CCPM status): 62.5%; worst sub-function: 1.1"


def test_indicator_rows_equal_the_view(page):
    text, report = page
    rows = re.findall(r'<tr data-unit="([^"]+)" data-status="([^"]+)">(.*?)</tr>', text, re.S)
    indicators = report.units("indicator").to_dict("records")
    assert [code for code, _, _ in rows] == [i["unit_code"] for i in indicators]
    for (code, status, body), expected in zip(rows, indicators):
        assert status == expected["status"]
        assert f">{format_score(expected['score'])}<" in body
        assert f"background:#{status_colour(status)}" in body


def test_chart_bars_coloured_by_band(page):
    text, report = page
    bars = re.findall(r'<g data-code="([^"]+)" data-status="([^"]+)">.*?<rect [^>]*fill="#(\w{6})"', text, re.S)
    assert [(c, s) for c, s, _ in bars] == [(r["unit_code"], r["status"]) for r in report.subfunctions()]
    assert all(colour == status_colour(status) for _, status, colour in bars)
    assert re.search(r'<g data-code="1.1"[^>]*>.*?<rect [^>]*width="180.0"', text, re.S)  # 50% of 360


def test_response_rates_comments_and_cover(page, tmp_path):
    text, report = page
    assert re.search(r'data-org-type="other"><td>Other</td><td class="num">3</td>', text)
    assert 'data-org-type="ingo"' not in text and 'data-org-type="nngo"' not in text
    assert "Meetings are too long" in text and "Good maps" in text
    assert "P1" not in _text(text).split()
    assert "SSD" in text and "CCCM" in text and "2025-03-01 to 2025-03-14" in text
    path = write_ccpm_html(tmp_path / "r" / "ccpm.html", report)
    assert path.read_text(encoding="utf-8") == text


def test_distributions_show_partners_and_coordinators_side_by_side_with_dont_know(page):
    text, report = page
    rows = {(r["indicator"], r["code"]): r for r in report.distribution_pivot("1.1")}
    # partners answered 1.1.2 with "2" and "99" (one each); the coordinator with "1"
    assert (rows[("1.1.2", "99")]["partner_share"], rows[("1.1.2", "99")]["special"]) == (0.5, "dont_know")
    assert (rows[("1.1.2", "1")]["coordinator_share"], rows[("1.1.2", "1")]["partner_n"]) == (1.0, 0)
    row = re.search(r'<tr data-indicator="1.1.2" data-code="99">(.*?)</tr>', text, re.S).group(1)
    cells = [_text(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
    assert cells[1:] == ["Don't know (not scored: don't know)", "1", "50%", "0", "–"]
