"""In real headless Chromium: the demo's JavaScript-only form is extracted and classified
from the rendered DOM, and every extracted selector finds its element with
``document.querySelector`` (the browser, not lxml, decides)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.wait import WebDriverWait

from dcaudit.classify.decision import classify
from dcaudit.classify.rules import ClassificationRules
from dcaudit.demo.server import DemoServer, ground_truth_path
from dcaudit.engine.accuracy import find_matches, load_ground_truth
from dcaudit.extract.interactions import extract_interactions
from dcaudit.models import Interaction
from dcaudit.parse.document import parse_html

pytestmark = pytest.mark.browser

PAGES = ("", "report/", "have-your-say/your-community-your-choice/", "contact/", "cy/rhoi-gwybod/")


@pytest.fixture(scope="module")
def server() -> Iterator[DemoServer]:
    with DemoServer() as running:
        yield running


@pytest.fixture(scope="module")
def browser() -> Iterator[webdriver.Chrome]:
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or ""
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--no-first-run"):
        options.add_argument(argument)
    service = Service(executable_path=shutil.which("chromedriver") or "")  # never downloaded
    driver = webdriver.Chrome(options=options, service=service)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()


def rendered(browser: webdriver.Chrome, url: str, rules: ClassificationRules) -> list[Interaction]:
    browser.get(url)
    parsed = parse_html(browser.current_url, browser.page_source)
    return classify(extract_interactions(parsed, rules=rules), parsed, rules)


def test_demo_rendered_script_only_form_is_classified(
    browser: webdriver.Chrome, server: DemoServer, rules: ClassificationRules
) -> None:
    browser.get(server.url + "contact/call-back/")
    WebDriverWait(browser, 10).until(
        expected_conditions.presence_of_element_located((By.CSS_SELECTOR, "#call-back-root form"))
    )
    parsed = parse_html(browser.current_url, browser.page_source)
    found = classify(extract_interactions(parsed, rules=rules), parsed, rules)
    entry = next(
        e
        for e in load_ground_truth(Path(str(ground_truth_path())))
        if "call-back/request" in e.match
    )
    matches = find_matches(entry, found)
    assert len(matches) == 1, [(i.kind, i.target) for i in found]
    assert matches[0].interaction_class == entry.cls
    assert set(matches[0].four_cos) == set(entry.four_cos)


@pytest.mark.parametrize("path", PAGES)
def test_demo_rendered_selectors_find_their_element(
    browser: webdriver.Chrome, server: DemoServer, rules: ClassificationRules, path: str
) -> None:
    found = rendered(browser, server.url + path, rules)
    assert found
    for interaction in found:
        count = browser.execute_script(
            "return document.querySelectorAll(arguments[0]).length", interaction.selector
        )
        assert count == 1, (interaction.label, interaction.selector, count)
