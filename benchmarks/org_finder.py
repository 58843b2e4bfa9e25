"""Speed of the rules ORG finder (``find_orgs``) and a dump of its spans, to compare two versions of it.

    .venv/bin/python benchmarks/org_finder.py [--dump spans.json] [--compare other.json]

Prints two lines, characters per second; not a test (no thresholds):

* ``first call``: the five seed reports, the first ORG search of this process,
  so what loading jieba's dictionary costs is included -- what one
  ``govtag annotate`` run or a service's first request pays;
* ``warm``: then every text of the seed reports, the held-out gold, the shared
  gold and the first 60 corpus reports.

``--dump`` writes the spans of the warm pass (text id, start, end, type,
score, source) as JSON; ``--compare`` checks them against a dump an earlier
version wrote and exits 1 when they differ.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

from govtag.rules.org import find_orgs

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
CORPUS_REPORTS = 60


def _jsonl_texts(path: Path, limit: int | None = None) -> list[tuple[str, str]]:
    texts = []
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if limit is not None and len(texts) >= limit:
                break
            row = json.loads(line)
            texts.append((f"{path.name}:{row['id']}", row["text"]))
    return texts


def texts() -> list[tuple[str, str]]:
    """(id, text) of every text the finder is run on, in a fixed order."""
    found = [
        (f"report:{p.name}", p.read_text(encoding="utf-8")) for p in sorted((ROOT / "seeds" / "reports").glob("*.txt"))
    ]
    found += [
        (f"heldout:{p.name}", p.read_text(encoding="utf-8"))
        for p in sorted((ROOT / "seeds" / "heldout" / "units").glob("*.txt"))
    ]
    found += _jsonl_texts(ROOT / "seeds" / "heldout" / "gold.jsonl")
    found += _jsonl_texts(SHARED / "gold" / "gold.jsonl")
    found += _jsonl_texts(SHARED / "corpus" / "reports.jsonl", limit=CORPUS_REPORTS)
    return found


def _report(what: str, texts: list[str], run: Callable[[], object]) -> None:
    started = time.perf_counter()
    run()
    elapsed = time.perf_counter() - started
    characters = sum(len(text) for text in texts)
    print(
        f"find_orgs {what:>10}: {characters / elapsed:10.0f} characters/s  ({len(texts)} texts, {characters} characters in {elapsed:.3f} s)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dump", type=Path, help="write every span to this JSON file")
    parser.add_argument("--compare", type=Path, help="compare every span with this earlier dump")
    args = parser.parse_args()
    inputs = texts()
    seeds = [text for name, text in inputs if name.startswith("report:")]
    _report("first call", seeds, lambda: [find_orgs(text) for text in seeds])
    spans: dict[str, list[dict]] = {}

    def warm() -> None:
        for name, text in inputs:
            spans[name] = [asdict(span) for span in find_orgs(text)]

    _report("warm", [text for _, text in inputs], warm)
    print(f"{sum(len(found) for found in spans.values())} spans")
    if args.dump:
        args.dump.write_text(json.dumps(spans, ensure_ascii=False, indent=0), encoding="utf-8")
    if args.compare:
        earlier = json.loads(args.compare.read_text(encoding="utf-8"))
        differing = [name for name in sorted(set(earlier) | set(spans)) if earlier.get(name) != spans.get(name)]
        print(
            f"compared with {args.compare}: {'identical' if not differing else 'DIFFERENT in ' + ', '.join(differing)}"
        )
        sys.exit(1 if differing else 0)


if __name__ == "__main__":
    main()
