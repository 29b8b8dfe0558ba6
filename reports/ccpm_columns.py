"""Column headers and HXL hashtags of every CCPM report table, in one place for the workbook and the page.

Each table is a list of (source column, human header, HXL hashtag).
"""

from __future__ import annotations

RESPONSE_COLUMNS = [
    ("org_type_label", "Organisation type", "#org+type"),
    ("responses", "Responses", "#meta+responses+num"),
    ("participating", "Participating organisations", "#org+participating+num"),
    ("response_rate", "Response rate", "#indicator+response_rate+pct"),
]

SCORE_COLUMNS = [
    ("unit_type", "Level", "#indicator+level"),
    ("unit_code", "Code", "#indicator+code"),
    ("unit_name", "Function / sub-function / indicator", "#indicator+name"),
    ("score", "Score (%)", "#indicator+score+pct"),
    ("status", "Status", "#status+ccpm"),
    ("n_respondents", "Respondents", "#meta+respondents+num"),
    ("n_partners", "Partners", "#meta+respondents+partners+num"),
    ("n_coordinators", "Coordination team", "#meta+respondents+coordinators+num"),
]

DISTRIBUTION_COLUMNS = [
    ("indicator", "Indicator", "#indicator+code"),
    ("question_label", "Question", "#indicator+question+name"),
    ("respondent_type", "Respondent type", "#meta+respondent_type"),
    ("code", "Answer code", "#indicator+answer+code"),
    ("code_label", "Answer", "#indicator+answer+name"),
    ("special", "Not scored because", "#indicator+answer+special"),
    ("n", "Answers", "#meta+answers+num"),
    ("share", "Share", "#indicator+answer+share+pct"),
]

COMMENT_COLUMNS = [
    ("function", "Function", "#indicator+function+code"),
    ("function_name", "Function name", "#indicator+function+name"),
    ("respondent_type", "Respondent type", "#meta+respondent_type"),
    ("comment", "Comment", "#description+comment"),
]

ACTION_PLAN_COLUMNS = [
    ("unit_code", "Sub-function", "#indicator+code"),
    ("status", "Status", "#status+ccpm"),
    ("action", "Action (what)", "#activity+action"),
    ("responsible", "Responsible (who)", "#org+responsible"),
    ("deadline", "Deadline (by when)", "#date+deadline"),
    ("support", "Support needed (HC/HCT, lead agency, partners, OCHA, global cluster)", "#meta+support"),
    ("progress", "Progress", "#status+progress"),
]

RESPONDENT_TYPE_LABELS = {"partner": "Partner", "coordinator": "Coordination team"}
