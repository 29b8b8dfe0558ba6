"""A CCPM report built end to end: fixture answers → scores → a ``ccpm_scores`` view in a real database."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).parents[1] / "transforms"))
from ccpm_fixtures import PARTNER_TABLE, fixture_answers, partner_form  # noqa: E402

from forms.ccpm import load_framework  # noqa: E402
from reports.ccpm_data import VIEW_COLUMNS, CcpmReportData, load_ccpm_report_data  # noqa: E402
from transforms.score import answer_distribution, comments_long, response_counts, score_ccpm  # noqa: E402

PARTICIPATING = {"ingo": 6, "nngo": 4, "un": 3}


def scores_for(cycle: str) -> pd.DataFrame:
    """Fixture answers scored against the shipped framework (most units are Not evaluated)."""
    return score_ccpm(fixture_answers(), load_framework(), cycle=cycle)


def write_scores_view(url: str, cycles=("2024", "2025")) -> sa.Engine:
    """A table of scores for several cycles and the public view ``ccpm_scores`` over it."""
    engine = sa.create_engine(url)
    table = pd.concat([scores_for(c) for c in cycles], ignore_index=True)
    table.to_sql("test_scores", engine, index=False, if_exists="replace")
    with engine.begin() as conn:
        conn.exec_driver_sql(f"CREATE VIEW ccpm_scores AS SELECT {', '.join(VIEW_COLUMNS)} FROM test_scores")
    return engine


def report_from(engine: sa.Engine, cycle: str = "2025", stage: str = "preliminary") -> CcpmReportData:
    answers = fixture_answers()
    return load_ccpm_report_data(
        engine, cycle, country="SSD", cluster="CCCM", level="national", survey_start="2025-03-01",
        survey_end="2025-03-14", stage=stage,
        response_counts=response_counts(answers, PARTICIPATING,
                                         labels={"ingo": "International NGO", "nngo": "National NGO"}),
        distributions=answer_distribution(answers),
        comments=comments_long(partner_form(), PARTNER_TABLE, "partner"),
        warnings=["Response rate 27% is below 50%: interpret the scores with care."],
    )
