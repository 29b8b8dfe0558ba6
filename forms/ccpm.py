"""The CCPM framework: core functions, sub-functions and indicators, read from ``forms/ccpm_framework.yaml``.

Scoring, reports and the form tests read names and numbering from here so that an indicator code on a
questionnaire item (survey column ``indicator``) always resolves to one sub-function and one function.
Functions keep both numbers: ``number`` (CCPM report order) and ``iasc_number`` (IASC Reference Module).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

FRAMEWORK_PATH = Path(__file__).parent / "ccpm_framework.yaml"


class FrameworkError(ValueError):
    """The framework file is inconsistent (duplicate code, code outside its parent, missing name)."""


@dataclass(frozen=True)
class Indicator:
    code: str
    names: dict[str, str]
    subfunction: str
    function: int

    def name(self, lang: str = "en") -> str:
        return self.names.get(lang) or self.names["en"]


@dataclass(frozen=True)
class SubFunction:
    code: str
    names: dict[str, str]
    function: int
    indicators: tuple[Indicator, ...]

    def name(self, lang: str = "en") -> str:
        return self.names.get(lang) or self.names["en"]


@dataclass(frozen=True)
class Function:
    number: int
    iasc_number: int
    names: dict[str, str]
    subfunctions: tuple[SubFunction, ...]

    @property
    def code(self) -> str:
        return str(self.number)

    def name(self, lang: str = "en") -> str:
        return self.names.get(lang) or self.names["en"]


@dataclass(frozen=True)
class Framework:
    """The functions in report order, with lookups by number or code."""

    functions: tuple[Function, ...]

    @property
    def subfunctions(self) -> list[SubFunction]:
        return [s for f in self.functions for s in f.subfunctions]

    @property
    def indicators(self) -> list[Indicator]:
        return [i for s in self.subfunctions for i in s.indicators]

    def function(self, number: int | str) -> Function:
        for f in self.functions:
            if str(f.number) == str(number):
                return f
        raise KeyError(f"CCPM framework has no function {number!r} (functions are 1-{len(self.functions)})")

    def subfunction(self, code: str) -> SubFunction:
        for s in self.subfunctions:
            if s.code == str(code):
                return s
        raise KeyError(f"CCPM framework has no sub-function {code!r}")

    def indicator(self, code: str) -> Indicator:
        for i in self.indicators:
            if i.code == str(code):
                return i
        raise KeyError(f"CCPM framework has no indicator {code!r}; see {FRAMEWORK_PATH.name}")

    def indicator_codes(self) -> list[str]:
        return [i.code for i in self.indicators]


def _names(node: dict, where: str) -> dict[str, str]:
    names = {k: str(v) for k, v in (node.get("name") or {}).items()}
    if not names.get("en"):
        raise FrameworkError(f"{where} has no English name (name: {{en: ...}})")
    return names


def _subfunction(node: dict, function: int) -> SubFunction:
    code = str(node["code"])
    if code.split(".")[0] != str(function):
        raise FrameworkError(f"sub-function {code} is listed under function {function}")
    indicators = []
    for ind in node.get("indicators") or []:
        icode = str(ind["code"])
        if icode.rsplit(".", 1)[0] != code:
            raise FrameworkError(f"indicator {icode} is listed under sub-function {code}")
        indicators.append(Indicator(icode, _names(ind, f"indicator {icode}"), code, function))
    if not indicators:
        raise FrameworkError(f"sub-function {code} has no indicators")
    return SubFunction(code, _names(node, f"sub-function {code}"), function, tuple(indicators))


def parse_framework(data: dict) -> Framework:
    """Build and check a Framework from the YAML structure."""
    functions = []
    for node in data.get("functions") or []:
        number = int(node["number"])
        subs = tuple(_subfunction(s, number) for s in node.get("subfunctions") or [])
        functions.append(Function(number, int(node.get("iasc_number", number)),
                                  _names(node, f"function {number}"), subs))
    framework = Framework(tuple(functions))
    codes = [s.code for s in framework.subfunctions] + framework.indicator_codes()
    duplicates = sorted({c for c in codes if codes.count(c) > 1})
    if duplicates:
        raise FrameworkError(f"duplicate codes in the CCPM framework: {', '.join(duplicates)}")
    return framework


@lru_cache(maxsize=None)
def load_framework(path: Path = FRAMEWORK_PATH) -> Framework:
    """The CCPM framework shipped with the forms (or another YAML file of the same shape)."""
    with open(path, encoding="utf-8") as fh:
        return parse_framework(yaml.safe_load(fh))
