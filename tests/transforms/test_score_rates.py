"""Response rates: overall, by type with the anonymity merge, the effective rate over attendance, warnings;
comments without contact details or organisation names."""

from __future__ import annotations

import pandas as pd
import pytest

from transforms.ccpm_answers import redact
from transforms.ccpm_counts import low_response_warnings, response_counts


def _answers(types):
    return pd.DataFrame({"respondent_id": [f"P{i}" for i in range(len(types))], "respondent_type": "partner",
                         "org_type": types})


def test_rates_by_type_total_and_effective_rate():
    counts = response_counts(_answers(["ingo"] * 3 + ["un"] * 2), {"ingo": 6, "un": 2, "donor": 4},
                             avg_attendance=10).set_index("org_type")
    assert list(counts.index) == ["ingo", "donor", "other", "total"]
    assert counts.loc["ingo", "response_rate"] == pytest.approx(0.5)
    assert (counts.loc["other", "responses"], counts.loc["other", "participating"]) == (2, 2)
    assert counts.loc["total", "response_rate"] == pytest.approx(5 / 12)
    assert counts.loc["total", "effective_rate"] == pytest.approx(0.5)
    assert counts.drop(index="total")["effective_rate"].isna().all()


def test_warnings_never_refuse_and_use_their_own_thresholds():
    counts = response_counts(_answers(["ingo"] * 3), {"ingo": 10}, avg_attendance=4)
    assert low_response_warnings(counts, 0.5) == [
        "Response rate 30% is below 50%: interpret the scores with care."]
    both = low_response_warnings(counts, 0.5, min_effective_rate=0.9)
    assert len(both) == 2 and "Effective response rate" in both[1] and "75%" in both[1]
    assert low_response_warnings(response_counts(_answers(["ingo"] * 3)), 0.5) == []


def test_redact_removes_contacts_and_organisation_names():
    text = "Ask Bridges International (bi@example.org, +211 912 345 678) or see www.example.org/x"
    assert redact(text, ["Bridges International", "BI"]) == \
        "Ask [removed] ([removed], [removed]) or see [removed]"
    assert redact("Meetings in 2025 are too long") == "Meetings in 2025 are too long"


def test_more_responses_than_participating_organisations_is_flagged():
    from transforms.ccpm_counts import low_response_warnings

    counts = pd.DataFrame([
        {"org_type": "ingo", "org_type_label": "International NGO", "responses": 11, "participating": 10,
         "response_rate": 1.1},
        {"org_type": "total", "org_type_label": "Total", "responses": 11, "participating": 10,
         "response_rate": 1.1},
    ])
    warnings = low_response_warnings(counts, 0.5)
    assert warnings == ["International NGO: 11 responses but only 10 organisations participating according to "
                        "the coordination team's questionnaire; check those counts."]
