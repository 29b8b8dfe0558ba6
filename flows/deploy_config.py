"""Record a new KoBo asset uid in the configuration file, keeping its comments and layout.

The file is people's: it carries comments and a chosen layout that a YAML round trip would lose. So the
change is made in the text, at the position YAML reports for the form's entry (the ``asset_uid`` value
replaced, or the key added to a flow ``{...}`` or block mapping), then the result is parsed again and
checked to differ from the original only by that value. If the check fails the file is rewritten from the
parsed data (comments lost) rather than left wrong.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import yaml

PLAIN = re.compile(r"[A-Za-z][A-Za-z0-9_-]*")


def record_asset_uid(path: Path, form: str, source: str, uid: str) -> None:
    """Set ``asset_uid: <uid>`` on the ``forms:`` entry of ``form`` and ``source`` in the file at ``path``."""
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    data = yaml.safe_load(text) or {}
    index = _entry_index(data, form, source, path)
    expected = yaml.safe_load(text)
    expected["forms"][index]["asset_uid"] = uid
    try:
        edited = _edit_text(text, index, uid)
        ok = yaml.safe_load(edited) == expected
    except (yaml.YAMLError, ValueError):
        ok = False
    if not ok:
        edited = yaml.safe_dump(expected, sort_keys=False, allow_unicode=True)
    _write(path, edited)


def _entry_index(data: dict, form: str, source: str, path: Path) -> int:
    for i, entry in enumerate(data.get("forms") or []):
        if isinstance(entry, dict) and entry.get("form") == form and entry.get("source") == source:
            return i
    raise ValueError(f"{path}: no 'forms:' entry with form {form!r} and source {source!r}")


def _scalar(uid: str) -> str:
    return uid if PLAIN.fullmatch(uid) else '"' + uid.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _edit_text(text: str, index: int, uid: str) -> str:
    """The text with the entry's ``asset_uid`` set, edited at the positions the YAML composer reports."""
    root = yaml.compose(text)
    forms = next(value for key, value in root.value if key.value == "forms")
    entry = forms.value[index]
    value = _scalar(uid)
    for key, node in entry.value:
        if key.value == "asset_uid":
            return text[:node.start_mark.index] + value + text[node.end_mark.index:]
    if entry.flow_style:
        close = text.rindex("}", 0, entry.end_mark.index)
        return text[:close].rstrip() + f", asset_uid: {value}" + text[close:]
    first_key, last_value = entry.value[0][0], entry.value[-1][1]
    at = last_value.end_mark.index
    return text[:at] + "\n" + " " * first_key.start_mark.column + f"asset_uid: {value}" + text[at:]


def _write(path: Path, text: str) -> None:
    """Replace the file in one step, so a crash never leaves half a configuration."""
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)
