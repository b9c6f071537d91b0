"""Engine tests: each runs against MkDocs, ProperDocs and Zensical (the `test` extra installs
all three). An engine that is not installed is skipped, except in CI (``CI=true``), where it fails."""

from __future__ import annotations

import os

import pytest

from portfolio_builder.publish import engines
from portfolio_builder.publish.stage import ENGINES


@pytest.fixture(params=ENGINES)
def engine(request: pytest.FixtureRequest) -> str:
    name = request.param
    if not engines.available(name):
        if os.environ.get("CI") == "true":
            pytest.fail(f"{name} is not installed (pip install 'portfolio-builder[test]')")
        pytest.skip(f"{name} is not installed")
    return name
