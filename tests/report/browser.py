"""Headless Chromium (Debian's chromium + chromium-driver) with the network switched off, for report tests."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-default-apps",
    "--hide-scrollbars",
    "--force-device-scale-factor=1",
)


def ensure_chromium() -> None:
    """Install Debian's chromium and chromium-driver when missing (the test machines run as root)."""
    if CHROMIUM.exists() and CHROMEDRIVER.exists():
        return
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    steps = (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "chromium", "chromium-driver"])
    for step in steps:
        if shutil.which(step[0]) is None:
            raise RuntimeError("chromium is missing and apt-get is not available to install it")
        done = subprocess.run(step, env=env, capture_output=True, text=True, timeout=900)
        if done.returncode != 0:
            raise RuntimeError(f"`{' '.join(step)}` failed ({done.returncode}): {done.stderr[-2000:]}")


@dataclass
class PageResult:
    console: list[dict]
    chart_ids: list[str]  # data-chart of every chart container
    rendered_ids: list[str]  # ... of those holding a drawn Plotly SVG
    title: str
    screenshot: Path


class Browser:
    """One headless Chromium for several pages (starting it is most of a page test's time)."""

    def __init__(self, width: int = 1300):
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service

        ensure_chromium()
        self.width = width
        self.profile = tempfile.mkdtemp(prefix="cfm-chromium-")
        options = webdriver.ChromeOptions()
        options.binary_location = str(CHROMIUM)
        for flag in (*FLAGS, f"--user-data-dir={self.profile}", f"--window-size={width},1000"):
            options.add_argument(flag)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        self.driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
        self.driver.set_page_load_timeout(60)
        # Offline before any page loads: a request a page tried (a CDN script, a web font) would fail and log.
        self.driver.execute_cdp_cmd("Network.enable", {})
        self.driver.execute_cdp_cmd(
            "Network.emulateNetworkConditions",
            {"offline": True, "latency": 0, "downloadThroughput": 0, "uploadThroughput": 0},
        )

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        try:
            self.driver.quit()
        finally:
            shutil.rmtree(self.profile, ignore_errors=True)

    def open(self, html: Path, screenshot: Path) -> PageResult:
        """Load `html`; collect its console messages; wait for every chart; screenshot the whole page."""
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support.ui import WebDriverWait

        driver = self.driver
        driver.get_log("browser")  # drop messages of a previous page
        driver.set_window_size(self.width, 1000)
        driver.get(html.resolve().as_uri())
        chart_ids = [
            c.get_attribute("data-chart") for c in driver.find_elements(By.CSS_SELECTOR, "[data-chart]")
        ]

        def drawn(d) -> list[str]:
            return d.execute_script(
                "return [...document.querySelectorAll('[data-chart]')]"
                ".filter(c => c.querySelector('.js-plotly-plot .main-svg')).map(c => c.dataset.chart)"
            )

        if chart_ids:
            WebDriverWait(driver, 30).until(lambda d: len(drawn(d)) == len(chart_ids))
        rendered = drawn(driver)
        height = driver.execute_script("return document.documentElement.scrollHeight")
        driver.set_window_size(self.width, min(int(height) + 40, 16000))
        screenshot.parent.mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(str(screenshot))
        return PageResult(driver.get_log("browser"), chart_ids, rendered, driver.title, screenshot)


def open_offline(html: Path, screenshot: Path, width: int = 1300) -> PageResult:
    """One page in a browser of its own."""
    with Browser(width) as browser:
        return browser.open(html, screenshot)
