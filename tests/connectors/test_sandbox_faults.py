"""Fault injection over real HTTP: each fault kind, ordering, path matching and the admin endpoint."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from connectors.sandbox import Sandbox, asset_uid
from connectors.sandbox.example_form import example_form

AUTH = {"Authorization": "Token sandbox-token"}


@pytest.fixture
def sandbox():
    with Sandbox(forms={"mini": 20}, definitions={"mini": example_form()}) as sb:
        yield sb


def data(sb, **params):
    return requests.get(f"{sb.url}/api/v2/assets/{asset_uid('mini')}/data/", params=params,
                        headers=AUTH, timeout=10)


def test_429_with_retry_after_applies_the_given_number_of_times(sandbox):
    sandbox.inject([{"status": 429, "retry_after": 1, "times": 2, "path": "data"}])
    first, second, third = data(sandbox), data(sandbox), data(sandbox)
    assert [first.status_code, second.status_code, third.status_code] == [429, 429, 200]
    assert first.headers["Retry-After"] == "1"


def test_faults_only_hit_requests_whose_path_matches(sandbox):
    sandbox.inject([{"status": 503, "path": "/data/"}])
    assert requests.get(f"{sandbox.url}/api/v2/assets/", headers=AUTH, timeout=5).status_code == 200
    assert data(sandbox).status_code == 503 and data(sandbox).status_code == 200


def test_faults_apply_in_queue_order(sandbox):
    sandbox.inject([{"status": 502}, {"status": 504}])
    assert [data(sandbox).status_code for _ in range(3)] == [502, 504, 200]


def test_reset_drops_the_connection(sandbox):
    sandbox.inject([{"kind": "reset"}])
    with pytest.raises(requests.ConnectionError):
        data(sandbox)
    assert data(sandbox).status_code == 200


def test_slow_delays_the_real_answer(sandbox):
    sandbox.inject([{"kind": "slow", "seconds": 0.4}])
    began = time.monotonic()
    response = data(sandbox)
    assert response.status_code == 200 and time.monotonic() - began >= 0.4
    with pytest.raises(requests.Timeout):
        sandbox.inject([{"kind": "slow", "seconds": 0.5}])
        requests.get(f"{sandbox.url}/api/v2/assets/", headers=AUTH, timeout=0.1)


def test_truncated_body_fails_the_read(sandbox):
    sandbox.inject([{"kind": "truncated"}])
    with pytest.raises((requests.exceptions.ChunkedEncodingError, requests.ConnectionError)):
        data(sandbox, limit=20).json()
    assert data(sandbox).status_code == 200


def test_abort_after_pages_lets_pages_through_then_resets(sandbox):
    sandbox.inject([{"kind": "abort_after_pages", "pages": 2, "path": "data"}])
    assert data(sandbox, limit=5).status_code == 200 and data(sandbox, limit=5, start=5).status_code == 200
    with pytest.raises(requests.ConnectionError):
        data(sandbox, limit=5, start=10)
    assert data(sandbox, limit=5, start=10).status_code == 200


def test_faults_given_at_start_and_through_the_admin_endpoint(sandbox):
    with Sandbox(forms={"mini": 5}, definitions={"mini": example_form()}, faults=[{"status": 502}]) as other:
        assert data(other).status_code == 502 and data(other).status_code == 200
    posted = requests.post(f"{sandbox.url}/__admin/faults", json=[{"status": 500, "times": 1}], timeout=5)
    assert posted.status_code == 200 and posted.json()[0]["status"] == 500
    assert data(sandbox).status_code == 500 and data(sandbox).status_code == 200
    bad = requests.post(f"{sandbox.url}/__admin/faults", json=[{"kind": "explode"}], timeout=5)
    assert bad.status_code == 400 and "explode" in bad.json()["detail"]


def test_admin_endpoints_change_the_truth_from_another_process(sandbox):
    base = f"{sandbox.url}/__admin/forms/mini"
    assert requests.post(f"{base}/add", json={"n": 3}, timeout=5).json() == {"added": [21, 22, 23]}
    assert requests.post(f"{base}/delete", json={"_id": 1}, timeout=5).status_code == 200
    edited = requests.post(f"{base}/edit", json={"_id": 2, "changes": {"q1": "0"}}, timeout=5).json()
    assert edited["q1"] == "0" and edited["meta/deprecatedID"]
    assert requests.post(f"{base}/delete", json={"_id": 1}, timeout=5).status_code == 404
    truth = requests.get(f"{base}/truth", timeout=5).json()
    assert [r["_id"] for r in truth] == list(range(2, 24)) and truth == sandbox.truth("mini")


def test_command_line_serves_until_interrupted(tmp_path):
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen([sys.executable, "-m", "connectors.sandbox", "--port", str(port),
                                "--submissions", "7", "--form", "ccpm_partner"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               cwd=Path(__file__).resolve().parents[2])
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                response = requests.get(f"http://127.0.0.1:{port}/api/v2/assets/{asset_uid('ccpm_partner')}/data/",
                                        headers=AUTH, timeout=2)
                break
            except requests.ConnectionError:
                time.sleep(0.1)
        assert response.json()["count"] == 7
    finally:
        process.send_signal(subprocess.signal.SIGINT)
        process.wait(timeout=10)
