"""Who answered what: answer distributions per question and response counts by organisation type.

Response counts apply the anonymity rule: an organisation type with fewer than ``threshold`` responses
(default 3) is merged into "other", so no published breakdown can point at one organisation.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

OTHER = "other"
TOTAL = "total"
DISTRIBUTION_COLUMNS = ["indicator", "question", "question_label", "respondent_type", "code", "code_label",
                        "special", "n", "share"]
COUNT_COLUMNS = ["org_type", "org_type_label", "responses", "participating", "response_rate",
                 "avg_attendance", "effective_rate"]


def _code_order(code: str) -> tuple[int, float, str]:
    try:
        return (0, float(code), code)
    except ValueError:
        return (1, 0.0, code)


def answer_distribution(answers: pd.DataFrame) -> pd.DataFrame:
    """Share of each answer code (don't-know and N/A included) per question × respondent type."""
    if answers.empty:
        return pd.DataFrame({c: pd.Series(dtype="str") for c in DISTRIBUTION_COLUMNS})
    keys = ["indicator", "question", "question_label", "respondent_type", "code", "code_label"]
    frame = answers.assign(special=answers["special"].fillna(""))
    counts = frame.groupby(keys + ["special"], dropna=False).size().rename("n").reset_index()
    totals = counts.groupby(["question", "respondent_type"])["n"].transform("sum")
    counts["share"] = counts["n"] / totals
    counts["_order"] = counts["code"].map(_code_order)
    counts = counts.sort_values(["indicator", "question", "respondent_type", "_order"])
    counts["special"] = counts["special"].replace("", None)
    return counts[DISTRIBUTION_COLUMNS].reset_index(drop=True)


def _respondents(answers: pd.DataFrame, respondent_type: str) -> pd.Series:
    people = answers[answers["respondent_type"] == respondent_type].drop_duplicates("respondent_id")
    return people["org_type"].fillna(OTHER).astype(str).value_counts()


def response_counts(answers: pd.DataFrame, participating: Mapping[str, int] | None = None,
                    threshold: int = 3, labels: Mapping[str, str] | None = None,
                    respondent_type: str = "partner", avg_attendance: float | None = None) -> pd.DataFrame:
    """Responses (and, given ``participating`` per type, response rates) by organisation type.

    Types with 1..threshold-1 responses are merged into "other" together with their participating counts;
    a last row "total" sums everything. ``labels`` maps type codes to display names. Given the average
    number of organisations attending meetings, the total row also carries the "effective" rate
    (responses ÷ average attendance); attendance is not known per type, so other rows leave it empty.
    """
    responses = _respondents(answers, respondent_type).to_dict()
    participating = dict(participating or {})
    types = list(dict.fromkeys([*participating, *responses]))
    merged: dict[str, list[float]] = {}
    for org in types:
        n = responses.get(org, 0)
        target = OTHER if 0 < n < threshold else org
        slot = merged.setdefault(target, [0, 0])
        slot[0] += n
        slot[1] += participating.get(org, 0)
    if OTHER in merged:
        merged[OTHER] = merged.pop(OTHER)  # keep "other" last
    total = [sum(v[0] for v in merged.values()), sum(v[1] for v in merged.values())]
    labels = {OTHER: "Other", TOTAL: "Total", **(labels or {})}
    rows = [{"org_type": org, "org_type_label": labels.get(org, org), "responses": int(n),
             "participating": int(p) if participating else None,
             "response_rate": (n / p) if participating and p else None}
            for org, (n, p) in [*merged.items(), (TOTAL, total)]]
    attending = float(avg_attendance) if avg_attendance is not None and not pd.isna(avg_attendance) else None
    rows[-1]["avg_attendance"] = attending
    rows[-1]["effective_rate"] = total[0] / attending if attending else None
    return pd.DataFrame(rows, columns=COUNT_COLUMNS).astype({"response_rate": "float64",
                                                             "avg_attendance": "float64",
                                                             "effective_rate": "float64"})


def low_response_warnings(counts: pd.DataFrame, min_rate: float = 0.5,
                          min_effective_rate: float | None = None) -> list[str]:
    """Warnings (never refusals) for a total response rate below ``min_rate`` and an effective rate
    (over average meeting attendance) below ``min_effective_rate`` (default: ``min_rate``)."""
    total = counts[counts["org_type"] == TOTAL]
    if total.empty:
        return []
    checks = [("response_rate", "Response rate", min_rate),
              ("effective_rate", "Effective response rate (over average meeting attendance)",
               min_rate if min_effective_rate is None else min_effective_rate)]
    warnings = []
    for column, name, floor in checks:
        value = total[column].iloc[0] if column in total else None
        if value is not None and not pd.isna(value) and float(value) < floor:
            warnings.append(f"{name} {float(value):.0%} is below {floor:.0%}: interpret the scores with care.")
    return warnings + over_participation_warnings(counts)


def over_participation_warnings(counts: pd.DataFrame) -> list[str]:
    """More responses than organisations said to take part: the coordinator's counts need checking."""
    rows = counts[(counts["org_type"] != TOTAL) & counts["participating"].notna()]
    over = rows[pd.to_numeric(rows["responses"]) > pd.to_numeric(rows["participating"])]
    return [f"{r.org_type_label}: {int(r.responses)} responses but only {int(r.participating)} organisations "
            "participating according to the coordination team's questionnaire; check those counts."
            for r in over.itertuples()]
