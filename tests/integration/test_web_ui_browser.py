"""The officers' web page in headless Chromium (Debian's chromium and chromium-driver; no downloaded browser):
log in, search, open an event, acknowledge an alert by clicking; screenshots go to out/test-artifacts/."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from elasticsearch import Elasticsearch
from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

from kansa_schemas.indices import triage_index
from tests.integration.conftest import ApiServer
from tests.integration.web_seed import NUMBER, seed

pytestmark = pytest.mark.integration
CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
ARTIFACTS = Path(__file__).resolve().parents[2] / "out" / "test-artifacts"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[WebDriver]:
    missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not p.is_file()]
    if missing:
        pytest.fail(f"{', '.join(missing)} missing: run `make system-deps` (installs Debian's chromium and "
                    "chromium-driver)")
    options = Options()
    options.binary_location = str(CHROMIUM)
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     "--disable-quic", f"--user-data-dir={tmp_path / 'chromium-profile'}", "--window-size=1400,1000",
                     "--lang=ja"):
        options.add_argument(argument)
    # The driver's path is given, so Selenium Manager never looks for (or downloads) a driver or a browser.
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(tmp_path / "chromium-profile", ignore_errors=True)


def _screenshot(driver: WebDriver, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"web-ui-{name}.png"
    assert driver.save_screenshot(str(path)), f"no screenshot {path}"
    data = path.read_bytes()
    assert data.startswith(PNG_SIGNATURE) and len(data) > 10_000, f"{path} is not a real screenshot"
    return path


def test_officer_searches_opens_an_event_and_acknowledges_an_alert(
        browser: WebDriver, api_server: ApiServer, es: Elasticsearch, tenant: str) -> None:
    seeded = seed(es, tenant, api_server.settings.tenant_key(tenant))
    wait = WebDriverWait(browser, 30)

    browser.get(f"{api_server.base_url}/ui/login?tenant={tenant}")
    browser.find_element(By.ID, "token").send_keys(api_server.token("officer", tenant, user="browserofficer"))
    browser.find_element(By.ID, "login-button").click()
    wait.until(expected_conditions.url_to_be(f"{api_server.base_url}/ui/{tenant}/events"))
    assert browser.find_element(By.ID, "current-user").text == "browserofficer（担当官）"

    # Search by the raw number: it goes in the form's POST body, and the page names only its token.
    browser.find_element(By.NAME, "number").send_keys(NUMBER)
    browser.find_element(By.ID, "search-button").click()
    wait.until(expected_conditions.presence_of_element_located((By.ID, "results")))
    rows = browser.find_elements(By.CSS_SELECTOR, "#results tbody tr")
    assert [r.get_attribute("data-event-id") for r in rows] == [e for n, e in enumerate(seeded.event_ids) if n % 2]
    assert browser.find_element(By.ID, "total").text == "3"
    assert seeded.subject_ref in browser.find_element(By.ID, "number-notice").text
    assert NUMBER not in browser.page_source and NUMBER not in browser.current_url
    _screenshot(browser, "search")

    # Open an event's detail from the table.
    rows[0].find_element(By.CSS_SELECTOR, "a.event-link").click()
    wait.until(expected_conditions.presence_of_element_located((By.ID, "event-detail")))
    assert browser.find_element(By.ID, "event-id").text == seeded.event_ids[1]
    assert "記録の閲覧" in browser.find_element(By.ID, "event-detail").text
    _screenshot(browser, "event")

    # The alert queue: acknowledge the open alert with its button.
    browser.find_element(By.LINK_TEXT, "アラート").click()
    row = f'tr[data-alert-id="{seeded.alert_id}"]'
    wait.until(expected_conditions.presence_of_element_located((By.CSS_SELECTOR, row)))
    assert browser.find_element(By.CSS_SELECTOR, f"{row} .status").text == "未対応"
    browser.find_element(By.CSS_SELECTOR, f'{row} button[value="acknowledge"]').click()
    wait.until(expected_conditions.presence_of_element_located((By.ID, "done")))
    assert browser.find_element(By.ID, "done").text == "アラートを確認済みにしました。"
    assert browser.find_element(By.CSS_SELECTOR, row).get_attribute("data-status") == "acknowledged"
    assert browser.find_element(By.CSS_SELECTOR, f"{row} .status").text == "確認済み"
    # Now it can be resolved from the same row.
    assert browser.find_elements(By.CSS_SELECTOR, f'{row} button[value="resolve"]')
    shot = _screenshot(browser, "alerts")
    assert shot.stat().st_size > 10_000

    # Its detail: the triage history and the events behind it.
    browser.find_element(By.CSS_SELECTOR, f"{row} a.alert-link").click()
    wait.until(expected_conditions.presence_of_element_located((By.ID, "triage-history")))
    assert browser.find_element(By.ID, "alert-status").text == "確認済み"
    assert len(browser.find_elements(By.CSS_SELECTOR, "#alert-events tbody tr")) == 2
    _screenshot(browser, "alert")

    # The per-resident history, asked by number (POST) and shown with its download buttons.
    browser.find_element(By.LINK_TEXT, "アクセス記録（本人開示）").click()
    browser.find_element(By.NAME, "number").send_keys(NUMBER)
    browser.find_element(By.ID, "history-button").click()
    wait.until(expected_conditions.presence_of_element_located((By.ID, "history")))
    assert browser.find_element(By.ID, "history-total").text == "3"
    assert browser.find_element(By.ID, "download-pdf").is_displayed()
    assert NUMBER not in browser.page_source
    _screenshot(browser, "history")

    entries = es.search(index=triage_index(tenant), query={"term": {"alert_id": seeded.alert_id}})["hits"]["hits"]
    assert [(h["_source"]["seq"], h["_source"]["action"], h["_source"]["by"], h["_source"]["status"])
            for h in entries] == [(1, "acknowledge", "browserofficer", "acknowledged")]
