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


def open_offline(html: Path, screenshot: Path, width: int = 1300) -> PageResult:
    """Load `html` with the network emulated offline; collect console messages; screenshot the full page."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    ensure_chromium()
    profile = tempfile.mkdtemp(prefix="cfm-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (*FLAGS, f"--user-data-dir={profile}", f"--window-size={width},1000"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    try:
        driver.set_page_load_timeout(60)
        # Offline before the page loads: any request it tried (a CDN script, a web font) would fail and log.
        driver.execute_cdp_cmd("Network.enable", {})
        driver.execute_cdp_cmd(
            "Network.emulateNetworkConditions",
            {"offline": True, "latency": 0, "downloadThroughput": 0, "uploadThroughput": 0},
        )
        driver.get(html.resolve().as_uri())
        charts = driver.find_elements(By.CSS_SELECTOR, "[data-chart]")
        chart_ids = [c.get_attribute("data-chart") for c in charts]

        def drawn(d) -> list[str]:
            return [
                c.get_attribute("data-chart")
                for c in d.find_elements(By.CSS_SELECTOR, "[data-chart]")
                if c.find_elements(By.CSS_SELECTOR, ".js-plotly-plot .main-svg")
            ]

        if chart_ids:
            WebDriverWait(driver, 30).until(lambda d: len(drawn(d)) == len(chart_ids))
        rendered = drawn(driver)
        height = driver.execute_script("return document.documentElement.scrollHeight")
        driver.set_window_size(width, min(int(height) + 40, 16000))
        screenshot.parent.mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(str(screenshot))
        return PageResult(driver.get_log("browser"), chart_ids, rendered, driver.title, screenshot)
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)
