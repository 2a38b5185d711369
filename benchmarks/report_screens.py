"""Screenshots of the demo report at phone and desktop widths, with a reflow check.

    .venv/bin/python benchmarks/report_screens.py OUT_FOLDER [--report report.html]
        [--browser] [--widths 320,375,1280]

Without --report, audits the bundled demo site into OUT_FOLDER/demo/ first (static checks
only; --browser adds the axe-core pass, as ``dcaudit demo`` does). For each width it writes
OUT_FOLDER/
<width>-full.png (the whole page, every collapsed part opened) and <width>-<nn>-<section>.png
(one screen from the top of each section), then prints what breaks WCAG 1.4.10 reflow:
horizontal page scroll, and text set in a column narrower than 100 px.

tests/report/test_report_reflow.py runs the same check (``layout_problems``) in the test suite.
"""

from __future__ import annotations

import argparse
import base64
import shutil
import sys
from pathlib import Path
from typing import Any

WIDTHS = (320, 375, 1280)
SCREEN_HEIGHT = {320: 640, 375: 812}  # a phone screen; wider ones get 900
MIN_COLUMN = 100  # px: narrower text columns wrap a word or less per line
FULL_PAGE_LIMIT = 16_000  # px of height kept in a full-page screenshot

# Measures the open page: how far it scrolls sideways, and every run of text (two words or
# more) whose block is narrower than MIN_COLUMN. Text inside SVG charts is drawn, not
# flowed, and the skip link sits off screen until focused.
LAYOUT_PROBE = """
const minColumn = arguments[0];
const root = document.documentElement;
const narrow = [];
const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
for (let node = walker.nextNode(); node; node = walker.nextNode()) {
  const text = node.textContent.replace(/\\s+/g, ' ').trim();
  if (text.length < 12 || !text.includes(' ')) continue;
  let box = node.parentElement;
  if (box.closest('svg, script, style, .skip')) continue;
  while (box.parentElement && getComputedStyle(box).display.startsWith('inline')) {
    box = box.parentElement;
  }
  const rect = box.getBoundingClientRect();
  if (rect.width === 0 && rect.height === 0) continue;
  const style = getComputedStyle(box);
  const inner = box.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
  if (inner < minColumn) {
    narrow.push({width: Math.round(inner), tag: box.tagName.toLowerCase(),
                 cls: box.className || '', text: text.slice(0, 60)});
  }
}
return {viewport: root.clientWidth, page: root.scrollWidth, narrow: narrow};
"""


def layout_problems(driver: Any, width: int, height: int | None = None) -> list[str]:
    """Lay the open page out ``width`` CSS px wide (every <details> open) and list what breaks
    reflow; an empty list means none."""
    set_width(driver, width, height)
    driver.execute_script("document.querySelectorAll('details').forEach(d => d.open = true)")
    found = driver.execute_script(LAYOUT_PROBE, MIN_COLUMN)
    problems = []
    if found["page"] > found["viewport"]:
        problems.append(f"page is {found['page']} px wide in a {found['viewport']} px viewport")
    problems += [
        f"{n['width']} px column <{n['tag']} class='{n['cls']}'>: {n['text']!r}"
        for n in found["narrow"]
    ]
    return problems


def set_width(driver: Any, width: int, height: int | None = None) -> None:
    """A viewport of ``width`` CSS px (what 1280 px at 400% zoom gives at 320)."""
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {
            "width": width,
            "height": height or SCREEN_HEIGHT.get(width, 900),
            "deviceScaleFactor": 1,
            "mobile": False,
        },
    )


def chromium() -> Any:
    """Headless Chromium and ChromeDriver from the OS packages."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"):
        options.add_argument(flag)
    return webdriver.Chrome(
        options=options, service=Service(executable_path=shutil.which("chromedriver"))
    )


def demo_report(folder: Path, *, browser: bool = False) -> Path:
    """Audit the bundled demo site into ``folder``; returns its report.html."""
    from dcaudit.config import load_settings
    from dcaudit.demo import DemoServer
    from dcaudit.pipeline import run_audit

    folder.mkdir(parents=True, exist_ok=True)
    settings = load_settings(
        {"out_dir": str(folder), "delay": 0.0, "browser": browser, "required_languages": "cy"},
        environ={},
        cwd=folder,
    )
    with DemoServer() as server:
        run_audit(settings, [server.url])
    return folder / "report.html"


def _png(driver: Any, params: dict[str, Any]) -> bytes:
    shot = driver.execute_cdp_cmd("Page.captureScreenshot", {"format": "png", **params})
    return base64.b64decode(shot["data"])


def screenshots(driver: Any, width: int, out: Path) -> list[Path]:
    """The whole page and one screen per section at ``width``; returns the files written."""
    height = SCREEN_HEIGHT.get(width, 900)
    set_width(driver, width, height)
    written = []
    sections = driver.execute_script(
        "return Array.from(document.querySelectorAll('section.part'), s => s.id)"
    )
    for n, section in enumerate(sections, start=1):
        driver.execute_script(f"document.getElementById('{section}').scrollIntoView()")
        path = out / f"{width}-{n:02d}-{section}.png"
        path.write_bytes(_png(driver, {}))
        written.append(path)
    driver.execute_script("document.querySelectorAll('details').forEach(d => d.open = true)")
    full = driver.execute_script("return document.documentElement.scrollHeight")
    clip = {"x": 0, "y": 0, "width": width, "height": min(full, FULL_PAGE_LIMIT), "scale": 1}
    path = out / f"{width}-full.png"
    path.write_bytes(_png(driver, {"captureBeyondViewport": True, "clip": clip}))
    written.append(path)
    return written


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="folder for the PNG files")
    parser.add_argument("--report", type=Path, help="an existing report.html (default: demo)")
    parser.add_argument("--browser", action="store_true", help="run the demo with axe-core")
    parser.add_argument("--widths", default=",".join(map(str, WIDTHS)))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    widths = [int(w) for w in args.widths.split(",")]
    report = args.report or demo_report(args.out / "demo", browser=args.browser)
    driver = chromium()
    failed = False
    try:
        for width in widths:
            driver.get(report.resolve().as_uri())
            for path in screenshots(driver, width, args.out):
                print(path)
            driver.get(report.resolve().as_uri())
            for problem in layout_problems(driver, width):
                failed = True
                print(f"{width} px: {problem}")
    finally:
        driver.quit()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
