"""How a unit's normalised answers become one 0..1 value: the three aggregators the sources use.

Each aggregator takes the scored answers of one unit (columns ``respondent``, ``question``, ``value``, all
values valid) and returns a fraction in 0..1 (NaN when there is nothing to aggregate). Medians of an even
count are the mean of the two middle values.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import pandas as pd


def median_of_respondent_means(unit: pd.DataFrame) -> float:
    """Default: each respondent's mean over the unit's questions, then the median over respondents."""
    if unit.empty:
        return math.nan
    return float(unit.groupby("respondent")["value"].mean().median())


def median_of_pooled_answers(unit: pd.DataFrame) -> float:
    """Median over every valid answer of the unit, respondents and questions pooled."""
    if unit.empty:
        return math.nan
    return float(unit["value"].median())


def mean_of_question_means(unit: pd.DataFrame) -> float:
    """2021 KoBo variant: each question's mean over respondents, then the mean over questions."""
    if unit.empty:
        return math.nan
    return float(unit.groupby("question")["value"].mean().mean())


AGGREGATORS: dict[str, Callable[[pd.DataFrame], float]] = {
    "median_of_respondent_means": median_of_respondent_means,
    "median_of_pooled_answers": median_of_pooled_answers,
    "mean_of_question_means": mean_of_question_means,
}


def aggregator(name: str) -> Callable[[pd.DataFrame], float]:
    try:
        return AGGREGATORS[name]
    except KeyError:
        raise ValueError(f"unknown CCPM aggregator {name!r}; choose one of {', '.join(AGGREGATORS)}") from None
