"""Driving the sandbox page in a real headless Chromium (Debian's ``chromium`` and ``chromium-driver``)
through selenium, as a person would: pick a member, type, press buttons, move the clock.

Outside CI a machine without the browser skips these tests and says why; in CI (``CI`` set, where
``.ci/run`` installs the browser) a missing browser is a failure, not a skip.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

BROWSERS = ("chromium", "chromium-browser", "google-chrome")
WAIT_SECONDS = 20


def chromium() -> tuple[str, str]:
    """The browser and its driver, or a skip (a failure in CI) saying what is missing."""
    browser = next((path for name in BROWSERS if (path := shutil.which(name))), None)
    driver = shutil.which("chromedriver")
    if browser and driver:
        return browser, driver
    reason = "no headless browser: `apt-get install chromium chromium-driver` (.ci/run does it in CI)"
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


def start_browser(screens: Path) -> Iterator[Page]:
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.chrome.service import Service

    browser, driver = chromium()
    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1400,1000"):
        options.add_argument(argument)
    chrome = webdriver.Chrome(service=Service(executable_path=driver), options=options)
    try:
        yield Page(chrome, screens)
    finally:
        chrome.quit()


class Page:
    """The sandbox page in the browser, with the few things a person does on it."""

    def __init__(self, driver, screens: Path) -> None:  # type: ignore[no-untyped-def]
        from selenium.webdriver.support.ui import WebDriverWait

        self.driver = driver
        self.screens = screens
        self.wait = WebDriverWait(driver, WAIT_SECONDS)

    def open(self, url: str) -> None:
        self.driver.get(url)
        self.wait.until(lambda d: d.find_element("id", "clock").text != "—")

    def messages(self) -> dict[str, str]:
        """The open chat's messages as shown: id → visible text."""
        script = (
            "return [...document.querySelectorAll('#messages .msg')].map(m => [m.dataset.id, m.innerText])"
        )
        return dict(self.driver.execute_script(script))

    def _after(self, action: Callable[[], None], expect: str) -> str:
        """Do ``action``; wait for a message, new or edited, that shows ``expect``; its text."""
        before = self.messages()
        action()

        def arrived(_: object) -> str | None:
            now = self.messages()
            fresh = [text for key, text in now.items() if before.get(key) != text and expect in text]
            return fresh[-1] if fresh else None

        from selenium.common.exceptions import TimeoutException

        try:
            return self.wait.until(arrived)
        except TimeoutException:
            self.screenshot("timeout")
            shown = "\n---\n".join(list(self.messages().values())[-3:])
            logs = self.driver.get_log("browser")
            raise AssertionError(f"no new message with {expect!r}; the newest:\n{shown}\n{logs}") from None

    def chat_with(self, name: str, expect: str) -> str:
        xpath = f"//li[contains(@class,'person')][span[@class='name' and text()='{name}']]"
        return self._after(lambda: self.driver.find_element("xpath", xpath).click(), expect)

    def types(self, text: str, expect: str) -> str:
        def send() -> None:
            box = self.driver.find_element("id", "text")
            box.send_keys(text)
            self.driver.find_element("id", "send").click()

        return self._after(send, expect)

    def menu(self, command: str, expect: str) -> str:
        button = f"#menu button[data-command='{command}']"
        return self._after(lambda: self.driver.find_element("css selector", button).click(), expect)

    def taps(self, label: str, expect: str) -> str:
        """Press the newest button whose label contains ``label``."""
        xpath = f"(//div[@id='messages']//div[@class='keyboard']//button[contains(., '{label}')])[last()]"
        return self._after(lambda: self.driver.find_element("xpath", xpath).click(), expect)

    def taps_first_button(self, expect: str) -> str:
        """Press the first button of the newest message that has buttons (say, a suggested score)."""
        xpath = "(//div[@id='messages']//div[contains(@class,'msg')][div[@class='keyboard']])[last()]//button"
        return self._after(lambda: self.driver.find_element("xpath", xpath).click(), expect)

    def first_button_label(self) -> str:
        xpath = "(//div[@id='messages']//div[contains(@class,'msg')][div[@class='keyboard']])[last()]//button"
        return self.driver.find_element("xpath", xpath).text

    def next_deadline(self) -> str:
        """Press the clock's button; the clock as the page then shows it."""
        before = self.driver.find_element("id", "clock").text
        self.driver.find_element("id", "next").click()
        self.wait.until(lambda d: d.find_element("id", "clock").text != before)
        return self.driver.find_element("id", "clock").text

    def screenshot(self, name: str) -> Path:
        path = self.screens / f"{name}.png"
        self.driver.save_screenshot(str(path))
        return path
