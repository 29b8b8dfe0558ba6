"""Exported files read into records: KoBo XLSX with a repeat sheet, ODK CSV with a repeat file, errors."""

import csv

import pytest
from openpyxl import Workbook

from connectors.errors import SourceError
from connectors.files import read_export
from connectors.kobo import KoboClient, to_record
from connectors.sandbox import Sandbox
from forms.definition import load_form, parse_markdown

SKIP_IN_EXPORT = {"_attachments", "_geolocation", "_tags", "_notes", "_validation_status", "activities"}

SMALL_FORM = """
| settings |
|          | form_id | version |
|          | household | 1     |

| survey |
|        | type                   | name     | label    |
|        | begin group            | hh       | HH       |
|        | integer                | size     | Size     |
|        | select_multiple needs  | needs    | Needs    |
|        | end group              |          |          |
|        | geopoint               | loc      | Location |
|        | begin repeat           | members  | Members  |
|        | text                   | m_name   | Name     |
|        | end repeat             |          |          |

| choices |
|         | list_name | name  | label |
|         | needs     | food  | Food  |
|         | needs     | water | Water |
"""


def _excel_value(value):
    """What an export holds: numbers as numbers, the rest as text."""
    return int(value) if isinstance(value, str) and value.isdigit() and not value.startswith("0") else value


def write_kobo_xlsx(path, rows, form):
    """A KoBo-style XLSX export: the main sheet, then one sheet per repeat linked by _index."""
    book = Workbook()
    main = book.active
    main.title = form.title[:31] or form.form_id
    headers = sorted({k for r in rows for k in r if k not in SKIP_IN_EXPORT}) + ["_validation_status", "_index"]
    main.append(headers)
    members = book.create_sheet("activities")
    child_headers = sorted({k for r in rows for m in r.get("activities", []) for k in m})
    members.append(child_headers + ["_index", "_parent_table_name", "_parent_index", "_submission__id"])
    child_index = 0
    for index, row in enumerate(rows, start=1):
        status = (row.get("_validation_status") or {}).get("label")
        main.append([_excel_value(row.get(h)) for h in headers[:-2]] + [status, index])
        for child in row.get("activities", []):
            child_index += 1
            members.append([_excel_value(child.get(h)) for h in child_headers]
                           + [child_index, main.title, index, row["_id"]])
    book.save(path)


def comparable(rec, form):
    """What an export can carry: keys, versions, times, status and the answers (repeats included)."""
    paths = {f.path for f in form.fields} | set(form.repeats)
    payload = {k: v for k, v in rec["payload"].items() if k in paths}
    return (rec["submission_key"], rec["version_key"], rec["submitted_at"], rec["validation_status"], payload)


def test_kobo_xlsx_export_gives_the_same_records_as_the_api(tmp_path):
    form = load_form("fivew_monthly")
    with Sandbox(port=0, token="sandbox-token", seed=3, forms={"fivew_monthly": 12}) as sb:
        sb.set_validation_status("fivew_monthly", 2, "validation_status_approved")
        sb.edit("fivew_monthly", 3)
        client = KoboClient(sb.url, "sandbox-token")
        uid = sb.asset_uid("fivew_monthly")
        api_rows = [row for page in client.iter_pages(uid) for row in page]
    write_kobo_xlsx(tmp_path / "export.xlsx", api_rows, form)
    from_file = read_export(tmp_path / "export.xlsx", form)
    from_api = [to_record(r, "fivew_monthly") for r in api_rows]
    assert any(r["payload"].get("activities") for r in from_file)
    assert [comparable(r, form) for r in from_file] == [comparable(r, form) for r in from_api]
    assert {r["source"] for r in from_file} == {"file"}


def write_csv(path, headers, rows):
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(headers)
        writer.writerows(rows)


def test_odk_csv_export_with_dash_headers_geopoint_parts_and_repeat_file(tmp_path):
    form = parse_markdown(SMALL_FORM)
    write_csv(tmp_path / "household.csv",
              ["SubmissionDate", "hh-size", "hh-needs", "loc-Latitude", "loc-Longitude", "loc-Altitude",
               "loc-Accuracy", "meta-instanceID", "KEY", "ReviewState"],
              [["2026-03-01T10:00:00.000Z", "4", "food water", "4.85", "31.6", "0", "5",
                "uuid:v2", "uuid:v1", "approved"]])
    write_csv(tmp_path / "household-members.csv", ["m_name", "PARENT_KEY", "KEY"],
              [["Ana", "uuid:v1", "uuid:v1/members[1]"], ["Ben", "uuid:v1", "uuid:v1/members[2]"]])
    [rec] = read_export(tmp_path / "household.csv", form, source="odk-file")
    assert rec["submission_key"] == "uuid:v1" and rec["version_key"] == "v2"
    assert rec["validation_status"] == "approved"
    assert rec["submitted_at"].isoformat() == "2026-03-01T10:00:00+00:00"
    payload = rec["payload"]
    assert payload["hh/size"] == "4" and payload["hh/needs"] == "food water"
    assert payload["loc"] == "4.85 31.6 0 5"
    assert payload["members"] == [{"members/m_name": "Ana"}, {"members/m_name": "Ben"}]
    assert payload["_submission_time"] == "2026-03-01T10:00:00"


def test_kobo_derived_columns_are_dropped_and_bare_names_matched(tmp_path):
    form = parse_markdown(SMALL_FORM)
    book = Workbook()
    sheet = book.active
    sheet.append(["size", "hh/needs", "hh/needs/food", "hh/needs/water", "loc", "_loc_latitude",
                  "meta/instanceID", "_id", "_submission_time", "_index"])
    sheet.append([3, "water", 0, 1, "4.85 31.6 0 5", 4.85, "uuid:a", 11, "2026-03-01T09:00:00", 1])
    book.save(tmp_path / "x.xlsx")
    [rec] = read_export(tmp_path / "x.xlsx", form)
    assert rec["submission_key"] == "uuid:a"
    assert {k: v for k, v in rec["payload"].items() if not k.startswith(("_", "meta/"))} == {
        "hh/size": "3", "hh/needs": "water", "loc": "4.85 31.6 0 5"}
    assert rec["payload"]["_id"] == 11


def test_a_repeat_row_without_its_parent_names_file_sheet_row_and_column(tmp_path):
    form = parse_markdown(SMALL_FORM)
    book = Workbook()
    book.active.append(["meta/instanceID", "_index"])
    book.active.append(["uuid:a", 1])
    members = book.create_sheet("members")
    members.append(["members/m_name", "_index", "_parent_index"])
    members.append(["Ana", 1, 1])
    members.append(["Ben", 2, 7])
    book.save(tmp_path / "broken.xlsx")
    with pytest.raises(SourceError) as error:
        read_export(tmp_path / "broken.xlsx", form)
    message = str(error.value)
    assert "broken.xlsx" in message and "sheet 'members'" in message
    assert "row 3" in message and "'_parent_index'" in message and "'7'" in message


def test_an_unsupported_file_type_says_what_to_export(tmp_path):
    (tmp_path / "x.json").write_text("{}")
    with pytest.raises(SourceError, match="export the form as XLSX or CSV"):
        read_export(tmp_path / "x.json", parse_markdown(SMALL_FORM))
