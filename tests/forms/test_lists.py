"""External choice lists read from CSV: columns checked, source rows win, only used lists are added."""

import pytest

from forms.definition import load_form, parse_markdown
from forms.lists import ListFileError, ListFiles

INLINE = """
| settings |
| | form_id |
| | inline |
| survey |
| | type | name | label |
| | select_one admin1 | admin1 | Where |
| choices |
| | list_name | name | label |
| | admin1 | ZZ9 | Own place |
"""


def test_missing_column_names_the_file_and_the_column(tmp_path):
    bad = tmp_path / "partners.csv"
    bad.write_text("code,name\nA,Org A\n")
    with pytest.raises(ListFileError, match=r"partners.csv.*org_type"):
        load_form("fivew_monthly", lists=ListFiles(partners=bad))


def test_rows_written_in_the_source_win_over_the_gazetteer():
    assert parse_markdown(INLINE).choice_codes("admin1") == ["ZZ9"]


def test_partner_list_carries_organisation_type():
    partners = load_form("fivew_monthly").choices["partner"]
    assert len(partners) >= 10 and all(p.extra["org_type"] for p in partners)


def test_activity_indicators_carry_unit_and_counts_people():
    indicators = load_form("fivew_monthly").choices["activity_indicator"]
    assert {i.extra["counts_people"] for i in indicators} == {"yes", "no"}
    assert all(i.extra["activity"] and i.extra["unit"] for i in indicators)
