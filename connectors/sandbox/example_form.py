"""A small form exercising every shape the connectors meet: a group, a geopoint, select_one with a
special code and a choice filter, select_multiple, an open comment, and a repeat whose cells add up
to a total. Tests serve it with ``Sandbox(forms={"mini": n}, definitions={"mini": example_form()})``."""

from __future__ import annotations

from forms.definition import FormDef, parse_markdown

EXAMPLE_MARKDOWN = """
| settings |
| | form_id | form_title | version |
| | mini | Mini sandbox form | 2026.1 |

| survey |
| | type | name | label::English (en) | constraint | choice_filter | role | function | sum_of |
| | start | start | Start | | | | | |
| | select_one org_type | org_type | Organisation type | | | org_type | | |
| | select_one freq | q1 | Meetings are useful | | | | | |
| | select_one admin1 | admin1 | State | | | | | |
| | select_one admin2 | admin2 | County | | admin1=${admin1} | | | |
| | begin group | grp | Group | | | | | |
| | integer | age | Age | . >= 18 and . <= 30 | | | | |
| | decimal | score | Score | . <= 5 | | | | |
| | geopoint | gps | GPS | | | | | |
| | end group | | | | | | | |
| | select_multiple topics | topics | Topics | | | | | |
| | text | comment_1 | Comment on function 1 | | | | 1 | |
| | begin repeat | activities | Activity | | | | | |
| | text | act_name | Name | | | | | |
| | integer | reached_f | Girls and women | . <= 100 | | | | |
| | integer | reached_m | Boys and men | . <= 100 | | | | |
| | integer | reached_total | Total | | | | | reached_f reached_m |
| | integer | reached_new | New | . <= ${reached_total} | | | | |
| | end repeat | | | | | | | |

| choices |
| | list_name | name | label::English (en) | special | admin1 |
| | org_type | ingo | International NGO | | |
| | org_type | nngo | National NGO | | |
| | org_type | un | UN agency | | |
| | org_type | donor | Donor | | |
| | freq | 0 | Never | | |
| | freq | 2 | Sometimes | | |
| | freq | 4 | Always | | |
| | freq | 99 | Don't know | dont_know | |
| | admin1 | SS01 | Central Equatoria | | |
| | admin1 | SS02 | Jonglei | | |
| | admin2 | SS0101 | Juba | | SS01 |
| | admin2 | SS0102 | Yei | | SS01 |
| | admin2 | SS0201 | Bor | | SS02 |
| | topics | a | Topic A | | |
| | topics | b | Topic B | | |
| | topics | c | Topic C | | |
"""


def example_form() -> FormDef:
    return parse_markdown(EXAMPLE_MARKDOWN)
