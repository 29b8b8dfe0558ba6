"""The period's 5W files written in a second process (``flows.fivew_process``) are the files the night's
process writes; a failure there fails the HRP step with its cause."""

from __future__ import annotations

import dataclasses

import pytest
from openpyxl import load_workbook

from connectors.synthetic import generate
from flows import fivew_process
from flows.hrp import run_hrp
from warehouse.db import dispose

from test_hrp_incremental import FORM, SEED, config, stage

PERIOD = {"start": "2025-12-01", "end": "2025-12-31"}


@pytest.fixture
def url(tmp_path):
    url = f"sqlite:///{tmp_path / 'w.db'}"
    yield url
    dispose(url)


def outputs(files) -> dict:
    """Each 5W file's content by name: CSV text, or every workbook sheet's cell values."""
    out = {}
    for path in files:
        if path.name.startswith(("fivew_", "presence_")):
            if path.suffix == ".csv":
                out[path.name] = path.read_text(encoding="utf-8")
            else:
                book = load_workbook(path, read_only=True)
                out[path.name] = {sheet.title: [list(row) for row in sheet.iter_rows(values_only=True)]
                                  for sheet in book.worksheets}
    return out


def test_the_5w_files_of_a_second_process_are_those_of_the_nights_process(url, tmp_path, monkeypatch):
    stage(url, generate(FORM, 30, SEED))
    here = dataclasses.replace(config(url, tmp_path / "here", PERIOD), parallel_pull_from=0)
    there = dataclasses.replace(config(url, tmp_path / "there", PERIOD), parallel_pull_from=30)
    files_here = run_hrp(here, "L")
    started = []
    original = fivew_process.FivewFiles
    monkeypatch.setattr(fivew_process, "FivewFiles", lambda: started.append(1) or original())
    files_there = run_hrp(there, "L")
    assert started == [1]
    assert [p.name for p in files_there] == [p.name for p in files_here]
    assert len(outputs(files_here)) == 3 and outputs(files_there) == outputs(files_here)
    assert run_hrp(dataclasses.replace(there, parallel_pull_from=31), "L") and started == [1]  # too few: here


def test_a_5w_file_that_cannot_be_written_fails_the_hrp_step_with_its_cause(url, tmp_path):
    stage(url, generate(FORM, 30, SEED))
    cfg = dataclasses.replace(config(url, tmp_path, PERIOD), parallel_pull_from=1)
    blocked = tmp_path / "out" / "hrp" / f"fivew_ssd_cp_{PERIOD['start']}_{PERIOD['end']}_hxl.csv"
    blocked.mkdir(parents=True)  # a folder where the CSV goes
    with pytest.raises(IsADirectoryError, match="hxl.csv"):
        run_hrp(cfg, "L")


def test_a_dead_5w_process_is_reported_by_name(url, tmp_path):
    stage(url, generate(FORM, 30, SEED))
    cfg = config(url, tmp_path, PERIOD)
    files = fivew_process.FivewFiles()
    try:
        for process in list(files.pool._processes.values()):
            process.kill()
            process.join()
        files.write(cfg, tmp_path / "out", PERIOD["start"], PERIOD["end"])
        with pytest.raises(fivew_process.FivewFilesError, match="process writing the 5W files ended"):
            files.result()
    finally:
        files.close()
