"""Small inline CCPM forms, framework and answers with hand-computed scores, shared by scoring tests."""

from __future__ import annotations

import pandas as pd

from forms.ccpm import parse_framework
from forms.definition import parse_markdown

PARTNER_MD = """
| survey |
| | type | name | label::English (en) | indicator | scale | role | function |
| | select_one org | org_type | Organisation type | | | org_type | |
| | select_one freq | q111 | Partners take part | 1.1.1 | 0-4 | | |
| | select_one freq | q112 | Meetings often enough | 1.1.2 | 0-4 | | |
| | select_one freq | q121 | Mapping up to date | 1.2.1 | 0-4 | | |
| | select_one agree | q211 | Needs assessed | 2.1.1 | 1-5 | | |
| | text | c1 | Comments on function 1 | | | | 1 |
| choices |
| | list_name | name | label::English (en) | special |
| | org | ingo | International NGO | |
| | org | nngo | National NGO | |
| | org | un | UN agency | |
| | freq | 0 | Never | |
| | freq | 1 | Rarely | |
| | freq | 2 | Sometimes | |
| | freq | 3 | Often | |
| | freq | 4 | Always | |
| | freq | 99 | Don't know | dont_know |
| | freq | 9999 | Not applicable | not_applicable |
| | freq | 999 | No mapping done | precondition_absent |
| | agree | 1 | Strongly disagree | |
| | agree | 2 | Disagree | |
| | agree | 3 | Neutral | |
| | agree | 4 | Agree | |
| | agree | 5 | Strongly agree | |
| | agree | dk | Don't know | dont_know |
| settings |
| | form_id | form_title |
| | ccpm_partner_test | CCPM partner test |
"""

COORDINATOR_MD = PARTNER_MD.replace("ccpm_partner_test", "ccpm_coordinator_test").replace(
    "| | select_one org | org_type | Organisation type | | | org_type | |\n", "")

FRAMEWORK = parse_framework({"functions": [
    {"number": 1, "iasc_number": 1, "name": {"en": "Supporting service delivery"}, "subfunctions": [
        {"code": "1.1", "name": {"en": "Platform"}, "indicators": [
            {"code": "1.1.1", "name": {"en": "Partners take part"}},
            {"code": "1.1.2", "name": {"en": "Meetings often enough"}}]},
        {"code": "1.2", "name": {"en": "No duplication"}, "indicators": [
            {"code": "1.2.1", "name": {"en": "Mapping up to date"}}]}]},
    {"number": 2, "iasc_number": 4, "name": {"en": "Monitoring"}, "subfunctions": [
        {"code": "2.1", "name": {"en": "Monitoring and reporting"}, "indicators": [
            {"code": "2.1.1", "name": {"en": "Needs assessed"}}]}]},
]})

# Partners P1-P3 and coordinator C1. Hand-computed in the tests that use them.
PARTNER_TABLE = pd.DataFrame({
    "submission_key": ["P1", "P2", "P3"],
    "org_type": ["ingo", "nngo", "ingo"],
    "q111": ["4", "1", "3"],
    "q112": ["2", "99", None],
    "q121": ["999", "4", "2"],
    "q211": ["dk", "dk", ""],
    "c1": ["Meetings are too long", None, "Good maps"],
})
COORDINATOR_TABLE = pd.DataFrame({
    "submission_key": ["C1"],
    "q111": ["0"], "q112": ["1"], "q121": ["9999"], "q211": ["dk"], "c1": [None],
})


def partner_form():
    return parse_markdown(PARTNER_MD)


def coordinator_form():
    return parse_markdown(COORDINATOR_MD)


def fixture_answers() -> pd.DataFrame:
    from transforms.score import answers_long
    return pd.concat([answers_long(partner_form(), PARTNER_TABLE, "partner"),
                      answers_long(coordinator_form(), COORDINATOR_TABLE, "coordinator")], ignore_index=True)
