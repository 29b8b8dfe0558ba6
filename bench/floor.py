"""The floor: fetch the same pages the pipeline reads and only parse their JSON (no mapping, no storage)."""

from __future__ import annotations

import time

import requests


def floor(spec: dict) -> dict:
    """Rows per second of paging through the KoBo data endpoint with one keep-alive session."""
    session = requests.Session()
    session.headers["Authorization"] = f"Token {spec['token']}"
    url = f"{spec['url']}/api/v2/assets/{spec['asset_uid']}/data/"
    params = {"format": "json", "start": 0, "limit": 1000, "sort": '{"_id":1}'}
    rows = pages = 0
    began = time.perf_counter()
    while url:
        response = session.get(url, params=params, timeout=120)
        response.raise_for_status()
        page = response.json()
        rows, pages = rows + len(page["results"]), pages + 1
        url, params = page.get("next"), None
    return {"rows": rows, "seconds": time.perf_counter() - began, "pages": pages}
