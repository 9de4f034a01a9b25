"""The Dagster side of the sources: assets materialize alone with counts in their metadata, the file sensor
asks for one run per new or changed export file, and `cfm pull` prints what it fetched and landed."""

from __future__ import annotations

import json
import os
from pathlib import Path

import dagster as dg
from typer.testing import CliRunner

from orchestration.assets.landing import ticket_files__tickets
from orchestration.assets.sources import SourceCredentials, landing_file_sensor, source_assets
from orchestration.cli_sources import app
from orchestration.source_registry import SOURCES
from sandbox import SandboxServer
from warehouse import connect


def _asset(key: str) -> dg.AssetsDefinition:
    return next(a for a in source_assets if a.key == dg.AssetKey.from_user_string(key))


def test_one_asset_per_source_object_grouped_by_family() -> None:
    groups = {a.key.to_user_string(): a.group_names_by_key[a.key] for a in source_assets}
    assert groups == {
        "zendesk/tickets": "tickets",
        "zendesk/satisfaction_ratings": "tickets",
        "typeform/responses": "surveys",
        "qualtrics/responses": "surveys",
        "survey_files/responses": "surveys",
        "reddit/posts": "social",
        "appstore/reviews": "social",
        "shopify/returns": "returns",
        "returns_files/returns": "returns",
    }
    assert all(a.op.retry_policy is not None for a in source_assets)


def test_asset_materializes_alone_with_counts(sandbox: SandboxServer) -> None:
    sandbox.set_faults(malformed=1, only="zendesk")
    result = dg.materialize(
        [_asset("zendesk/tickets")], resources={"source_credentials": SourceCredentials()}
    )
    assert result.success
    metadata = result.asset_materializations_for_node("zendesk__tickets")[0].metadata
    served = len(sandbox.store.rows("tickets", system="zendesk"))
    assert metadata["fetched"].value == served + 1
    assert metadata["landed"].value == served
    assert metadata["quarantined"].value == 1
    assert metadata["updated"].value == 0
    assert "after_cursor" in metadata["cursor"].value


def test_secret_from_the_resource_reaches_the_connector(sandbox: SandboxServer) -> None:
    # The sandbox answers 401 to an empty bearer token: a token given only to the resource must be used.
    os.environ.pop("REDDIT_TOKEN", None)
    credentials = SourceCredentials(reddit_token="from-resource")
    assert credentials.env()["REDDIT_TOKEN"] == "from-resource"
    result = dg.materialize([_asset("reddit/posts")], resources={"source_credentials": credentials})
    assert result.success


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_sensor_requests_a_run_per_new_or_changed_file(cfm_env: Path) -> None:
    landing = cfm_env / "landing"
    _write(landing / "surveys" / "a.csv", "response_id,submitted_at\nr1,2026-01-01T00:00:00Z\n")
    _write(landing / "returns" / "b.csv", "return_id,requested_at\nx1,2026-01-01T00:00:00Z\n")
    _write(landing / "tickets" / "notes.txt", "not an export")

    first = landing_file_sensor(dg.build_sensor_context(cursor=None))
    assert sorted(r.asset_selection[0].to_user_string() for r in first.run_requests) == [
        "returns_files/returns",
        "survey_files/responses",
    ]
    assert all(":" in r.run_key for r in first.run_requests)

    again = landing_file_sensor(dg.build_sensor_context(cursor=first.cursor))
    assert isinstance(again, dg.SkipReason)

    path = landing / "surveys" / "a.csv"
    os.utime(path, (path.stat().st_atime, path.stat().st_mtime + 10))
    _write(landing / "tickets" / "t.jsonl", '{"ticket_id": 1}\n')
    changed = landing_file_sensor(dg.build_sensor_context(cursor=first.cursor))
    assert sorted(r.asset_selection[0].to_user_string() for r in changed.run_requests) == [
        "survey_files/responses",
        "ticket_files/tickets",
    ]
    assert set(json.loads(changed.cursor)) == {str(p) for p in landing.rglob("*.*") if p.suffix != ".txt"}


def test_sensor_resolves_in_definitions() -> None:
    defs = dg.Definitions(
        assets=[*source_assets, ticket_files__tickets],
        sensors=[landing_file_sensor],
        resources={"source_credentials": SourceCredentials()},
    )
    assert defs.resolve_sensor_def("landing_file_sensor").name == "landing_file_sensor"


def test_file_sources_land_csv_exports_with_quarantine(cfm_env: Path) -> None:
    _write(
        cfm_env / "landing" / "returns" / "returns_2026.csv",
        "return_id,order_id,line_item_id,customer_id,product_id,quantity,amount,currency,reason_code,"
        "customer_note,status,requested_at\n"
        "R1,O1,L1,C000001,P0001,1,19.9,USD,SIZE_TOO_SMALL,too tight,OPEN,2026-01-02T10:00:00+08:00\n"
        "R2,O2,L2,C000002,P0002,two,5,USD,DEFECTIVE,broken,OPEN,2026-01-02T11:00:00Z\n"
        "R3,O3,L3\n",
    )
    runner = CliRunner()
    out = runner.invoke(app, ["pull", "returns_files_returns", "--json"])
    assert out.exit_code == 0, out.output
    row = json.loads(out.output)[0]
    assert (row["fetched"], row["inserted"], row["quarantined"]) == (3, 1, 2)
    again = json.loads(runner.invoke(app, ["pull", "returns_files_returns", "--json"]).output)[0]
    assert again["fetched"] == 0 and again["files_already_landed"] == 1
    with connect() as con:
        reasons = [r[0] for r in con.execute("select reason from raw.quarantine order by line").fetchall()]
    assert reasons[0].startswith("quantity is not a valid int") and "expected 12 fields" in reasons[1]


def test_cfm_pull_prints_counts_and_help_lists_every_source(sandbox: SandboxServer) -> None:
    runner = CliRunner()
    help_text = runner.invoke(app, ["pull", "--help"], terminal_width=200).output
    for name in SOURCES:
        assert name in help_text
    out = runner.invoke(app, ["pull", "typeform_responses", "reddit_posts"], terminal_width=200)
    assert out.exit_code == 0, out.output
    assert "typeform_responses" in out.output and "reddit_posts" in out.output and "fetched" in out.output
    sandbox.set_faults(server_error=10**6, only="typeform")
    failed = runner.invoke(app, ["pull", "typeform_responses"], terminal_width=200)
    assert failed.exit_code == 1 and "status=500" in failed.output
