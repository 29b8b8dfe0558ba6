"""Read a form definition uploaded to a deploy endpoint: an XLSForm workbook or an XForm."""

from __future__ import annotations

import re
import zipfile
from io import BytesIO

from pyxform.xls2json_backends import xlsx_to_dict

from forms.definition import FormDef, parse_form

XFORM_INSTANCE = re.compile(r"<instance>\s*<(?P<tag>[\w:-]+)(?P<attrs>[^>]*)>", re.S)
ATTRIBUTE = re.compile(r'(\w+)="([^"]*)"')
XFORM_TITLE = re.compile(r"<h:title>([^<]*)</h:title>")


class UploadError(ValueError):
    """The upload is not a readable form; the message says what is wrong."""


def read_upload(body: bytes, fallback_id: str | None = None) -> FormDef:
    """A FormDef from XLSX bytes (full definition) or XForm XML (id, version and title only)."""
    if not body:
        raise UploadError("the request has no form file")
    if zipfile.is_zipfile(BytesIO(body)):
        try:
            form = parse_form(xlsx_to_dict(BytesIO(body)))
        except Exception as error:  # pyxform raises several kinds on a broken workbook
            raise UploadError(f"cannot read the workbook: {error}") from None
    else:
        form = _from_xform(body.decode("utf-8", errors="replace"))
    if not form.form_id:
        if not fallback_id:
            raise UploadError("the form has no form_id in its settings sheet")
        form.form_id = fallback_id
    return form


def _from_xform(xml: str) -> FormDef:
    match = XFORM_INSTANCE.search(xml)
    if match is None:
        raise UploadError("the upload is neither an XLSX workbook nor an XForm with a primary instance")
    attrs = dict(ATTRIBUTE.findall(match.group("attrs")))
    title = XFORM_TITLE.search(xml)
    return FormDef(form_id=attrs.get("id", ""), title=title.group(1) if title else "",
                   version=attrs.get("version"), fields=[], choices={}, repeats=[],
                   settings={"form_id": attrs.get("id", ""), "version": attrs.get("version", "")})
