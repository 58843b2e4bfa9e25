"""Official document numbers (文号): issuer abbreviation, bracketed year, serial, 号.

Examples: 鲁政办发〔2019〕63号, 乐治委办(2020)9号, 东法委执法组【2020】3号, and the
broken form 厅字〔201928号 whose closing bracket was lost in copying.

Look-alikes are rejected by construction: ICP and 公网安备 registrations and
decree numbers (国务院令第711号) carry no bracketed year; court case numbers
((2020)渝0153行初12号) put a court code and case type after the year, where a
document number puts the serial directly.
"""

from __future__ import annotations

import re

from govtag.types import EntitySpan

_OPEN = "〔【[(（﹝［"
_CLOSE = "〕】])）﹞］"
_DIGIT = "0-9０-９"

# The bracketed year, serial and 号, right after a CJK character (the issuer's
# last).  Either bracket may be missing, but not both: a bare "字201928号" is
# too easily a phone or serial number.  The issuer is read backwards from here,
# which keeps the scan fast (it starts at brackets and digits, not at every
# CJK character).
_YEAR = rf"(?:19|20|１９|２０)[{_DIGIT}]{{2}}"
_CORE = re.compile(
    rf"(?=[{re.escape(_OPEN)}{_DIGIT}])(?<=[\u4e00-\u9fff])"
    rf"(?:[{re.escape(_OPEN)}]\s*{_YEAR}\s*[{re.escape(_CLOSE)}]?|{_YEAR}\s*[{re.escape(_CLOSE)}])"
    rf"\s*第?[{_DIGIT}]{{1,5}}\s*号"
)
_MAX_ISSUER = 12

# Words that end the text before an issuer: verbs and prepositions that
# introduce a document number (根据昭政办发…, 制发乐司…, 通过乐治委办…).
_LEAD_IN = re.compile(
    r".*(?:(根据|依据|按照|依照|参照|通过|经过|制发|印发|下发|转发|出台|发布|执行|落实|贯彻|"
    r"文件|精神|要求|规定|实施|详见)|(见|据|以|的|了|在|和|与|及|即|于|是|并|为|对|将|按|从))"
)
# A local issuer abbreviation starts with its place's first character (如政发 for
# 如东县, 和政办 for 和平区): what is left after that character is only the body
# (政发, 府办, 委办).  When a one-character lead-in word would leave such a bare
# body, the character is the place's, not a lead-in (印发和政办… → 和政办…).
_BARE_BODY_START = frozenset("政府委办")

# Abbreviations rarely end in these characters; a candidate issuer that does is
# an ordinary word (e.g. 年 in "2019年(2020)…").
_BAD_ISSUER_END = set("年月日的了")


def _trim_issuer(issuer: str) -> str:
    """Drop ordinary words that precede the issuer abbreviation."""
    match = _LEAD_IN.match(issuer)
    if not match:
        return issuer
    rest = issuer[match.end() :]
    if match.group(2) and rest[:1] in _BARE_BODY_START and match.group(2) not in _BAD_ISSUER_END:
        return issuer[match.start(2) :]
    return rest


def find_doc_numbers(text: str) -> list[EntitySpan]:
    """Return a ``DOC_NO`` span for every document number in ``text``, by start."""
    spans: list[EntitySpan] = []
    for match in _CORE.finditer(text):
        left = match.start()
        while left > 0 and match.start() - left < _MAX_ISSUER and "\u4e00" <= text[left - 1] <= "\u9fff":
            left -= 1
        issuer = _trim_issuer(text[left : match.start()])
        if not issuer or issuer[-1] in _BAD_ISSUER_END:
            continue
        spans.append(EntitySpan(match.start() - len(issuer), match.end(), "DOC_NO"))
    return spans
