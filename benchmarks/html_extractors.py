"""Which extractor gets the report out of a government web page: govtag's reader or trafilatura.

    .venv/bin/python benchmarks/html_extractors.py

Every seed report is put into each page layout the tests build
(``tests/render_docs.py``: TRS, table layout, article-content, Hanweb, HTML5,
no classes at all), with the usual chrome around it: breadcrumbs, the
来源/发布时间/浏览次数/字号 bar, 【打印本页】【关闭窗口】, related links, the footer.
For each extractor and layout the table gives:

* ``chrome``: chrome strings found in the extracted text, summed over the seeds
  (the lower the better; each is a line the tagger would read as report text);
* ``lost``: report characters (whitespace aside) missing from the extracted text;
* ``meta``: how many of the pages' title, source (来源) and date (发布时间) come
  back right, out of three per page (trafilatura has no source field).

trafilatura is not a dependency of the project (govtag's reader measured better);
install it to compare: ``.venv/bin/pip install trafilatura==2.3.1``. Not a test
(no thresholds); ``tests/test_ingest_html.py`` holds govtag's reader to no chrome
and no loss on the same pages.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from govtag.ingest.html import read_html  # noqa: E402
from tests.render_docs import PAGE_LAYOUTS, SEED_IDS, WebPage, chars_lost, chrome_leaked, web_pages  # noqa: E402


@dataclass(frozen=True)
class Extraction:
    text: str
    metadata: dict[str, str]


def govtag_reader(html: str) -> Extraction:
    extracted = read_html(html.encode("utf-8"))
    return Extraction(extracted.text, extracted.metadata)


def trafilatura_reader(html: str) -> Extraction:
    import trafilatura

    document = trafilatura.bare_extraction(html, include_tables=True, include_comments=False, with_metadata=True)
    if document is None:
        return Extraction("", {})
    fields = {"title": document.title, "date": document.date}
    return Extraction(document.text or "", {key: value for key, value in fields.items() if value})


EXTRACTORS: dict[str, Callable[[str], Extraction]] = {"govtag": govtag_reader, "trafilatura": trafilatura_reader}


@dataclass
class Tally:
    pages: int = 0
    chrome: int = 0
    lost: int = 0
    meta: int = 0

    def add(self, page: WebPage, extraction: Extraction) -> None:
        self.pages += 1
        self.chrome += len(chrome_leaked(page, extraction.text))
        self.lost += chars_lost(page.body, extraction.text)
        expected = {"title": page.meta.title, "source": page.meta.source, "date": page.meta.date}
        self.meta += sum(extraction.metadata.get(key) == value for key, value in expected.items())


def measure(extract: Callable[[str], Extraction]) -> dict[str, Tally]:
    tallies = {layout: Tally() for layout in PAGE_LAYOUTS}
    for seed_id in SEED_IDS:
        for page in web_pages(seed_id):
            tallies[page.layout].add(page, extract(page.html))
    return tallies


def main() -> None:
    body_chars = sum(len("".join(page.body.split())) for seed_id in SEED_IDS for page in web_pages(seed_id)[:1])
    print(f"{len(SEED_IDS)} seed reports ({body_chars} characters) in {len(PAGE_LAYOUTS)} page layouts")
    print(f"{'extractor':<12} {'layout':<16} {'pages':>5} {'chrome':>7} {'lost':>7} {'meta':>7}")
    for name, extract in EXTRACTORS.items():
        try:
            tallies = measure(extract)
        except ImportError as exc:
            print(f"{name:<12} not installed ({exc.name})")
            continue
        total = Tally()
        for layout, tally in tallies.items():
            print(_row(name, layout, tally))
            total.pages += tally.pages
            total.chrome += tally.chrome
            total.lost += tally.lost
            total.meta += tally.meta
        print(_row(name, "all", total))


def _row(name: str, layout: str, tally: Tally) -> str:
    meta = f"{tally.meta}/{3 * tally.pages}"
    return f"{name:<12} {layout:<16} {tally.pages:>5} {tally.chrome:>7} {tally.lost:>7} {meta:>7}"


if __name__ == "__main__":
    main()
