"""CCPM status bands and their colours: the one place that says which score gets which status and colour.

Scores are 0-100. A score at or below a band's upper bound takes that band (so exactly 25 is Weak, exactly
75 is Satisfactory); anything above the last bound is Good. A unit with no valid answer is "Not evaluated",
never Weak. Reports colour cells from ``STATUS_COLOURS`` so workbook, HTML and legend always agree.
"""

from __future__ import annotations

import math

WEAK = "Weak"
UNSATISFACTORY = "Unsatisfactory – major improvement needed"
SATISFACTORY = "Satisfactory – minor improvement needed"
GOOD = "Good"
NOT_EVALUATED = "Not evaluated"

#: Statuses from worst to best, then the status of a unit without answers.
STATUSES = (WEAK, UNSATISFACTORY, SATISFACTORY, GOOD, NOT_EVALUATED)

#: Colour name and hex fill (RGB, no '#') for each status.
STATUS_COLOURS: dict[str, tuple[str, str]] = {
    WEAK: ("red", "E04B4B"),
    UNSATISFACTORY: ("orange", "F5A142"),
    SATISFACTORY: ("yellow", "FFE15C"),
    GOOD: ("green", "5CB85C"),
    NOT_EVALUATED: ("grey", "BFBFBF"),
}

DEFAULT_BANDS = (25.0, 50.0, 75.0)

#: Scores are rounded to this many decimals before banding, so 3 x (1/3) lands on 100 and not just below.
BAND_DECIMALS = 6


def band_status(score: float | None, bands: tuple[float, float, float] = DEFAULT_BANDS) -> str:
    """The CCPM status of a 0-100 score; ``None``/NaN (no valid answers) gives "Not evaluated"."""
    if score is None or (isinstance(score, float) and math.isnan(score)):
        return NOT_EVALUATED
    if list(bands) != sorted(bands) or len(bands) != 3:
        raise ValueError(f"status bands must be three increasing upper bounds, got {bands!r}")
    rounded = round(float(score), BAND_DECIMALS)
    for bound, status in zip(bands, (WEAK, UNSATISFACTORY, SATISFACTORY)):
        if rounded <= bound:
            return status
    return GOOD


def status_colour(status: str) -> str:
    """Hex fill (``RRGGBB``) of a status; unknown statuses are grey, like "Not evaluated"."""
    return STATUS_COLOURS.get(status, STATUS_COLOURS[NOT_EVALUATED])[1]


def legend(bands: tuple[float, float, float] = DEFAULT_BANDS) -> list[tuple[str, str, str]]:
    """(status, score range text, hex colour) rows for report legends."""
    low, mid, high = (f"{b:g}" for b in bands)
    ranges = (f"0–{low}%", f">{low}–{mid}%", f">{mid}–{high}%", f">{high}–100%", "no valid answers")
    return [(status, text, status_colour(status)) for status, text in zip(STATUSES, ranges)]
