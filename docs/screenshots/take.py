"""Screenshots of the web page for the README: a seed report tagged, then filtered to its problems.

    .venv/bin/python docs/screenshots/take.py     # needs Debian's chromium and a CJK font (fonts-noto-cjk)

Starts ``govtag serve`` (the default config and model) on a free loopback port,
drives the page in headless Chromium with Playwright and writes the PNG files
beside this script.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.serving import launch_server  # noqa: E402


def main() -> int:
    from playwright.sync_api import sync_playwright

    text = (ROOT / "seeds" / "reports" / "ludian-2020.txt").read_text(encoding="utf-8")
    process, url = launch_server({}, startup_timeout=240)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                                 args=["--no-sandbox"])
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.goto(url + "/")
            page.fill("#text-input", text)
            page.click("#submit-button")
            page.wait_for_selector("#document .sent", timeout=120_000)
            page.screenshot(path=str(HERE / "page-tagged.png"))
            page.locator("button.filter[data-kind='label'][data-key='problem']").first.click()
            page.wait_for_timeout(300)  # the filter's redraw
            page.screenshot(path=str(HERE / "page-problems.png"))
            browser.close()
    finally:
        process.terminate()
        process.wait(timeout=30)
    print(f"wrote {HERE / 'page-tagged.png'} and {HERE / 'page-problems.png'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
