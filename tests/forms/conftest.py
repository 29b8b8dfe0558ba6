"""Fixtures for the forms room: every shipped form built once per test session (pyxform + ODK Validate)."""

import pytest

from forms.build import build_all


@pytest.fixture(scope="session")
def built_forms(tmp_path_factory):
    out = tmp_path_factory.mktemp("built_forms")
    return {b.form_id: b for b in build_all(out, validate=True)}
