"""Deploy a built form to ODK Central through pyodk: create or replace the draft, then publish it.

pyodk is Central's official client, so its ``forms.create`` / ``forms.update`` do the work. Two things are
set up by hand: the client gets its configuration in memory (credentials come from the caller, never a
TOML file) with no token cache on disk, and pyodk's retrying, timing-out adapter - which pyodk mounts for
https only - is mounted for plain http as well, so a local or sandbox server gets the same behaviour.

Idempotence: the published ``version`` is the built version (the workbook's ``settings.version``), so an
equal version means nothing to do. Central refuses (409) to publish a version it has published before,
which happens when a form returns to earlier content: the draft is then published as
``<version>-r<n>``, and such a version still counts as the built one on the next run.
"""

from __future__ import annotations

import logging
import re
from contextlib import contextmanager

import requests
from pyodk._utils.config import CentralConfig, Config
from pyodk._utils.session import Adapter, Session
from pyodk.client import Client
from pyodk.errors import PyODKError

from forms.build import BuiltForm
from forms.deploy_common import TIMEOUT, DeployError, DeployResult, server_says

MAX_REPUBLISH = 20
# pyodk logs every refused request at ERROR with a traceback, including the expected 404 of a form not yet
# created and the 409 handled below; without a handler of its own that reaches stderr through logging's
# last resort. A NullHandler keeps it out of the terminal; an application's logging config still sees it.
logging.getLogger("pyodk").addHandler(logging.NullHandler())


def deploy_odk(base_url: str, username: str, password: str, project_id: int, built: BuiltForm) -> DeployResult:
    """Make ``built`` the published version of form ``built.form_id`` in a Central project."""
    with _errors_named(built, "could not reach or log in to ODK Central"):
        client = _client(base_url, username, password, project_id).open()
    try:
        live = live_form(client, project_id, built)
        if live is not None and live.publishedAt is not None and same_version(live.version, built.version):
            return DeployResult(built.form_id, built.form_id, "unchanged", live.version,
                                f"version {live.version} is already published in project {project_id}")
        if live is None:
            with _errors_named(built, "ODK Central refused to create the form"):
                client.forms.create(definition=built.xlsx, form_id=built.form_id, project_id=project_id)
            return DeployResult(built.form_id, built.form_id, "created", built.version,
                                f"created and published version {built.version} in project {project_id}")
        version = update(client, project_id, built)
        action = "unchanged" if version is None else "updated"
        version = version or built.version
        return DeployResult(built.form_id, built.form_id, action, version,
                            f"{action}: version {version} is published in project {project_id}")
    finally:
        client.close()


def same_version(live: str | None, built: str) -> bool:
    return live == built or bool(re.fullmatch(re.escape(built) + r"-r\d+", live or ""))


def _client(base_url: str, username: str, password: str, project_id: int) -> Client:
    session = Session(base_url=base_url, api_version="v1", username=username, password=password,
                      cache_path=None)
    session.mount("http://", Adapter(timeout=TIMEOUT))
    config = Config(central=CentralConfig(base_url=base_url, username=username, password=password,
                                          default_project_id=project_id))
    return Client(config=config, session=session, project_id=project_id)


class _errors_named:
    """Turn a pyodk or connection error into a DeployError naming the form and the server's answer."""

    def __init__(self, built: BuiltForm, problem: str):
        self.built, self.problem = built, problem

    def __enter__(self):
        return self

    def __exit__(self, kind, error, tb):
        if isinstance(error, PyODKError):
            response = _response(error)
            status, says = (response.status_code, server_says(response)) if response is not None else (None, str(error))
            raise DeployError(self.built.form_id, self.problem, status, says) from error
        if isinstance(error, requests.RequestException):
            raise DeployError(self.built.form_id, f"{self.problem}: {error}") from error
        return False


def _response(error: PyODKError) -> requests.Response | None:
    return next((a for a in error.args[1:] if isinstance(a, requests.Response)), None)


@contextmanager
def _expected_refusals():
    """Keep pyodk from logging a refusal the caller expects and handles (a form not created yet answers
    404, a draft of an earlier version's content 409): under a logging setup with a root handler, as in a
    Prefect run, it would print an ERROR with a traceback on every first deploy. Other refusals are
    raised to the caller, which names them."""
    logger = logging.getLogger("pyodk")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(level)


def live_form(client: Client, project_id: int, built: BuiltForm):
    """The form as Central shows it (published version, or the draft if never published), None if absent."""
    try:
        with _expected_refusals():
            return client.forms.get(built.form_id, project_id=project_id)
    except PyODKError as error:
        response = _response(error)
        if response is not None and response.status_code == 404:
            return None
        with _errors_named(built, "could not read the form from ODK Central"):
            raise


def update(client: Client, project_id: int, built: BuiltForm) -> str | None:
    """Replace the draft and publish it; the published version, or None if someone published it meanwhile."""
    try:
        with _errors_named(built, "ODK Central refused the new form version; the published version is "
                           "unchanged - fix the form and deploy again"), _expected_refusals():
            client.forms.update(built.form_id, project_id=project_id, definition=built.xlsx)
        return built.version
    except DeployError as error:
        if error.status != 409:
            raise
    live = live_form(client, project_id, built)
    if live is not None and live.version == built.version:
        return None
    return publish_renamed(client, project_id, built)


def publish_renamed(client: Client, project_id: int, built: BuiltForm) -> str:
    """Publish the waiting draft as ``<version>-r<n>``, the first such version Central has not seen."""
    path = f"projects/{project_id}/forms/{built.form_id}/draft/publish"
    for n in range(2, MAX_REPUBLISH + 2):
        version = f"{built.version}-r{n}"
        response = client.post(path, params={"version": version})
        if response.ok:
            return version
        if response.status_code != 409:
            raise DeployError(built.form_id, "ODK Central refused to publish the draft", response.status_code,
                              server_says(response))
    raise DeployError(built.form_id, f"versions {built.version}-r2 to -r{MAX_REPUBLISH + 1} are all published "
                      "already; publish the draft by hand with a new version")
