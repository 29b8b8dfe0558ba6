"""Action plan rules: pre-fill red/orange sub-functions once, latest submission wins, overdue first."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pandas as pd

from transforms.ccpm_actions import ACTION_FIELDS, action_key, empty_actions, follow_up, merge_actions, prefill
from transforms.ccpm_bands import GOOD, SATISFACTORY, UNSATISFACTORY, WEAK

NOW = datetime(2025, 4, 1, tzinfo=timezone.utc)
SCORES = pd.DataFrame({"unit_type": ["function", "subfunction", "subfunction", "subfunction", "subfunction"],
                       "unit_code": ["1", "1.1", "1.2", "2.1", "3.1"],
                       "status": [WEAK, WEAK, GOOD, UNSATISFACTORY, SATISFACTORY]})


def _update(sub, action, at, **values):
    row = {**dict.fromkeys(ACTION_FIELDS), "subfunction": sub, "action": action, "action_key": action_key(action),
           "updated_at": pd.Timestamp(at, tz="UTC"), **values}
    return pd.DataFrame([row], columns=ACTION_FIELDS, dtype=object)


def test_prefill_adds_one_row_per_red_or_orange_subfunction_only_once():
    plan = prefill(empty_actions(), SCORES, NOW)
    assert list(zip(plan["subfunction"], plan["status"], plan["action_key"])) == [
        ("1.1", WEAK, ""), ("2.1", UNSATISFACTORY, "")]
    filled = merge_actions(plan, _update("1.1", "Shorter meetings", "2025-04-02"))
    again = prefill(filled, SCORES, NOW)
    assert len(again) == 2 and "" not in set(again.loc[again["subfunction"] == "1.1", "action_key"])


def test_submission_fills_placeholder_then_latest_submission_wins_per_action():
    plan = prefill(empty_actions(), SCORES, NOW)
    updates = pd.concat([
        _update("1.1", "Shorter  Meetings", "2025-04-02", progress="Not started", source_submission="a"),
        _update("1.1", "shorter meetings", "2025-06-01", progress="Completed", source_submission="b"),
        _update("1.1", "Shorter meetings", "2025-05-01", progress="In progress", source_submission="c"),
        _update("1.1", "Agenda sent in advance", "2025-04-03", source_submission="d"),
    ]).sort_values("updated_at")
    out = merge_actions(plan, updates).set_index("action_key")
    assert list(out.index) == ["agenda sent in advance", "shorter meetings", ""]  # 2.1 placeholder stays
    assert out.loc["shorter meetings", "progress"] == "Completed"
    assert out.loc["shorter meetings", "source_submission"] == "b"
    older = merge_actions(merge_actions(plan, updates), _update("1.1", "Shorter meetings", "2025-04-15",
                                                                progress="Dropped"))
    assert older.set_index("action_key").loc["shorter meetings", "progress"] == "Completed"


def test_follow_up_lists_overdue_first_most_overdue_first():
    actions = pd.DataFrame({"subfunction": ["1.1", "1.2", "2.1", "3.1", "3.2"],
                            "deadline": ["2025-05-01", "2025-03-01", "2025-12-01", "2025-01-01", None],
                            "progress": ["In progress", "Not started", "Not started", "Completed", None]})
    out = follow_up(actions, date(2025, 6, 1))
    assert list(out["subfunction"]) == ["1.2", "1.1", "3.1", "2.1", "3.2"]
    assert list(out["overdue"]) == [True, True, False, False, False]
    assert list(out["days_overdue"].astype(object).where(out["overdue"], None)) == [92, 31, None, None, None]
