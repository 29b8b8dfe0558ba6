"""Deploying to ODK Central with pyodk over real HTTP against the sandbox's draft and publish endpoints."""

import pytest
from deploy_fixtures import FORM, ODK_LOGIN, broken_copy, built, changed, odk_session, sandbox  # noqa: F401

from forms.deploy import DeployError, deploy_odk


def deploy(sb, form):
    return deploy_odk(sb.url, *ODK_LOGIN, 1, form)


def published(sb):
    return odk_session(sb).get(f"{sb.url}/v1/projects/1/forms/{FORM}", timeout=10).json()


def test_first_deploy_creates_and_publishes_a_form_whose_data_the_server_serves(sandbox, built):
    result = deploy(sandbox, built)
    assert (result.form_id, result.server_id, result.action, result.version) == (FORM, FORM, "created",
                                                                                  built.version)
    form = published(sandbox)
    assert form["version"] == built.version and form["publishedAt"] is not None
    feed = odk_session(sandbox).get(f"{sandbox.url}/v1/projects/1/forms/{FORM}.svc/Submissions", timeout=10)
    assert feed.ok and feed.json()["value"] == []


def test_redeploying_an_unchanged_form_publishes_nothing(sandbox, built):
    deploy(sandbox, built)
    before = published(sandbox)
    again = deploy(sandbox, built)
    assert (again.action, again.version) == ("unchanged", built.version)
    assert published(sandbox) == before


def test_a_changed_form_is_published_as_its_new_version(sandbox, built, changed):
    deploy(sandbox, built)
    result = deploy(sandbox, changed)
    assert (result.action, result.version) == ("updated", changed.version)
    assert published(sandbox)["version"] == changed.version
    assert deploy(sandbox, changed).action == "unchanged"


def test_a_form_central_refuses_raises_and_the_published_version_stays(sandbox, built, tmp_path):
    deploy(sandbox, built)
    with pytest.raises(DeployError) as raised:
        deploy(sandbox, broken_copy(built, tmp_path))
    assert raised.value.status == 400
    assert FORM in str(raised.value) and "no_such_list" in str(raised.value)
    assert published(sandbox)["version"] == built.version


def test_returning_to_earlier_content_publishes_a_suffixed_version_instead_of_failing_with_409(
        sandbox, built, changed):
    deploy(sandbox, built)
    deploy(sandbox, changed)
    session = odk_session(sandbox)
    draft = session.post(f"{sandbox.url}/v1/projects/1/forms/{FORM}/draft", data=built.xlsx.read_bytes(),
                         headers={"Content-Type": "application/vnd.openxmlformats-officedocument.spreadsheetml"
                                                  ".sheet"}, timeout=10)
    assert draft.ok
    refused = session.post(f"{sandbox.url}/v1/projects/1/forms/{FORM}/draft/publish",
                           params={"version": built.version}, timeout=10)
    assert refused.status_code == 409
    result = deploy(sandbox, built)
    assert (result.action, result.version) == ("updated", f"{built.version}-r2")
    assert published(sandbox)["version"] == f"{built.version}-r2"
    assert deploy(sandbox, built).action == "unchanged"


def test_wrong_credentials_raise_a_deploy_error_naming_the_form(sandbox, built):
    with pytest.raises(DeployError, match=FORM) as raised:
        deploy_odk(sandbox.url, ODK_LOGIN[0], "wrong-password", 1, built)
    assert raised.value.status == 401


def test_the_refusals_a_deploy_expects_are_not_logged_as_errors(sandbox, built, changed, caplog):
    """A root handler (a Prefect run has one) would print pyodk's ERROR and traceback for the 404 of a form
    not created yet and the 409 of content published before."""
    caplog.set_level("DEBUG")
    assert deploy(sandbox, built).action == "created"
    deploy(sandbox, changed)
    assert deploy(sandbox, built).action != "unchanged"  # back to earlier content: Central answers 409 first
    assert [r.getMessage() for r in caplog.records if r.name.startswith("pyodk") and r.levelname == "ERROR"] == []
