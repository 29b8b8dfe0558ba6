"""`clustermon ingest --file`: a partner's export lands, validates and stages like an API pull."""

from __future__ import annotations

import sys
from pathlib import Path

import sqlalchemy as sa
import yaml
from typer.testing import CliRunner

from connectors.kobo import KoboClient
from connectors.sandbox import Sandbox
from flows.cli import app
from forms.definition import load_form

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "connectors"))
from test_files import write_kobo_xlsx  # noqa: E402  (the export writer the connector tests use)


def _export(path: Path, n: int) -> list[dict]:
    form = load_form("fivew_monthly")
    with Sandbox(port=0, seed=4, forms={"fivew_monthly": n}) as sb:
        sb.edit("fivew_monthly", 1, {"reporting_org": "NOT-A-PARTNER"})
        rows = [r for page in KoboClient(sb.url, sb.token).iter_pages(sb.asset_uid("fivew_monthly")) for r in page]
    write_kobo_xlsx(path, rows, form)
    return rows


def test_an_exported_file_is_landed_validated_and_staged_once(tmp_path, warehouse_url):
    rows = _export(tmp_path / "partner_export.xlsx", 6)
    config = tmp_path / "clustermon.yaml"
    config.write_text(yaml.safe_dump({"country": "SSD", "cluster": "CP", "warehouse": warehouse_url,
                                      "reports_dir": str(tmp_path / "reports")}), encoding="utf-8")
    args = ["ingest", "--file", str(tmp_path / "partner_export.xlsx"), "--form", "fivew_monthly",
            "--config", str(config)]
    first = CliRunner().invoke(app, args)
    assert first.exit_code == 0, first.output
    assert "6 submissions read, 6 new, 0 changed; staged 5, quarantined 1" in first.output
    second = CliRunner().invoke(app, args)
    assert "0 new, 0 changed" in second.output
    eng = sa.create_engine(warehouse_url)
    with eng.connect() as conn:
        keys = {r[0] for r in conn.execute(sa.text("select submission_key from submissions"))}
        sources = {r[0] for r in conn.execute(sa.text("select distinct source from submissions"))}
        staged = conn.execute(sa.text("select count(*) from stg_fivew_monthly")).scalar()
        rules = {r[0] for r in conn.execute(sa.text("select rule from quarantine"))}
    eng.dispose()
    assert keys == {r["meta/rootUuid"] for r in rows} and sources == {"file"}
    assert staged == 5 and "fivew_org_unknown" in rules
