"""Decode the bytes of a plain-text report without ever producing mojibake.

Government files come as UTF-8 (with or without a byte-order mark), UTF-16 with a
byte-order mark, or GBK/GB18030. Every decode is strict: bytes that are not valid
in the chosen encoding are an error, never replaced or guessed around.
"""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

from govtag.errors import DecodeError

# UTF-32 marks come first: the UTF-32-LE mark begins with the UTF-16-LE one.
_BOMS: tuple[tuple[bytes, str, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le", "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be", "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8", "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "utf-16-be"),
)

# GB2312 and GBK are subsets of GB18030, and pages labelled gb2312 routinely
# contain GBK-only characters, so every GB label decodes as GB18030.
_GB_LABELS = frozenset({"gb2312", "gbk", "gb18030", "cp936", "x-gbk", "euc-cn"})

# Characters expected in a Chinese report: ASCII, Latin-1 symbols (·, °, ×, ÷),
# Greek, punctuation and symbol blocks, kana and bopomofo, CJK ideographs and
# their compatibility and full-width forms. Mojibake is mostly outside this set.
_IMPLAUSIBLE = re.compile(
    "[^\t\n\r\f\v\x20-\x7e\u00a0-\u00bf\u00d7\u00f7\u0391-\u03c9"
    "\u2000-\u27bf\u2e80-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff01-\uff60\uffe0-\uffe6"
    "\U00020000-\U0003134f]"
)
_MAX_IMPLAUSIBLE_SHARE = 0.05

# A strict decode that fails on at most one byte sequence per this many
# non-ASCII characters is damaged text in that encoding (a truncated file, a
# stray byte), not text in another encoding.
_DAMAGE_RATIO = 100

_NON_ASCII = re.compile("[^\x00-\x7f]")
_NEWLINES = re.compile(r"\r\n?")


def normalize_newlines(text: str) -> str:
    """Turn ``\\r\\n`` and ``\\r`` into ``\\n``; nothing else changes."""
    return _NEWLINES.sub("\n", text)


def decode_bytes(data: bytes, declared: str | None = None) -> tuple[str, str]:
    """Decode ``data``; return the text and the name of the encoding used.

    Order: byte-order mark, strict UTF-8, the ``declared`` charset (from an
    HTTP header or an HTML meta tag) when its result looks like text, strict
    GB18030, and finally charset-normalizer's guess when its result looks like
    text. Raises :class:`DecodeError` otherwise. UTF-8 goes before any
    declaration because pages often declare gb2312 while serving UTF-8, and
    non-ASCII text in another encoding is practically never valid UTF-8.
    """
    for bom, codec, name in _BOMS:
        if data.startswith(bom):
            return _decode_after_bom(data, len(bom), codec, name), name

    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        _reject_if_damaged(data, "utf-8", "UTF-8", exc)
    else:
        # NUL characters mean UTF-16 without a byte-order mark (or a binary
        # file); leave those to the detector below.
        if "\x00" not in text:
            return text, "utf-8"

    if declared:
        codec = _codec_for_label(declared)
        if codec is not None:
            try:
                text = data.decode(codec)
            except UnicodeDecodeError:
                pass
            else:
                if _looks_like_text(text):
                    return text, codec

    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError as exc:
        _reject_if_damaged(data, "gb18030", "GB18030", exc)
    else:
        if _looks_like_text(text):
            return text, "gb18030"

    best = from_bytes(data).best()
    if best is not None:
        text = str(best)
        if _looks_like_text(text):
            return text, codecs.lookup(best.encoding).name

    raise DecodeError("not UTF-8 or GB18030 text")


def _looks_like_text(text: str) -> bool:
    """Whether ``text`` is mostly characters a Chinese report is made of."""
    return len(_IMPLAUSIBLE.findall(text)) <= _MAX_IMPLAUSIBLE_SHARE * len(text)


def _decode_after_bom(data: bytes, bom_length: int, codec: str, name: str) -> str:
    try:
        return data[bom_length:].decode(codec)
    except UnicodeDecodeError as exc:
        raise DecodeError(
            f"starts with a {name} byte-order mark but has an invalid byte sequence "
            f"at byte {exc.start + bom_length}"
        ) from exc


def _codec_for_label(label: str) -> str | None:
    label = label.strip().lower()
    if label in _GB_LABELS:
        return "gb18030"
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def _reject_if_damaged(data: bytes, codec: str, name: str, exc: UnicodeDecodeError) -> None:
    """Raise when ``data`` is ``codec`` text with a few bad bytes.

    Trying further encodings on such data would decode it "successfully" into
    mojibake (damaged UTF-8 Chinese, for one, is often valid GB18030).
    """
    replaced = data.decode(codec, errors="replace")
    errors = replaced.count("\ufffd")
    non_ascii = len(_NON_ASCII.findall(replaced)) - errors
    if errors * _DAMAGE_RATIO <= non_ascii:
        raise DecodeError(
            f"looks like {name} text but has an invalid byte sequence at byte {exc.start}"
        ) from exc
