"""Small inline forms and record builders shared by the flatten, validate and rules tests."""

from __future__ import annotations

from forms.definition import parse_markdown

HOUSEHOLD_MD = """
| settings |
| | form_id | version |
| | household | 3 |
| survey |
| | type | name | label | required | relevant | constraint |
| | select_one orgs | reporting_org | Organisation | yes | | |
| | integer | age | Age of respondent | yes | | . >= 0 and . <= 120 |
| | date | visit | Visit date | | | |
| | datetime | seen_at | Seen at | | | |
| | geopoint | loc | Location | | | |
| | text | note_text | Comment | | | |
| | begin group | grp | Needs | | | |
| | select_multiple needs | needs | Needs | | | |
| | decimal | score | Score | | | . >= 0 and . <= 4 |
| | text | why | Why | yes | ${score} > 2 | |
| | end group | | | | | |
| | begin repeat | members | Household member | | | |
| | text | m_name | Member name | yes | | |
| | select_one sex | sex | Sex | | | |
| | begin repeat | children | Child | | | |
| | integer | c_age | Child age | | | . < 18 |
| | end repeat | | | | | |
| | end repeat | | | | | |
| choices |
| | list_name | name | label |
| | orgs | o1 | Org one |
| | orgs | o2 | Org two |
| | needs | food | Food |
| | needs | water | Water |
| | needs | shelter | Shelter |
| | sex | f | Female |
| | sex | m | Male |
"""


def household_form():
    return parse_markdown(HOUSEHOLD_MD)


def kobo_record(key: str = "s1", **answers) -> dict:
    """A KoBo-shaped record: slash paths, string values, repeats with full-path keys."""
    payload = {
        "_id": 11, "_uuid": f"v-{key}", "meta/rootUuid": key, "__version__": "vA",
        "_submission_time": "2026-03-02T08:00:00", "_validation_status": {}, "_attachments": [],
        "reporting_org": "o1", "age": "34", "visit": "2026-03-01", "seen_at": "2026-03-01T10:30:00.000+03:00",
        "loc": "4.85 31.58 500 5", "note_text": "ok", "grp/needs": "food water", "grp/score": "1.5",
        "members": [
            {"members/m_name": "Amal", "members/sex": "f",
             "members/children": [{"members/children/c_age": "4"}, {"members/children/c_age": "9"}]},
            {"members/m_name": "Badr", "members/sex": "m"},
        ],
    }
    payload.update(answers)
    return {"source": "kobo-main", "form_id": "household", "submission_key": key, "version_key": f"v-{key}",
            "submitted_at": "2026-03-02T08:00:00+00:00", "payload": payload}


def odk_record(key: str = "s1") -> dict:
    """The same answers as ``kobo_record`` shaped as ODK Central sends them."""
    payload = {
        "__id": key, "__system": {"formVersion": "vA", "submissionDate": "2026-03-02T08:00:00.000Z"},
        "meta": {"instanceID": key},
        "reporting_org": "o1", "age": 34, "visit": "2026-03-01", "seen_at": "2026-03-01T10:30:00.000+03:00",
        "loc": {"type": "Point", "coordinates": [31.58, 4.85, 500], "properties": {"accuracy": 5}},
        "note_text": "ok", "grp": {"needs": "food water", "score": 1.5},
        "members": [
            {"m_name": "Amal", "sex": "f", "children": [{"c_age": 4}, {"c_age": 9}]},
            {"m_name": "Badr", "sex": "m"},
        ],
    }
    return {"source": "odk-main", "form_id": "household", "submission_key": key, "version_key": f"v-{key}",
            "submitted_at": "2026-03-02T08:00:00+00:00", "payload": payload}
