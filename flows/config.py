"""The project configuration (`clustermon.yaml`) and the credentials it points at.

The file names where secrets live (an environment variable or a Prefect Secret block), never the secrets
themselves. ``CLUSTERMON_CONFIG`` overrides the file path and ``CLUSTERMON_WAREHOUSE_URL`` the warehouse.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import yaml

DEFAULT_PATH = "clustermon.yaml"
SOURCE_KINDS = ("kobo", "odk", "file")


class ConfigError(ValueError):
    """The configuration file is missing something or holds a value the pipeline cannot use."""


@dataclass(frozen=True)
class SourceConfig:
    name: str
    kind: str
    url: str = ""
    token_env: str | None = None
    token_block: str | None = None
    project_id: int = 1
    username_env: str | None = None
    password_env: str | None = None
    password_block: str | None = None

    def __repr__(self) -> str:  # the class never holds a secret, but keep repr short and safe
        return f"SourceConfig(name={self.name!r}, kind={self.kind!r}, url={self.url!r})"


@dataclass(frozen=True)
class FormConfig:
    form: str
    source: str
    asset_uid: str | None = None
    form_id: str | None = None

    @property
    def server_id(self) -> str:
        return self.asset_uid or self.form_id or self.form


@dataclass(frozen=True)
class CcpmConfig:
    cycle: str = "ccpm"
    level: str = "national"
    status: str = "preliminary"
    start: str | None = None
    end: str | None = None
    aggregator: str = "median_of_respondent_means"
    precondition_absent: str = "exclude"
    bands: tuple[float, float, float] = (25.0, 50.0, 75.0)
    min_response_rate: float = 0.5
    anonymity_threshold: int = 3
    late_days: int = 30
    trend_tolerance: float = 0.0
    min_effective_rate: float | None = None
    pdf: bool = True
    previous_cycle: str | None = None


@dataclass
class Config:
    country: str
    cluster: str
    warehouse: str
    reports_dir: Path
    timezone: str = "UTC"
    sources: dict[str, SourceConfig] = field(default_factory=dict)
    forms: list[FormConfig] = field(default_factory=list)
    ccpm: CcpmConfig = field(default_factory=CcpmConfig)
    overlap_minutes: int = 60
    page_size: int = 1000
    reporting_period: dict = field(default_factory=dict)
    hrp_framework: Path | None = None
    cpms_targets: Path | None = None
    fivew_workbook_max_lines: int = 20_000
    parallel_pull_from: int = 20_000
    check_reporting_window: bool = True
    lists: dict = field(default_factory=dict)
    write_back: bool = False
    write_back_kobo_status: str = "validation_status_not_approved"
    write_back_odk_state: str = "hasIssues"
    path: Path | None = None

    def source(self, name: str) -> SourceConfig:
        if name not in self.sources:
            raise ConfigError(f"form refers to source {name!r}, which is not under 'sources:' "
                              f"(known: {', '.join(self.sources) or 'none'})")
        return self.sources[name]


def _source(name: str, raw: dict) -> SourceConfig:
    kind = raw.get("kind")
    if kind not in SOURCE_KINDS:
        raise ConfigError(f"source {name!r}: kind must be one of {', '.join(SOURCE_KINDS)}, got {kind!r}")
    known = {f for f in SourceConfig.__dataclass_fields__ if f != "name"}
    unknown = set(raw) - known
    if unknown:
        raise ConfigError(f"source {name!r}: unknown keys {sorted(unknown)}; secrets go in environment "
                          "variables named by token_env / username_env / password_env")
    return SourceConfig(name=name, **raw)


def _ccpm(raw: dict) -> CcpmConfig:
    raw = dict(raw or {})
    for key in ("start", "end"):
        if isinstance(raw.get(key), date):
            raw[key] = raw[key].isoformat()
    if "bands" in raw:
        raw["bands"] = tuple(float(b) for b in raw["bands"])
    return CcpmConfig(**raw)


def parse_config(raw: dict, path: Path | None = None) -> Config:
    for key in ("country", "cluster"):
        if not raw.get(key):
            raise ConfigError(f"{path or 'configuration'}: '{key}' is required")
    sources = {name: _source(name, body or {}) for name, body in (raw.get("sources") or {}).items()}
    forms = [FormConfig(**f) for f in raw.get("forms") or []]
    cfg = Config(
        country=str(raw["country"]), cluster=str(raw["cluster"]),
        warehouse=os.environ.get("CLUSTERMON_WAREHOUSE_URL") or raw.get("warehouse", "sqlite:///clustermon.db"),
        reports_dir=Path(raw.get("reports_dir", "reports")), timezone=raw.get("timezone", "UTC"),
        sources=sources, forms=forms, ccpm=_ccpm(raw.get("ccpm")),
        overlap_minutes=int(raw.get("overlap_minutes", 60)), page_size=int(raw.get("page_size", 1000)),
        reporting_period=raw.get("reporting_period") or {},
        hrp_framework=Path(raw["hrp_framework"]) if raw.get("hrp_framework") else None,
        cpms_targets=Path(raw["cpms_targets"]) if raw.get("cpms_targets") else None,
        fivew_workbook_max_lines=int(raw.get("fivew_workbook_max_lines", 20_000)),
        parallel_pull_from=int(raw.get("parallel_pull_from", 20_000)),
        check_reporting_window=bool(raw.get("check_reporting_window", True)),
        lists=dict(raw.get("lists") or {}), write_back=bool(raw.get("write_back", False)),
        write_back_kobo_status=raw.get("write_back_kobo_status", "validation_status_not_approved"),
        write_back_odk_state=raw.get("write_back_odk_state", "hasIssues"), path=path,
    )
    for form in cfg.forms:
        cfg.source(form.source)
    _check_write_back(cfg)
    return cfg


def _check_write_back(cfg: Config) -> None:
    from connectors.writeback import KOBO_STATUSES, ODK_STATES

    if cfg.write_back_kobo_status not in KOBO_STATUSES:
        raise ConfigError(f"write_back_kobo_status must be one of {', '.join(KOBO_STATUSES)}, "
                          f"got {cfg.write_back_kobo_status!r}")
    if cfg.write_back_odk_state not in ODK_STATES:
        raise ConfigError(f"write_back_odk_state must be one of {', '.join(ODK_STATES)}, "
                          f"got {cfg.write_back_odk_state!r}")


def load_config(path: str | Path | None = None) -> Config:
    path = Path(path or os.environ.get("CLUSTERMON_CONFIG") or DEFAULT_PATH)
    if not path.exists():
        raise ConfigError(f"configuration file {path} not found; copy clustermon.yaml from the repository "
                          "or set CLUSTERMON_CONFIG")
    with path.open(encoding="utf-8") as fh:
        return parse_config(yaml.safe_load(fh) or {}, path)


def secret(env_name: str | None, block_name: str | None, what: str) -> str:
    """Read a credential from the environment, else from a Prefect Secret block; never from the file."""
    if env_name and os.environ.get(env_name):
        return os.environ[env_name]
    if block_name:
        from prefect.blocks.system import Secret

        return Secret.load(block_name).get()
    raise ConfigError(f"{what}: set the environment variable {env_name or '(token_env not configured)'}"
                      + (f" or create the Prefect Secret block {block_name!r}" if block_name else ""))
