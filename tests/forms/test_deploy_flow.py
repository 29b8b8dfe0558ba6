"""`flows.deploy.deploy_forms`: build and deploy a source's configured forms, recording new KoBo assets."""

import pytest
from deploy_fixtures import FORM, ODK_LOGIN, sandbox, sources  # noqa: F401

from flows.config import ConfigError, load_config
from flows.deploy import deploy_forms
from flows.deploy_config import record_asset_uid

CONFIG = """\
# Deployment test configuration: comments and layout must survive.
country: SSD
cluster: CCCM
sources:
  kobo-test: {{kind: kobo, url: "{url}", token_env: TEST_KOBO_TOKEN}}   # the sandbox
  odk-test: {{kind: odk, url: "{url}", project_id: 1, username_env: TEST_ODK_USER,
             password_env: TEST_ODK_PASSWORD}}
forms:
  - form: {form}        # block style, no asset yet
    source: kobo-test
  - {{form: {form}, source: odk-test}}
"""


@pytest.fixture
def config_file(tmp_path, sandbox, monkeypatch):
    monkeypatch.setenv("TEST_KOBO_TOKEN", sandbox.token)
    monkeypatch.setenv("TEST_ODK_USER", ODK_LOGIN[0])
    monkeypatch.setenv("TEST_ODK_PASSWORD", ODK_LOGIN[1])
    path = tmp_path / "clustermon.yaml"
    path.write_text(CONFIG.format(url=sandbox.url, form=FORM), encoding="utf-8")
    return path


def test_a_new_kobo_asset_is_recorded_in_the_configuration_and_the_rerun_changes_nothing(
        config_file, sources, tmp_path):
    [result] = deploy_forms(load_config(config_file), "kobo-test", out_dir=tmp_path / "out", sources_dir=sources)
    assert result.action == "created"
    text = config_file.read_text(encoding="utf-8")
    assert "# block style, no asset yet" in text and "# the sandbox" in text
    reloaded = load_config(config_file)
    assert reloaded.forms[0].asset_uid == result.server_id
    assert reloaded.forms[1].asset_uid is None
    [again] = deploy_forms(reloaded, "kobo-test", out_dir=tmp_path / "out", sources_dir=sources)
    assert (again.action, again.server_id) == ("unchanged", result.server_id)
    assert config_file.read_text(encoding="utf-8") == text


def test_an_odk_source_is_deployed_with_the_credentials_its_variables_name(config_file, sources, tmp_path):
    cfg = load_config(config_file)
    [result] = deploy_forms(cfg, "odk-test", form=FORM, out_dir=tmp_path / "out", sources_dir=sources)
    assert (result.action, result.server_id) == ("created", FORM)
    assert deploy_forms(cfg, "odk-test", out_dir=tmp_path / "out", sources_dir=sources)[0].action == "unchanged"


def test_a_missing_credential_names_the_environment_variable(config_file, sources, tmp_path, monkeypatch):
    monkeypatch.delenv("TEST_KOBO_TOKEN")
    with pytest.raises(ConfigError, match="TEST_KOBO_TOKEN"):
        deploy_forms(load_config(config_file), "kobo-test", out_dir=tmp_path / "out", sources_dir=sources)


def test_a_form_not_configured_for_the_source_is_refused_with_what_is(config_file, sources, tmp_path):
    with pytest.raises(ConfigError, match="ccpm_partner.*configured for it: partner_commitments"):
        deploy_forms(load_config(config_file), "kobo-test", form="ccpm_partner", sources_dir=sources)


def test_recording_an_asset_uid_edits_flow_and_block_entries_in_place(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("# top comment\nforms:\n"
                    "  - {form: a, source: s}  # flow\n"
                    "  - form: b   # block\n    source: s\n"
                    "  - {form: c, source: s, asset_uid: old}\n"
                    "other: 1  # kept\n", encoding="utf-8")
    record_asset_uid(path, "a", "s", "aNew1")
    record_asset_uid(path, "b", "s", "aNew2")
    record_asset_uid(path, "c", "s", "aNew3")
    assert path.read_text(encoding="utf-8") == (
        "# top comment\nforms:\n"
        "  - {form: a, source: s, asset_uid: aNew1}  # flow\n"
        "  - form: b   # block\n    source: s\n    asset_uid: aNew2\n"
        "  - {form: c, source: s, asset_uid: aNew3}\n"
        "other: 1  # kept\n")
