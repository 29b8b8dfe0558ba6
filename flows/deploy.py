"""Build and deploy the configured forms of one source (``clustermon forms deploy --source NAME``).

Each ``forms:`` entry of the source is built from ``forms/sources`` (pyxform + ODK Validate) and deployed
idempotently (``forms.deploy``): unchanged forms are left alone, changed ones get one new version. When
KoBo creates an asset for an entry without ``asset_uid`` (or with one that changed), the new uid is
written into the configuration file at once, so the next deployment and the nightly pull find it even if
a later form fails. Credentials come from the environment variables (or Prefect Secret blocks) the
source names.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from flows.config import Config, ConfigError, FormConfig, SourceConfig, secret
from flows.deploy_config import record_asset_uid
from flows.stage import list_files
from forms.build import build_form
from forms.definition import SOURCES_DIR
from forms.deploy import DeployResult, deploy_kobo, deploy_odk

DEFAULT_OUT_DIR = Path("dist/forms")


def deploy_forms(cfg: Config, source_name: str, form: str | None = None, out_dir: Path = DEFAULT_OUT_DIR,
                 sources_dir: Path = SOURCES_DIR) -> list[DeployResult]:
    """Deploy every form configured for ``source_name`` (only ``form`` when given), in file order.

    Stops at the first form that fails to build (``FormBuildError``) or deploy (``DeployError``);
    forms deployed before it stay deployed and recorded. A recorded asset uid is also set on ``cfg``.
    ``sources_dir`` is where the form sources are read (tests build edited copies).
    """
    source = cfg.source(source_name)
    entries = _entries(cfg, source_name, form)
    deploy_one = _deployer(source)
    results = []
    for entry in entries:
        built = build_form(entry.form, Path(out_dir), validate=True, lists=list_files(cfg), sources_dir=sources_dir)
        result = deploy_one(entry, built)
        if source.kind == "kobo" and result.server_id != entry.asset_uid and cfg.path is not None:
            record_asset_uid(cfg.path, entry.form, source_name, result.server_id)
            cfg.forms[cfg.forms.index(entry)] = replace(entry, asset_uid=result.server_id)
        results.append(result)
    return results


def _entries(cfg: Config, source_name: str, form: str | None) -> list[FormConfig]:
    entries = [f for f in cfg.forms if f.source == source_name and (form is None or f.form == form)]
    if not entries:
        known = [f.form for f in cfg.forms if f.source == source_name]
        what = f"form {form!r}" if form else "no form"
        raise ConfigError(f"{what} is configured for source {source_name!r} under 'forms:' "
                          f"(configured for it: {', '.join(known) or 'none'})")
    return entries


def _deployer(source: SourceConfig):
    """A function (entry, built) -> DeployResult for the source's kind, credentials read once."""
    if source.kind == "kobo":
        token = secret(source.token_env, source.token_block, f"source {source.name!r} (KoBo API token)")
        return lambda entry, built: deploy_kobo(source.url, token, built, entry.asset_uid)
    if source.kind == "odk":
        username = secret(source.username_env, None, f"source {source.name!r} (ODK Central username)")
        password = secret(source.password_env, source.password_block, f"source {source.name!r} (ODK password)")

        def deploy(entry: FormConfig, built) -> DeployResult:
            if entry.form_id and entry.form_id != entry.form:
                raise ConfigError(f"form {entry.form!r}: ODK Central names a form by the XLSForm's form_id "
                                  f"({entry.form!r}), but the configuration says form_id {entry.form_id!r}; "
                                  "make them equal")
            return deploy_odk(source.url, username, password, source.project_id, built)
        return deploy
    raise ConfigError(f"source {source.name!r} is of kind {source.kind!r}; forms deploy only to kobo or odk")
