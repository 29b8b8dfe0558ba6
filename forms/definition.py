"""The form definition: one parsed view of an XLSForm source that every room downstream reads.

A form source is a markdown file of XLSForm tables (``forms/sources/<form_id>.md``), the format pyxform's own
tests use. Extra survey columns (``indicator``, ``scale``, ...) and extra choice columns (``special``, filter
columns such as ``admin1``) are kept in ``extra`` so scoring, validation and synthetic data read them from the
form itself instead of re-declaring them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from pyxform.xls2json_backends import md_to_dict

from forms.lists import ListFiles, inject_lists

SOURCES_DIR = Path(__file__).parent / "sources"

STANDARD_SURVEY_COLUMNS = {
    "type", "name", "label", "hint", "required", "required_message", "relevant", "constraint",
    "constraint_message", "calculation", "choice_filter", "appearance", "default", "read_only",
    "repeat_count", "parameters", "trigger", "media::image", "guidance_hint",
}
GROUP_OPENERS = {"begin group", "begin_group", "begin repeat", "begin_repeat"}
GROUP_CLOSERS = {"end group", "end_group", "end repeat", "end_repeat"}
NO_DATA_TYPES = {"note"}


@dataclass(frozen=True)
class Choice:
    name: str
    labels: dict[str, str]
    extra: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Field:
    """One question that stores data. ``path`` is the slash path KoBo uses (``grp/age``)."""

    name: str
    type: str
    path: str
    list_name: str | None = None
    repeat: str | None = None
    required: bool = False
    relevant: str | None = None
    constraint: str | None = None
    constraint_message: str | None = None
    labels: dict[str, str] = field(default_factory=dict)
    extra: dict[str, str] = field(default_factory=dict)
    choice_filter: str | None = None

    def label(self, lang: str = "English (en)") -> str:
        return self.labels.get(lang) or next(iter(self.labels.values()), self.name)


@dataclass
class FormDef:
    form_id: str
    title: str
    version: str | None
    fields: list[Field]
    choices: dict[str, list[Choice]]
    repeats: list[str]
    settings: dict[str, str]
    sheets: dict = field(repr=False, default_factory=dict)

    def field(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(f"form {self.form_id!r} has no question named {name!r}")

    def fields_in(self, repeat: str | None) -> list[Field]:
        """Questions stored at one level: the submission (``None``) or one repeat path."""
        return [f for f in self.fields if f.repeat == repeat]

    def choice_codes(self, list_name: str) -> list[str]:
        return [c.name for c in self.choices.get(list_name, [])]


def _labels(row: dict, prefix: str) -> dict[str, str]:
    labels = {}
    for key, value in row.items():
        if value in (None, ""):
            continue
        if key == prefix:
            labels["default"] = str(value)
        elif key.startswith(prefix + "::"):
            labels[key.split("::", 1)[1]] = str(value)
    return labels


def _split_type(raw: str) -> tuple[str, str | None]:
    parts = raw.split()
    if parts[0] in ("select_one", "select_multiple", "rank") and len(parts) > 1:
        return parts[0], parts[1]
    if parts[0] in ("select_one_from_file", "select_multiple_from_file") and len(parts) > 1:
        return parts[0].replace("_from_file", ""), parts[1]
    return raw.strip(), None


def _is_yes(value) -> bool:
    return str(value or "").strip().lower() in ("yes", "true", "true()", "1")


def parse_form(sheets: dict) -> FormDef:
    """Build a FormDef from XLSForm sheets as pyxform's backends return them."""
    settings = {k: str(v) for k, v in (sheets.get("settings") or [{}])[0].items() if v is not None}
    fields: list[Field] = []
    stack: list[tuple[str, str, bool]] = []  # (kind, name, is_repeat)
    repeats: list[str] = []
    for row in sheets.get("survey", []):
        raw_type = str(row.get("type") or "").strip()
        if not raw_type:
            continue
        name = str(row.get("name") or "").strip()
        lowered = raw_type.lower()
        if lowered in GROUP_OPENERS:
            is_repeat = "repeat" in lowered
            stack.append((lowered, name, is_repeat))
            if is_repeat:
                repeats.append("/".join(n for _, n, _ in stack))
            continue
        if lowered in GROUP_CLOSERS:
            stack.pop()
            continue
        base, list_name = _split_type(raw_type)
        if base in NO_DATA_TYPES:
            continue
        path = "/".join([n for _, n, _ in stack] + [name])
        enclosing = [i for i, (_, _, rep) in enumerate(stack) if rep]
        repeat = "/".join(n for _, n, _ in stack[: enclosing[-1] + 1]) if enclosing else None
        extra = {k: str(v) for k, v in row.items()
                 if v not in (None, "") and k.split("::")[0] not in STANDARD_SURVEY_COLUMNS}
        fields.append(Field(
            name=name, type=base, path=path, list_name=list_name, repeat=repeat,
            required=_is_yes(row.get("required")), relevant=row.get("relevant") or None,
            constraint=row.get("constraint") or None,
            constraint_message=_labels(row, "constraint_message").get("English (en)")
            or _labels(row, "constraint_message").get("default"),
            labels=_labels(row, "label"), extra=extra, choice_filter=row.get("choice_filter") or None,
        ))
    choices: dict[str, list[Choice]] = {}
    for row in sheets.get("choices", []):
        list_name = str(row.get("list_name") or "").strip()
        if not list_name:
            continue
        extra = {k: str(v) for k, v in row.items()
                 if v not in (None, "") and k not in ("list_name", "name") and not k.startswith("label")}
        choices.setdefault(list_name, []).append(
            Choice(name=str(row.get("name")), labels=_labels(row, "label"), extra=extra))
    return FormDef(
        form_id=settings.get("form_id", ""), title=settings.get("form_title", ""),
        version=settings.get("version"), fields=fields, choices=choices, repeats=repeats,
        settings=settings, sheets=sheets,
    )


def read_sheets(text: str, lists: ListFiles | None = None) -> dict:
    """XLSForm sheets of a markdown source, with external choice lists (places, partners...) filled in."""
    return inject_lists(md_to_dict(text), lists)


def parse_markdown(text: str, lists: ListFiles | None = None) -> FormDef:
    return parse_form(read_sheets(text, lists))


def source_path(form_id: str, sources_dir: Path = SOURCES_DIR) -> Path:
    """``<sources_dir>/<form_id>.md``, or FileNotFoundError naming the forms that exist."""
    path = Path(sources_dir) / f"{form_id}.md"
    if not path.exists():
        known = sorted(p.stem for p in Path(sources_dir).glob("*.md"))
        raise FileNotFoundError(f"no form source {path}; known forms: {', '.join(known) or 'none'}")
    return path


def form_ids(sources_dir: Path = SOURCES_DIR) -> list[str]:
    """Every form with a source file, sorted."""
    return sorted(p.stem for p in Path(sources_dir).glob("*.md"))


@lru_cache(maxsize=None)
def load_form(form_id: str, sources_dir: Path = SOURCES_DIR, lists: ListFiles | None = None) -> FormDef:
    """The form as written in ``forms/sources/<form_id>.md``, external lists from ``lists`` (or the samples)."""
    return parse_markdown(source_path(form_id, sources_dir).read_text(encoding="utf-8"), lists)
