"""Suite-wide fixtures: browser availability policy and network hygiene."""

from __future__ import annotations

import os
import shutil

import pytest


def browser_missing_reason() -> str | None:
    for tool in ("chromium", "chromedriver"):
        if shutil.which(tool) is None:
            return f"{tool} not found on PATH"
    return None


def browser_required() -> bool:
    """CI (CI=true, or DCAUDIT_REQUIRE_BROWSER=1) turns a missing browser into a failure."""
    return os.environ.get("DCAUDIT_REQUIRE_BROWSER") == "1" or os.environ.get("CI") == "true"


@pytest.fixture(autouse=True)
def _browser_policy(request: pytest.FixtureRequest) -> None:
    if "browser" not in request.keywords:
        return
    reason = browser_missing_reason()
    if reason is None:
        return
    if browser_required():
        pytest.fail(f"browser test cannot run in CI: {reason}")
    pytest.skip(f"browser test: {reason}")


@pytest.fixture(autouse=True)
def _no_proxy_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Loopback tests must not be routed through a proxy from the environment."""
    for name in (
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "http_proxy",
        "https_proxy",
        "all_proxy",
    ):
        monkeypatch.delenv(name, raising=False)
