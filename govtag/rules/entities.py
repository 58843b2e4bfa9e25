"""Run every rule entity finder and resolve their overlaps.

Spans never overlap in the output.  Where two compete the longer span wins, so
a POLICY title swallows the numbers and bodies named inside it (the gold never
annotates inside a title) and a DOC_NO swallows its own serial number; on
equal length the earlier type in ``_PRIORITY`` wins.
"""

from __future__ import annotations

from govtag.rules.doc_no import find_doc_numbers
from govtag.rules.num import find_numbers
from govtag.rules.org import find_orgs
from govtag.rules.policy import find_policies
from govtag.rules.spans import longest_first
from govtag.types import EntitySpan

_PRIORITY = {"DOC_NO": 0, "POLICY": 1, "ORG": 2, "NUM": 3}


def extract_entities(text: str) -> list[EntitySpan]:
    """All rule entities of ``text`` (ORG, DOC_NO, NUM, POLICY), non-overlapping, by start."""
    doc_numbers = find_doc_numbers(text)
    spans = doc_numbers + find_policies(text) + find_orgs(text) + find_numbers(text, doc_numbers)
    return longest_first(spans, tie=lambda span: _PRIORITY[span.type])
