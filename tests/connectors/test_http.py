"""ApiSession against the sandbox over real HTTP: retries, Retry-After, resets, truncated bodies, limits."""

import time

import pytest

from connectors.errors import SourceError
from connectors.http import ApiSession, TokenAuth
from connectors.sandbox import Sandbox

ASSETS = "api/v2/assets/"


@pytest.fixture(scope="module")
def sandbox():
    with Sandbox(port=0, token="sandbox-token", seed=1, forms={"ccpm_partner": 5}) as sb:
        yield sb


@pytest.fixture
def session(sandbox):
    sandbox.state.faults.clear()
    s = ApiSession(sandbox.url, retries=3, backoff_factor=0.01, timeout=(2, 5))
    s.auth = TokenAuth("Token", "sandbox-token")
    yield s
    s.close()
    sandbox.state.faults.clear()


def test_a_429_waits_for_retry_after_then_succeeds(sandbox, session):
    sandbox.inject([{"status": 429, "retry_after": 1}])
    began = time.monotonic()
    assert session.get_json(ASSETS)["count"] == 1
    assert time.monotonic() - began >= 0.95


def test_503_twice_then_success_backs_off_without_retry_after(sandbox, session):
    sandbox.inject([{"status": 503, "times": 2}])
    began = time.monotonic()
    assert session.get_json(ASSETS)["count"] == 1
    assert time.monotonic() - began < 1
    assert sandbox.state.faults.pending() == []


@pytest.mark.parametrize("fault", [{"kind": "reset"}, {"kind": "truncated"}, {"status": 500}, {"status": 504}])
def test_resets_truncated_bodies_and_5xx_are_retried(sandbox, session, fault):
    sandbox.inject([fault])
    assert session.get_json(ASSETS)["count"] == 1
    assert sandbox.state.faults.pending() == []


def test_truncated_bodies_beyond_the_limit_raise_a_clear_error(sandbox, session):
    sandbox.inject([{"kind": "truncated", "times": 10}])
    with pytest.raises(SourceError, match="incomplete 4 times"):
        session.get_json(ASSETS, what="listing assets")


def test_exhausted_retries_raise_source_error_with_the_response(sandbox, session):
    sandbox.inject([{"status": 503, "times": 10}])
    with pytest.raises(SourceError) as error:
        session.get_json(ASSETS, what="listing assets")
    assert error.value.status == 503
    message = str(error.value)
    assert "127.0.0.1" in message and "listing assets" in message and "HTTP 503" in message
    assert "run the pull again" in message
    assert len(sandbox.state.faults.pending()) == 1 and sandbox.state.faults.pending()[0]["times"] == 6


def test_wrong_token_is_not_retried_and_says_what_to_check(sandbox):
    s = ApiSession(sandbox.url, retries=3, backoff_factor=0.01)
    s.auth = TokenAuth("Token", "wrong")
    with pytest.raises(SourceError, match="check the token") as error:
        s.get_json(ASSETS)
    assert error.value.status == 401


def test_unreachable_server_raises_source_error():
    s = ApiSession("http://127.0.0.1:9", retries=1, backoff_factor=0.01, timeout=(0.5, 1))
    with pytest.raises(SourceError, match="could not be reached"):
        s.get_json(ASSETS)


def test_the_token_never_shows_in_repr():
    s = ApiSession("http://127.0.0.1:9")
    s.auth = TokenAuth("Token", "s3cret-value")
    assert "s3cret" not in repr(s) and "s3cret" not in repr(s.auth)


def test_next_links_are_rebased_onto_the_configured_server():
    s = ApiSession("https://kobo.example.org")
    assert s.url_for("http://10.0.0.5:8000/api/v2/assets/a/data/?start=100") == \
        "https://kobo.example.org/api/v2/assets/a/data/?start=100"
    assert s.url_for("/api/v2/assets/") == "https://kobo.example.org/api/v2/assets/"


def test_environment_proxies_are_taken_once_for_the_server_and_no_proxy_is_honoured(sandbox, monkeypatch):
    """Proxy settings are read when the session is made (requests would read them on every request):
    a proxy in the environment is used, unless NO_PROXY names the server."""
    for name in ("NO_PROXY", "no_proxy", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")  # nothing listens there
    proxied = ApiSession(sandbox.url, retries=0, timeout=(0.5, 1))
    proxied.auth = TokenAuth("Token", "sandbox-token")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    direct = ApiSession(sandbox.url, retries=0, timeout=(0.5, 1))
    direct.auth = TokenAuth("Token", "sandbox-token")
    monkeypatch.delenv("NO_PROXY")  # read once: changing the environment later changes neither session
    with pytest.raises(SourceError):
        proxied.get_json(ASSETS)
    assert direct.get_json(ASSETS)["count"] == 1
    assert not proxied.trust_env and proxied.proxies == {"http": "http://127.0.0.1:9"}


def test_a_ca_bundle_from_the_environment_is_kept(monkeypatch):
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/certs/ca-certificates.crt")
    assert ApiSession("https://kobo.example.org").verify == "/etc/ssl/certs/ca-certificates.crt"
