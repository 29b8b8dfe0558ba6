"""Column headers and HXL hashtags of every CCPM report table, in one place for the workbook and the page.

Each table is a list of (source column, human header, HXL hashtag).
"""

from __future__ import annotations

RESPONSE_COLUMNS = [
    ("org_type_label", "Organisation type", "#org+type"),
    ("responses", "Responses", "#meta+responses+num"),
    ("participating", "Participating organisations", "#org+participating+num"),
    ("response_rate", "Response rate", "#indicator+response_rate+pct"),
    ("avg_attendance", "Average meeting attendance (organisations)", "#org+attending+num"),
    ("effective_rate", "Effective response rate (over attendance)", "#indicator+response_rate+effective+pct"),
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
    ("support_needed", "Support needed (HC/HCT, lead agency, partners, OCHA, global cluster)", "#meta+support"),
    ("progress", "Progress", "#status+progress"),
]

FOLLOW_UP_COLUMNS = [
    ("unit_code", "Sub-function", "#indicator+code"),
    ("status", "Status", "#status+ccpm"),
    ("action", "Action (what)", "#activity+action"),
    ("responsible", "Responsible (who)", "#org+responsible"),
    ("deadline", "Deadline (by when)", "#date+deadline"),
    ("overdue_text", "Overdue", "#status+overdue"),
    ("days_overdue", "Days overdue", "#meta+overdue+days+num"),
    ("progress", "Progress", "#status+progress"),
    ("progress_notes", "Progress notes", "#description+progress"),
    ("support_needed", "Support needed", "#meta+support"),
    ("updated_at_text", "Last update", "#date+updated"),
]

TREND_COLUMNS = [
    ("unit_code", "Code", "#indicator+code"),
    ("unit_name", "Function / sub-function", "#indicator+name"),
    ("score", "Score (%)", "#indicator+score+pct"),
    ("status", "Status", "#status+ccpm"),
    ("previous_score", "Previous score (%)", "#indicator+score+previous+pct"),
    ("previous_status", "Previous status", "#status+ccpm+previous"),
    ("change", "Change", "#status+change"),
]

PIVOT_COLUMNS = [
    ("indicator", "Indicator", "#indicator+code"),
    ("question_label", "Question", "#indicator+question+name"),
    ("code_label", "Answer", "#indicator+answer+name"),
    ("special", "Not scored because", "#indicator+answer+special"),
    ("partner_n", "Partners: answers", "#meta+answers+partners+num"),
    ("partner_share", "Partners: share", "#indicator+answer+share+partners+pct"),
    ("coordinator_n", "Coordination team: answers", "#meta+answers+coordinators+num"),
    ("coordinator_share", "Coordination team: share", "#indicator+answer+share+coordinators+pct"),
]

COMMITMENT_COLUMNS = [
    ("unit_type", "Level", "#indicator+level"),
    ("unit_code", "Code", "#indicator+code"),
    ("unit_name", "Principle / commitment", "#indicator+name"),
    ("score", "Score (%)", "#indicator+score+pct"),
    ("status", "Status", "#status+ccpm"),
    ("n_respondents", "Respondents", "#meta+respondents+num"),
]

RESPONDENT_TYPE_LABELS = {"partner": "Partner", "coordinator": "Coordination team"}
