"""Columns of the HRP outputs: (data column, human header, HXL hashtag), shared by workbooks and CSVs."""

from __future__ import annotations

from reports import hxl
from transforms.hrp_aggregate import PROGRESS_LABEL, REACHED_LABEL
from transforms.hrp_fivew import SEX_AGE

GROUP_LABELS = {"girls": "Girls (<18)", "boys": "Boys (<18)", "women": "Women (18-59)", "men": "Men (18-59)",
                "elderly_women": "Elderly women (60+)", "elderly_men": "Elderly men (60+)"}

CASELOAD_COLUMNS = [
    ("sector", "Cluster", hxl.SECTOR), ("admin_level", "Admin level", "#meta +level"),
    ("admin1_pcode", "Admin 1 p-code", hxl.ADM1), ("admin_name", "Place", "#loc +name"),
    ("admin2_pcode", "Admin 2 p-code", hxl.ADM2),
    ("period_start", "Period start", hxl.DATE_START), ("period_end", "Period end", hxl.DATE_END),
    ("in_need", "People in need", hxl.INNEED), ("targeted", "People targeted", hxl.TARGETED),
    ("reached", "People reached (no double counting)", hxl.REACHED),
    ("percent_reached", "% reached (reached ÷ targeted)", "#reached +pct"),
    *((f"new_{g}", f"Reached: {GROUP_LABELS[g]}", hxl.group_tag(hxl.REACHED, g)) for g in SEX_AGE),
    ("pwd", "Reached: persons with disabilities", hxl.REACHED_DISABLED),
]

INDICATOR_COLUMNS = [
    ("plan_code", "Plan", "#meta +plan"), ("sector", "Cluster", hxl.SECTOR),
    ("objective_code", "Cluster objective", "#meta +objective +code"),
    ("objective_en", "Objective", "#meta +objective +name"),
    ("activity_code", "Cluster activity", hxl.ACTIVITY), ("indicator_code", "Indicator", hxl.INDICATOR),
    ("indicator_en", "Indicator name", hxl.INDICATOR_NAME), ("unit", "Unit", "#indicator +unit"),
    ("admin_level", "Admin level", "#meta +level"), ("admin1_pcode", "Admin 1 p-code", hxl.ADM1),
    ("admin2_pcode", "Admin 2 p-code", hxl.ADM2), ("admin_name", "Place", "#loc +name"),
    ("period_start", "Period start", hxl.DATE_START), ("period_end", "Period end", hxl.DATE_END),
    ("in_need", "In need", "#inneed +ind"), ("baseline", "Baseline", "#indicator +baseline"),
    ("target", "Target", "#targeted +ind"), ("achieved", "Achieved", hxl.REACHED_IND),
    ("progress", PROGRESS_LABEL, "#indicator +progress +pct"),
    ("reached_over_target", REACHED_LABEL, "#reached +ind +pct"),
]

FIVEW_COLUMNS = [
    ("reporting_org", "Reporting organisation", hxl.ORG_REPORTING),
    ("implementing_partner", "Implementing partner", hxl.ORG_IMPL), ("org_type", "Organisation type", hxl.ORG_TYPE),
    ("sector", "Cluster", hxl.SECTOR), ("activity_code", "Cluster activity", hxl.ACTIVITY),
    ("activity_name", "Activity name", hxl.ACTIVITY_NAME), ("indicator_code", "Indicator", hxl.INDICATOR),
    ("unit", "Unit", "#indicator +unit"), ("modality", "Modality", "#modality"),
    ("admin1_pcode", "Admin 1 p-code", hxl.ADM1), ("admin1_name", "Admin 1", hxl.ADM1_NAME),
    ("admin2_pcode", "Admin 2 p-code", hxl.ADM2), ("admin2_name", "Admin 2", hxl.ADM2_NAME),
    ("site", "Site", "#loc +name"), ("date_start", "Month start", hxl.DATE_START),
    ("date_end", "Month end", hxl.DATE_END), ("population_group", "Population group", "#population +type"),
    ("quantity", "Quantity", "#output +num"), ("reached_total", "Reached (total)", hxl.REACHED_IND),
    ("reached_new", "Reached (new)", "#reached +ind +new"),
    *((f"total_{g}", f"Total: {GROUP_LABELS[g]}", hxl.group_tag(hxl.REACHED_IND, g)) for g in SEX_AGE),
    *((f"new_{g}", f"New: {GROUP_LABELS[g]}", hxl.group_tag("#reached +ind +new", g)) for g in SEX_AGE),
    ("pwd_total", "Persons with disabilities (total)", hxl.REACHED_DISABLED),
    ("pwd_new", "Persons with disabilities (new)", "#reached +disabled +new"),
]

PRESENCE_COLUMNS = [
    ("implementing_partner", "Implementing partner", hxl.ORG_IMPL), ("org_type", "Organisation type", hxl.ORG_TYPE),
    ("sector", "Cluster", hxl.SECTOR),
    ("admin1_pcode", "Admin 1 p-code", hxl.ADM1), ("admin1_name", "Admin 1", hxl.ADM1_NAME),
    ("admin2_pcode", "Admin 2 p-code", hxl.ADM2), ("admin2_name", "Admin 2", hxl.ADM2_NAME),
    ("activity_code", "Cluster activity", hxl.ACTIVITY), ("activity_name", "Activity name", hxl.ACTIVITY_NAME),
    ("months", "Months reported", "#date +reported"), ("lines", "Activity lines", "#meta +count"),
]

PARTNER_COLUMNS = [
    ("implementing_partner", "Implementing partner", hxl.ORG_IMPL), ("org_type", "Organisation type", hxl.ORG_TYPE),
    ("reporting_orgs", "Reported through", hxl.ORG_REPORTING), ("admin1_count", "Admin 1 units", "#adm1 +num"),
    ("admin2_count", "Admin 2 units", "#adm2 +num"), ("activities", "Cluster activities", hxl.ACTIVITY),
    ("lines", "Activity lines", "#meta +count"),
]

RPM_COLUMNS = ["plan", "cluster", "objective", "activity", "indicator", "period", "location_pcode",
               "disaggregation", "metric", "value"]
