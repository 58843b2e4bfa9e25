"""The web page at / and the /docs page driven in headless Chromium, offline (nothing but the server is reached)."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from service_helpers import LiveServer, assert_offsets

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CSV_COLUMNS = [
    "doc_id", "index", "start", "end", "is_heading", "label",
    "score_achievement", "score_problem", "score_plan", "score_other", "text", "entities",
]
CJK = re.compile(r"[\u4e00-\u9fff]")
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

        # the CSV beside it: one row per sentence, its label, scores and entities
        with page.expect_download() as download_info:
            page.click("#download-csv")
        assert download_info.value.suggested_filename == f"{result['id']}.csv"
        csv_path = tmp_path / "result.csv"
        download_info.value.save_as(csv_path)
        rows = list(csv.DictReader(io.StringIO(csv_path.read_text(encoding="utf-8-sig"), newline="")))
        assert list(rows[0]) == CSV_COLUMNS
        assert len(rows) == len(result["sentences"])
        for row, sentence in zip(rows, sorted(result["sentences"], key=lambda s: s["start"]), strict=True):
            start, end = int(row["start"]), int(row["end"])
            assert (start, end, row["label"]) == (sentence["start"], sentence["end"], sentence["label"])
            assert row["text"] == ludian_text[start:end]
            assert float(row[f"score_{row['label']}"]) == sentence["scores"][sentence["label"]]
            inside = [e for e in result["entities"] if e["start"] < end and e["end"] > start]
            assert json.loads(row["entities"]) == [
                {"type": e["type"], "text": e["text"], "start": e["start"], "end": e["end"]} for e in inside
            ]
        assert any("鲁政办发〔2019〕63号" in row["entities"] for row in rows)
        assert not external, f"the page fetched outside the server: {external}"
    finally:
        context.close()


def test_page_shows_errors_and_uploads_files(browser, rules_server: LiveServer, tmp_path: Path) -> None:
    page = browser.new_page()
    try:
        page.goto(rules_server.url + "/")
        page.fill("#text-input", "   ")
        page.click("#submit-button")
        assert "请先粘贴报告文本" in page.locator("#error").inner_text()

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
        # the error replaced the previous result: nothing of report.txt is left to read or download
        assert page.locator("#output").is_hidden()
        assert page.locator("#document .sent").count() == 0
    finally:
        page.close()


def _open(browser, server: LiveServer) -> tuple[object, object]:
    """A fresh context (so the language starts at its default) and its page, on the server's /."""
    context = browser.new_context(accept_downloads=True)
    page = context.new_page()
    page.goto(server.url + "/")
    return context, page


def _annotate_text(page, text: str) -> None:
    page.fill("#text-input", text)
    page.click("#submit-button")
    page.wait_for_selector("#document .sent", timeout=60_000)


def _visible_sentences(page) -> list[dict[str, str]]:
    return page.locator("#document .sent:visible").evaluate_all(
        "nodes => nodes.map(n => ({label: n.dataset.label, start: n.dataset.start,"
        " types: [...n.querySelectorAll('mark.ent')].map(m => m.dataset.type)}))"
    )


def _in_viewport(locator) -> bool:
    return locator.evaluate(
        "node => { const r = node.getBoundingClientRect(); return r.bottom > 0 && r.top < window.innerHeight; }"
    )


