"""BI tools read the published DuckDB file while the pipeline publishes again: nobody waits, nobody fails."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import duckdb

from orchestration.settings import get_settings
from tests.expectations.marts import build_marts
from tests.publish.test_dagster_publish import pipeline, run
from tests.publish.test_publish import gate_and_publish
from warehouse import connect
from warehouse.publish import DB_FILE, read_manifest

# A BI tool in another process: `hold` keeps one read-only connection open throughout; `reconnect` opens a
# fresh read-only connection for every query. Both query in a loop until told to stop, then report.
READER = """
import json, pathlib, sys, time
import duckdb

path, ready, stop, mode = sys.argv[1:5]
errors, versions, reads = [], [], 0

def read(con):
    global reads
    con.sql("select count(*), sum(sentiment_score) from marts.fct_feedback").fetchall()
    version = con.sql("select max(version) from main._publication").fetchall()[0][0]
    if version not in versions:
        versions.append(version)
        seen = pathlib.Path(ready).with_suffix(".seen")
        seen.with_suffix(".tmp").write_text(version)
        seen.with_suffix(".tmp").replace(seen)
    reads += 1

held = duckdb.connect(path, read_only=True) if mode == "hold" else None
pathlib.Path(ready).touch()
while not pathlib.Path(stop).exists():
    try:
        if held is not None:
            read(held)
        else:
            with duckdb.connect(path, read_only=True) as con:
                read(con)
    except Exception as error:
        errors.append(repr(error))
    time.sleep(0.05)
print(json.dumps({"errors": errors, "versions": versions, "reads": reads}))
"""


def start_reader(path: Path, mode: str, tmp: Path) -> tuple[subprocess.Popen, Path]:
    ready, stop = tmp / f"{mode}.ready", tmp / "stop"
    process = subprocess.Popen(
        [sys.executable, "-c", READER, str(path), str(ready), str(stop), mode], stdout=subprocess.PIPE, text=True
    )
    deadline = time.monotonic() + 30
    while not ready.exists():
        assert process.poll() is None and time.monotonic() < deadline, f"{mode} reader did not start"
        time.sleep(0.05)
    return process, stop


def test_readers_in_other_processes_never_block_or_break_a_publication(cfm_env, tmp_path, no_data_docs):
    with connect() as con:
        build_marts(con)
    first = gate_and_publish("run-0").version
    published = get_settings().publish_dir / DB_FILE

    holder, stop = start_reader(published, "hold", tmp_path)
    reconnecting, _ = start_reader(published, "reconnect", tmp_path)
    try:
        # The pipeline runs (a real Dagster run: build, gates, publish), then publishes once more.
        pipeline_run = run(pipeline())
        last = gate_and_publish("run-2").version
        seen, deadline = tmp_path / "reconnect.seen", time.monotonic() + 30
        while not (seen.exists() and seen.read_text() == last) and time.monotonic() < deadline:
            time.sleep(0.05)  # the reconnecting reader opens the newest file at its next query
    finally:
        stop.touch()
        held_report = json.loads(holder.communicate(timeout=60)[0])
        fresh_report = json.loads(reconnecting.communicate(timeout=60)[0])

    assert pipeline_run.success  # the writer never met a lock ...
    assert held_report["errors"] == [] and fresh_report["errors"] == []  # ... nor did the readers
    assert read_manifest(published.parent)["version"] == last != first
    assert held_report["versions"] == [first]  # an open connection keeps reading its (old) file, whole
    assert fresh_report["versions"][0] == first and fresh_report["versions"][-1] == last  # reconnect: new data
    assert held_report["reads"] > 10 and fresh_report["reads"] > 10
    with duckdb.connect(str(published), read_only=True) as reader:
        assert reader.sql("select max(version) from main._publication").fetchall() == [(last,)]
