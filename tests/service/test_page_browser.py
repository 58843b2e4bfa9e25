"""The web page at / driven in headless Chromium: paste a report, see it tagged, download the JSON."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from service_helpers import LiveServer, assert_offsets

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    executable = str(CHROMIUM) if CHROMIUM.exists() else shutil.which("chromium")
    if executable is None:
        pytest.fail("Chromium is missing: install Debian's package (apt-get install -y chromium)", pytrace=False)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


def test_page_tags_a_pasted_report_and_downloads_json(
    browser, rules_server: LiveServer, ludian_text: str, tmp_path: Path
) -> None:
    context = browser.new_context(accept_downloads=True)
    page = context.new_page()
    external: list[str] = []
    page.on("request", lambda request: external.append(request.url) if not request.url.startswith((rules_server.url, "blob:", "data:")) else None)
    try:
        page.goto(rules_server.url + "/")
        assert page.title().startswith("govtag")
        page.fill("#text-input", ludian_text)
        page.click("#submit-button")
        page.wait_for_selector("#document .sent", timeout=60_000)

        # sentences coloured by label, each with its score on hover
        for label in ("achievement", "problem", "plan"):
            assert page.locator(f"#document .sent.label-{label}").count() > 0, label
        first = page.locator("#document .sent").first
        assert first.get_attribute("title") and first.get_attribute("data-label") in {"achievement", "problem", "plan", "other"}
        background = first.evaluate("node => getComputedStyle(node).backgroundColor")
        assert background not in ("", "rgba(0, 0, 0, 0)", "transparent")

        # entities highlighted by type, among them the document number
        doc_no = page.locator("#document mark.ent-DOC_NO", has_text="鲁政办发〔2019〕63号")
        assert doc_no.count() == 1
        assert doc_no.first.inner_text() == "鲁政办发〔2019〕63号"
        for etype in ("ORG", "NUM", "POLICY"):
            assert page.locator(f"#document mark.ent-{etype}").count() > 0, etype

        # the rendered text is the submitted text, character for character
        assert page.locator("#document").evaluate("node => node.textContent") == ludian_text

        # side panel: label counts and the indicator table
        counts = {
            row.get_attribute("data-key"): int(row.locator("td.num").inner_text())
            for row in page.locator("#label-counts tbody tr").all()
        }
        assert counts.keys() == {"achievement", "problem", "plan", "other"}
        assert sum(counts.values()) == page.locator("#document .sent").count()
        assert page.locator("#indicators tbody tr").count() > 0

        # download the JSON: it parses and its offsets index the text
        with page.expect_download() as download_info:
            page.click("#download-json")
        target = tmp_path / "result.json"
        download_info.value.save_as(target)
        result = json.loads(target.read_text(encoding="utf-8"))
        assert_offsets(result, ludian_text)
        assert any(e["type"] == "DOC_NO" and e["text"] == "鲁政办发〔2019〕63号" for e in result["entities"])
        assert result["summary"]["labels"] == counts
        assert not external, f"the page fetched outside the server: {external}"
    finally:
        context.close()


def test_page_shows_errors_and_uploads_files(browser, rules_server: LiveServer, tmp_path: Path) -> None:
    page = browser.new_page()
    try:
        page.goto(rules_server.url + "/")
        page.fill("#text-input", "   ")
        page.click("#submit-button")
        assert "Paste a report" in page.locator("#error").inner_text()

        upload = tmp_path / "report.txt"
        upload.write_bytes("一、工作开展情况\n印发《实施方案》，共办理案件12件。\n".encode("gbk"))
        page.set_input_files("#file-input", str(upload))
        page.click("#submit-button")
        page.wait_for_selector("#document mark.ent-NUM", timeout=60_000)
        assert page.locator("#document mark.ent-NUM").first.inner_text() == "12件"
        assert "report" in page.locator("#doc-meta").inner_text()

        bad = tmp_path / "report.exe"
        bad.write_bytes(b"MZ\x90\x00")
        page.set_input_files("#file-input", str(bad))
        page.click("#submit-button")
        page.wait_for_selector("#error:not([hidden])", timeout=30_000)
        assert "unsupported_format" in page.locator("#error").inner_text()
    finally:
        page.close()
