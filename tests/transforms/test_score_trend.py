"""Change since the previous cycle: same status band = same; tolerance; not comparable; no previous cycle."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from transforms.ccpm_bands import GOOD, NOT_EVALUATED, SATISFACTORY, UNSATISFACTORY, WEAK
from transforms.ccpm_trend import NO_PREVIOUS, NOT_COMPARABLE, change, compare_cycles


def _scores(rows):
    return pd.DataFrame(rows, columns=["unit_type", "unit_code", "score", "status"])


@pytest.mark.parametrize("now, before, expected", [
    ((GOOD, 80.0), (WEAK, 10.0), "better"),
    ((WEAK, 10.0), (SATISFACTORY, 60.0), "worse"),
    ((SATISFACTORY, 51.0), (SATISFACTORY, 74.0), "same"),  # 23 points down, same band
    ((SATISFACTORY, 51.0), (UNSATISFACTORY, 50.0), "better"),  # one point, band edge crossed
    ((NOT_EVALUATED, math.nan), (GOOD, 90.0), NOT_COMPARABLE),
    ((GOOD, 90.0), (None, math.nan), NOT_COMPARABLE),
])
def test_change_compares_status_bands(now, before, expected):
    assert change(now[0], now[1], before[0], before[1]) == expected


def test_tolerance_counts_small_moves_across_a_band_edge_as_same():
    assert change(SATISFACTORY, 51.0, UNSATISFACTORY, 50.0, tolerance=2) == "same"
    assert change(SATISFACTORY, 53.0, UNSATISFACTORY, 50.0, tolerance=2) == "better"
    with pytest.raises(ValueError, match="tolerance"):
        compare_cycles(_scores([]), None, None, tolerance=-1)


def test_compare_cycles_adds_previous_score_status_and_change():
    current = _scores([("subfunction", "1.1", 80.0, GOOD), ("subfunction", "1.2", 40.0, UNSATISFACTORY),
                       ("subfunction", "1.3", 30.0, UNSATISFACTORY)])
    previous = _scores([("subfunction", "1.1", 20.0, WEAK), ("subfunction", "1.2", 45.0, UNSATISFACTORY)])
    out = compare_cycles(current, previous, "2024").set_index("unit_code")
    assert list(out["change"]) == ["better", "same", NOT_COMPARABLE]
    assert out.loc["1.1", "previous_score"] == 20.0 and out.loc["1.1", "previous_status"] == WEAK
    assert set(out["previous_cycle"]) == {"2024"}
    first = compare_cycles(current, None, None)
    assert set(first["change"]) == {NO_PREVIOUS} and first["previous_score"].isna().all()
