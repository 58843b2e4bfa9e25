"""Metric keys: one key for the names of one indicator across reports.

行政机关负责人出庭应诉率, 负责人出庭应诉率 and 出庭应诉率 all get the key 出庭应诉率. The
rules, in order:

1. Quotation marks, brackets' marks and spaces are taken out (“一网通办率” → 一网通办率).
2. Scope words at the front are taken off: the area and its levels (全区, 各级, 各类, 区级 …),
   which say where the figure was counted, not what it counts.
3. For a rate (a name ending in 率 or 比例), the heads named at its front are taken off as well
   (行政机关负责人, 负责人, 区政府): 出庭应诉率 is about the heads unless it says otherwise. A body
   that changes what is measured stays: 行政机关出庭应诉率 (any official of the agency) is its own key.
   Counts keep their verbs and bodies (受理行政复议案件 and 办结行政复议案件 are different figures).
4. The curated table ``govtag/data/metric_synonyms.tsv`` maps what remains to a shared key
   (出庭率 → 出庭应诉率); a name not in it is its own key.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources

from govtag.errors import ConfigError

_MARKS = re.compile(r"[“”\"'《》〈〉\s\u00a0\u3000]")
SCOPE_PREFIXES = ("全区", "全县", "全市", "全省", "全镇", "我区", "我县", "我市", "本区", "本县", "各级", "各类", "各",
                  "区级", "县级", "市级", "镇级")
RATE_BODIES = ("行政机关负责人", "负责人", "区政府", "县政府")
RATE_SUFFIXES = ("率", "比例")


@lru_cache(maxsize=1)
def synonyms() -> dict[str, str]:
    """The curated table: name → key."""
    table: dict[str, str] = {}
    text = resources.files("govtag").joinpath("data/metric_synonyms.tsv").read_text(encoding="utf-8")
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) != 2 or not all(p.strip() for p in parts):
            raise ConfigError(f"metric_synonyms.tsv line {number}: expected name<TAB>key, got {line!r}")
        table[parts[0].strip()] = parts[1].strip()
    return table


def _strip_front(name: str, words: tuple[str, ...]) -> str:
    changed = True
    while changed:
        changed = False
        for word in sorted(words, key=len, reverse=True):
            if name.startswith(word) and len(name) - len(word) >= 2:
                name, changed = name[len(word) :], True
                break
    return name


def metric_key(metric: str | None) -> str | None:
    """The key of a metric name, or None for no name."""
    if metric is None:
        return None
    name = _MARKS.sub("", metric)
    if not name:
        return None
    name = _strip_front(name, SCOPE_PREFIXES)
    if name.endswith(RATE_SUFFIXES):
        name = _strip_front(name, RATE_BODIES)
    return synonyms().get(name, name)
