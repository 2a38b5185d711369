"""The demo site in real headless Chromium: JavaScript-built form, offline embeds, own host only."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.wait import WebDriverWait

from dcaudit.demo import DemoServer

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser() -> Iterator[webdriver.Chrome]:
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or ""
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--no-first-run"):
        options.add_argument(argument)
    # the OS driver, so Selenium never tries to download one
    service = Service(executable_path=shutil.which("chromedriver") or "")
    driver = webdriver.Chrome(options=options, service=service)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()


def resource_hosts(driver: webdriver.Chrome) -> set[str]:
    names = driver.execute_script(
        "return performance.getEntriesByType('resource').map(function (e) { return e.name; });"
    )
    return {urlsplit(str(name)).hostname or "" for name in names}


def test_call_back_form_appears_only_after_javascript_runs(
    browser: webdriver.Chrome, shared_server: DemoServer
) -> None:
    browser.get(shared_server.url + "contact/call-back/")
    form = WebDriverWait(browser, 10).until(
        expected_conditions.presence_of_element_located((By.ID, "call-back-form"))
    )
    assert form.get_attribute("action") == shared_server.url + "contact/call-back/request"
    labels = [label.text for label in form.find_elements(By.TAG_NAME, "label")]
    assert labels == ["Full name", "Phone number", "When should we call?"]


def test_complaints_page_loads_offline_despite_recaptcha(
    browser: webdriver.Chrome, shared_server: DemoServer
) -> None:
    browser.get(shared_server.url + "contact/complaints/")
    assert browser.execute_script("return document.readyState") == "complete"
    assert browser.find_element(By.ID, "complaint").is_displayed()


@pytest.mark.parametrize("path", ["", "parks/", "have-your-say/your-community-your-choice/"])
def test_pages_fetch_resources_only_from_the_demo_host(
    browser: webdriver.Chrome, shared_server: DemoServer, path: str
) -> None:
    browser.get(shared_server.url + path)
    assert resource_hosts(browser) <= {"127.0.0.1"}


def test_bin_day_lookup_works_in_the_browser(
    browser: webdriver.Chrome, shared_server: DemoServer
) -> None:
    browser.get(shared_server.url + "services/waste/bin-day/")
    browser.find_element(By.ID, "bin-day-postcode").send_keys("BC5 1XY")
    browser.find_element(By.ID, "bin-day-find").click()
    WebDriverWait(browser, 10).until(
        expected_conditions.text_to_be_present_in_element((By.ID, "bin-day-result"), "Friday")
    )
