"""The configuration: the documented shape loads, mistakes are named, secrets come only from outside."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from flows.config import ConfigError, load_config, parse_config, secret

ROOT = Path(__file__).resolve().parents[2]

DESIGN_SHAPE = """
country: SSD
cluster: CCCM
warehouse: sqlite:///clustermon.db
reports_dir: reports
sources:
  kobo-main: {kind: kobo, url: "https://kf.kobotoolbox.org", token_env: KOBO_TOKEN}
  odk-main:  {kind: odk, url: "https://central.example.org", project_id: 1,
              username_env: ODK_USERNAME, password_env: ODK_PASSWORD}
forms:
  - {form: ccpm_partner, source: kobo-main, asset_uid: aBcD1234}
  - {form: fivew_monthly, source: odk-main, form_id: fivew_monthly}
"""


def test_the_documented_configuration_shape_loads(monkeypatch):
    monkeypatch.delenv("CLUSTERMON_WAREHOUSE_URL", raising=False)
    cfg = parse_config(yaml.safe_load(DESIGN_SHAPE))
    assert cfg.country == "SSD" and cfg.warehouse == "sqlite:///clustermon.db"
    assert [f.server_id for f in cfg.forms] == ["aBcD1234", "fivew_monthly"]
    assert cfg.source("odk-main").project_id == 1


def test_the_warehouse_url_can_be_overridden_by_the_environment(monkeypatch):
    monkeypatch.setenv("CLUSTERMON_WAREHOUSE_URL", "postgresql+psycopg://u@h/db")
    assert parse_config(yaml.safe_load(DESIGN_SHAPE)).warehouse == "postgresql+psycopg://u@h/db"


def test_a_secret_written_into_the_file_is_refused():
    raw = yaml.safe_load(DESIGN_SHAPE)
    raw["sources"]["kobo-main"]["token"] = "abc123"
    with pytest.raises(ConfigError, match="environment variables"):
        parse_config(raw)


def test_a_form_on_an_unknown_source_is_named():
    raw = yaml.safe_load(DESIGN_SHAPE)
    raw["forms"].append({"form": "cpms_indicators", "source": "kobo-typo"})
    with pytest.raises(ConfigError, match="kobo-typo"):
        parse_config(raw)


def test_a_missing_secret_says_which_variable_to_set(monkeypatch):
    monkeypatch.delenv("KOBO_TOKEN", raising=False)
    with pytest.raises(ConfigError, match="KOBO_TOKEN"):
        secret("KOBO_TOKEN", None, "source kobo-main")
    monkeypatch.setenv("KOBO_TOKEN", "t0k")
    assert secret("KOBO_TOKEN", None, "source kobo-main") == "t0k"


def test_the_shipped_configuration_loads_and_its_schedule_uses_its_timezone():
    cfg = load_config(ROOT / "clustermon.yaml")
    deployments = yaml.safe_load((ROOT / "prefect.yaml").read_text())["deployments"]
    nightly = next(d for d in deployments if d["name"] == "nightly")
    assert nightly["entrypoint"] == "flows/nightly.py:nightly"
    assert [s["timezone"] for s in nightly["schedules"]] == [cfg.timezone]
    assert nightly["work_pool"]["name"] == "clustermon-pool"


def test_the_shipped_configuration_names_the_assets_the_sandbox_serves():
    from connectors.sandbox import asset_uid

    cfg = load_config(ROOT / "clustermon.yaml")
    for form in cfg.forms:
        if cfg.source(form.source).kind == "kobo":
            assert form.asset_uid == asset_uid(form.form), form.form


def test_write_back_statuses_are_checked():
    raw = yaml.safe_load(DESIGN_SHAPE)
    raw.update(write_back=True, write_back_kobo_status="validation_status_on_hold")
    assert parse_config(raw).write_back_kobo_status == "validation_status_on_hold"
    raw["write_back_odk_state"] = "maybe"
    with pytest.raises(ConfigError, match="write_back_odk_state"):
        parse_config(raw)


def test_forms_of_a_file_source_are_not_pulled_at_night(monkeypatch):
    from flows.pull import pull_all

    raw = yaml.safe_load(DESIGN_SHAPE)
    raw["sources"]["exports"] = {"kind": "file"}
    raw["forms"].append({"form": "cpms_indicators", "source": "exports"})
    pulled = []
    pulls, failed = pull_all(parse_config(raw), lambda cfg, form: pulled.append(form.form) or {"form": form.form})
    assert pulled == ["ccpm_partner", "fivew_monthly"] and failed == []


def test_the_reporting_window_check_can_be_turned_off_while_the_period_stays(monkeypatch):
    from flows.stage import validation_context

    monkeypatch.delenv("CLUSTERMON_WAREHOUSE_URL", raising=False)
    shape = {**yaml.safe_load(DESIGN_SHAPE), "reporting_period": {"start": "2026-03-01", "end": "2026-03-31"}}
    assert validation_context(parse_config(shape)).window is not None
    relaxed = parse_config({**shape, "check_reporting_window": False})
    assert relaxed.reporting_period == {"start": "2026-03-01", "end": "2026-03-31"}
    assert validation_context(relaxed).window is None