def test_side_panel_filters_lists_entities_and_jumps_to_sentences(
    browser, rules_server: LiveServer, ludian_text: str
) -> None:
    context, page = _open(browser, rules_server)
    try:
        _annotate_text(page, ludian_text)
        with rules_server.client() as client:
            result = client.post("/v1/annotate", json={"text": ludian_text, "id": "pasted"}).json()
        total = page.locator("#document .sent").count()
        assert total == len(result["sentences"])

        # the side panel stays on screen while the document scrolls under it
        side = page.locator("#side-panel")
        assert side.evaluate("node => getComputedStyle(node).position") == "sticky"
        page.locator("#document .sent").nth(total // 2).scroll_into_view_if_needed()
        assert page.evaluate("window.scrollY") > page.evaluate("window.innerHeight")
        assert side.evaluate("node => node.getBoundingClientRect().top") >= 0 and _in_viewport(side)

        # a label filters the sentences and the entity list; a second click clears it
        problem = page.locator("#label-counts button.filter[data-key=problem]")
        problem.click()
        shown = _visible_sentences(page)
        assert shown and {s["label"] for s in shown} == {"problem"}
        assert len(shown) == result["summary"]["labels"]["problem"]
        assert problem.get_attribute("aria-pressed") == "true"
        assert page.locator("#filter-note").is_visible() and "problem" in page.locator("#filter-text").inner_text()
        problem_spans = [(s["start"], s["end"]) for s in result["sentences"] if s["label"] == "problem"]
        listed = sum(int(re.search(r"\d+", count).group()) for count in page.locator("#entity-list summary .count").all_inner_texts())
        assert listed == sum(1 for e in result["entities"] if any(e["start"] < b and e["end"] > a for a, b in problem_spans))
        problem.click()
        assert len(_visible_sentences(page)) == total and page.locator("#filter-note").is_hidden()

        # an entity type keeps the sentences holding one, and lists only that type
        page.click("#entity-counts button.filter[data-key=DOC_NO]")
        shown = _visible_sentences(page)
        assert shown and all("DOC_NO" in s["types"] for s in shown)
        assert page.locator("#entity-list details.ent-group").evaluate_all("ns => ns.map(n => n.dataset.type)") == ["DOC_NO"]
        page.click("#clear-filter")
        assert len(_visible_sentences(page)) == total

        # the entity list: grouped by type, with the counts of the summary
        groups = page.locator("#entity-list details.ent-group")
        found = {
            group.get_attribute("data-type"): int(re.search(r"\d+", group.locator("summary .count").inner_text()).group())
            for group in groups.all()
        }
        assert found == {k: v for k, v in result["summary"]["entities"].items() if v}
        assert groups.first.get_attribute("data-type") == "ORG"  # the types in a fixed order

        # an entity's entry scrolls to its sentence and highlights it; clicking again goes to the next one
        page.evaluate("window.scrollTo(0, 0)")
        entry = page.locator("#entity-list button.to-entity", has_text="鲁政办发〔2019〕63号").first
        entry.click()
        focused = page.locator("#document .sent.focused")
        assert focused.count() == 1 and _in_viewport(focused)
        assert "鲁政办发〔2019〕63号" in focused.inner_text()
        assert page.locator("#document mark.ent.focused").first.inner_text() == "鲁政办发〔2019〕63号"
        nums = [e for e in result["entities"] if e["type"] == "NUM"]
        repeated = next(text for text in {e["text"] for e in nums} if sum(e["text"] == text for e in nums) > 1)
        starts = sorted(e["start"] for e in nums if e["text"] == repeated)
        button = page.locator("#entity-list details[data-type=NUM] button.to-entity").filter(
            has=page.locator(".count", has_text=f"×{len(starts)}")
        ).filter(has_text=repeated).first
        button.click()
        first_focus = page.locator("#document mark.ent.focused").first.get_attribute("data-start")
        button.click()
        assert [first_focus, page.locator("#document mark.ent.focused").first.get_attribute("data-start")] == [
            str(starts[0]), str(starts[1])
        ]

        # an indicator row links to its sentence, also while a filter hides that sentence
        rows = result["summary"]["indicators"]
        last = rows[-1]
        other_label = next(label for label in ("other", "plan") if label != last["label"])
        page.click(f"#label-counts button.filter[data-key={other_label}]")
        page.evaluate("window.scrollTo(0, 0)")
        page.locator("#indicators a.to-sentence").nth(len(rows) - 1).click()
        focused = page.locator("#document .sent.focused")
        assert focused.get_attribute("data-start") == str(last["sentence_start"]) and _in_viewport(focused)
        assert focused.inner_text() == last["sentence"]
        assert page.locator("#filter-note").is_hidden()
    finally:
        context.close()


def test_file_and_text_never_disagree_and_several_files_are_listed(
    browser, rules_server: LiveServer, tmp_path: Path
) -> None:
    context, page = _open(browser, rules_server)
    first = tmp_path / "first.txt"
    first.write_text("一、工作开展情况\n印发《实施方案》，共办理案件12件。\n", encoding="utf-8")
    second = tmp_path / "second.txt"
    second.write_text("二、存在的问题\n行政复议纠错率为3.5%。\n三、下一步工作计划\n将进一步加强培训。\n", encoding="utf-8")
    bad = tmp_path / "third.exe"
    bad.write_bytes(b"MZ\x90\x00")
    try:
        # a chosen file disables the text box and says what will be sent
        page.fill("#text-input", "这段文字不会被发送。")
        page.set_input_files("#file-input", str(first))
        assert page.locator("#text-input").is_disabled()
        assert "first.txt" in page.locator("#file-note").inner_text()
        page.click("#submit-button")
        page.wait_for_selector("#document .sent", timeout=60_000)
        assert page.locator("#doc-meta").inner_text().startswith("first ·")
        assert "不会被发送" not in page.locator("#document").inner_text()

        # going back to the text clears the file choice, and the text is what is sent
        page.click("#clear-files")
        assert page.locator("#text-input").is_enabled() and page.locator("#file-note").is_hidden()
        assert page.locator("#file-input").evaluate("node => node.files.length") == 0
        page.click("#submit-button")
        page.wait_for_selector("#doc-meta:has-text('pasted')", timeout=60_000)
        assert page.locator("#document").evaluate("node => node.textContent") == "这段文字不会被发送。"

        # several files: each annotated, listed with its outcome, each result can be shown
        page.set_input_files("#file-input", [str(first), str(second), str(bad)])
        assert all(name in page.locator("#file-note").inner_text() for name in ("first.txt", "second.txt", "third.exe"))
        page.click("#submit-button")
        page.wait_for_selector("#results li:nth-child(3)", timeout=60_000)
        items = page.locator("#results li")
        assert items.evaluate_all("ns => ns.map(n => [n.dataset.name, n.className])") == [
            ["first.txt", "ok current"], ["second.txt", "ok"], ["third.exe", "failed"],
        ]
        assert "unsupported_format" in items.nth(2).inner_text()
        assert "1 / 3" in page.locator("#error").inner_text()
        assert page.locator("#doc-meta").inner_text().startswith("first ·")
        page.click("#results button.show-result[data-index='1']")
        assert page.locator("#doc-meta").inner_text().startswith("second ·")
        assert page.locator("#document .sent.label-problem").count() >= 1
        assert "current" in (items.nth(1).get_attribute("class") or "")
        with page.expect_download() as download_info:
            page.click("#download-json")
        assert download_info.value.suggested_filename == "second.json"
    finally:
        context.close()


def test_interface_is_chinese_with_an_english_option(browser, rules_server: LiveServer, ludian_text: str) -> None:
    context, page = _open(browser, rules_server)
    try:
        texts = "nodes => nodes.map(n => n.dataset.i18n ? n.textContent : (n.placeholder || n.title))"
        selector = "[data-i18n], [data-i18n-placeholder], [data-i18n-title]"
        assert page.evaluate("document.documentElement.lang") == "zh-CN"
        _annotate_text(page, ludian_text)
        chinese = page.locator(selector).evaluate_all(texts)
        assert all(CJK.search(text) for text in chinese if text != "English"), chinese
        assert CJK.search(page.locator("#doc-meta").inner_text()) and CJK.search(page.title())
        codes = page.locator("#label-counts tr").evaluate_all("ns => ns.map(n => n.dataset.key)")

        page.click("#lang-toggle")
        assert page.evaluate("document.documentElement.lang") == "en"
        english = page.locator(selector).evaluate_all(texts)
        assert len(english) == len(chinese)
        assert all(not CJK.search(text) for text in english if text != "中文"), english
        assert all(zh != en for zh, en in zip(chinese, english, strict=True))
        assert page.locator("#submit-button").inner_text() == "Annotate"
        assert "characters" in page.locator("#doc-meta").inner_text()
        assert page.locator("#label-counts tr").evaluate_all("ns => ns.map(n => n.dataset.key)") == codes
        assert page.locator("#document .sent").count() > 0  # the result stays on show

        # the choice is kept for the next visit; the toggle goes back to Chinese
        page.reload()
        assert page.locator("#submit-button").inner_text() == "Annotate"
        page.click("#lang-toggle")
        assert page.locator("#submit-button").inner_text() == "标注"
    finally:
        context.close()


def test_docs_render_offline(browser, rules_server: LiveServer) -> None:
    context = browser.new_context()
    blocked: list[str] = []

    def only_the_server(route) -> None:
        if route.request.url.startswith(rules_server.url):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    context.route("**/*", only_the_server)
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    try:
        response = page.goto(rules_server.url + "/docs")
        assert response is not None and response.ok
        page.wait_for_selector(".swagger-ui .opblock-summary-path", timeout=30_000)
        paths = page.locator(".opblock-summary-path").all_inner_texts()
        assert "/v1/annotate" in paths and "/healthz" in paths
        assert page.locator(".swagger-ui .info .title").inner_text().startswith("govtag")
        assert not blocked, f"/docs reached outside the server: {blocked}"
        assert not problems, problems
    finally:
        context.close()
