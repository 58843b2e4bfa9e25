"""Zip bombs, PDF stream bombs and parser-exhausting files: refused with a reason, the server keeps serving."""

from __future__ import annotations

import asyncio
import io
import struct
import zipfile
import zlib
from pathlib import Path

import pytest

from govtag.config import IngestConfig
from govtag.errors import InputError, LimitExceededError
from govtag.ingest import load_bytes, load_path
from govtag.ingest.sandbox import ParseSandbox, SandboxLimits
from govtag.service.errors import Overloaded
from govtag.service.metrics import ServiceMetrics
from govtag.service.parse_slots import ParseSlots

_CT = "[Content_Types].xml"
_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="word/document.xml"/></Relationships>'
)
_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_PARAGRAPH = "<w:p><w:r><w:t>区司法局办理行政复议案件12件。</w:t></w:r></w:p>"


def docx_bytes(paragraphs: int, filler_bytes: int = 0) -> bytes:
    """A real .docx: ``paragraphs`` paragraphs, then ``filler_bytes`` of whitespace inside the body.

    The document part is streamed into the archive, so a gigabyte of XML costs
    the test a few seconds and little memory.
    """
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr(_CT, _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _RELS)
        with archive.open("word/document.xml", "w", force_zip64=True) as part:
            part.write(f'<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="{_W}"><w:body>'.encode())
            chunk = _PARAGRAPH.encode() * 1000
            for _ in range(paragraphs // 1000):
                part.write(chunk)
            part.write(_PARAGRAPH.encode() * (paragraphs % 1000))
            block = b" " * (1 << 20)
            for _ in range(filler_bytes >> 20):
                part.write(block)
            part.write(b"</w:body></w:document>")
    return out.getvalue()


def lying_sizes(data: bytes, member: str, declared: int) -> bytes:
    """The same archive with ``member``'s uncompressed size rewritten to ``declared`` in both headers."""
    raw = bytearray(data)
    name = member.encode()
    for signature, size_offset, name_offset in ((b"PK\x03\x04", 22, 30), (b"PK\x01\x02", 24, 46)):
        at = raw.find(signature)
        while at != -1:
            name_length = struct.unpack_from("<H", raw, at + (26 if signature == b"PK\x03\x04" else 28))[0]
            if raw[at + name_offset : at + name_offset + name_length] == name:
                struct.pack_into("<I", raw, at + size_offset, declared)
            at = raw.find(signature, at + 4)
    return bytes(raw)


def pdf_with_stream(content: bytes) -> bytes:
    """A one-page PDF whose content stream is ``content``, Flate-compressed."""
    stream = zlib.compress(content, 9)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << >> >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


@pytest.fixture(scope="module")
def zip_bomb() -> bytes:
    """A 1 GiB document.xml in a few megabytes: the audit's zip bomb."""
    return docx_bytes(paragraphs=10, filler_bytes=1 << 30)


# --- the readers' own limits (in-process, every caller) -----------------------------


def test_a_real_docx_still_reads() -> None:
    doc = load_bytes(docx_bytes(paragraphs=3), filename="ok.docx")
    assert doc.text.count("区司法局办理行政复议案件12件。") == 3


def test_zip_bomb_is_refused_by_its_declared_size_before_decompressing(zip_bomb: bytes) -> None:
    assert len(zip_bomb) < 8 * 2**20
    with pytest.raises(LimitExceededError, match=r"word/document\.xml.*decompresses to 10737\d+ bytes"):
        load_bytes(zip_bomb, filename="bomb.docx")


def test_a_member_that_lies_about_its_size_is_stopped_while_reading() -> None:
    limits = IngestConfig(max_member_bytes=1 << 20, max_total_bytes=4 << 20)
    honest = docx_bytes(paragraphs=10, filler_bytes=8 << 20)
    liar = lying_sizes(honest, "word/document.xml", declared=1000)
    with pytest.raises(InputError) as caught:  # either our count or zipfile's own size/CRC check stops it
        load_bytes(liar, filename="liar.docx", limits=limits)
    assert "liar.docx" in str(caught.value)


def test_too_many_archive_members_are_refused() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for index in range(30):
            archive.writestr(f"m{index}.xml", "<x/>")
    with pytest.raises(LimitExceededError, match="30 members; the limit is 20"):
        load_bytes(out.getvalue(), filename="many.docx", limits=IngestConfig(max_members=20))


def test_pdf_stream_bomb_is_refused() -> None:
    bomb = pdf_with_stream(b"BT /F1 12 Tf (x) Tj ET\n" + b" " * (40 << 20))
    assert len(bomb) < 200_000
    with pytest.raises(LimitExceededError, match="bomb.pdf"):
        load_bytes(bomb, filename="bomb.pdf", limits=IngestConfig(max_member_bytes=8 << 20))


def test_file_and_text_size_limits(tmp_path: Path) -> None:
    path = tmp_path / "big.txt"
    path.write_text("法治政府建设。" * 2000, encoding="utf-8")
    with pytest.raises(LimitExceededError, match=r"big\.txt: the file has 42000 bytes; the limit is 1000"):
        load_path(path, limits=IngestConfig(max_file_bytes=1000))
    with pytest.raises(LimitExceededError, match="14000 characters; the limit is 5000"):
        load_path(path, limits=IngestConfig(max_chars=5000))


# --- the sandbox: memory and time of one parse --------------------------------------


def test_sandbox_returns_the_same_document_as_an_in_process_read() -> None:
    data = docx_bytes(paragraphs=50)
    sandbox = ParseSandbox(SandboxLimits(memory_bytes=512 << 20, timeout_s=60), IngestConfig())
    inside = sandbox.load_bytes(data, "r.docx", None, None)
    assert inside == load_bytes(data, filename="r.docx")


def test_sandbox_passes_reader_errors_through() -> None:
    sandbox = ParseSandbox(SandboxLimits(memory_bytes=512 << 20, timeout_s=60), IngestConfig())
    with pytest.raises(InputError, match="bad.docx: not a readable .docx file"):
        sandbox.load_bytes(b"PK\x03\x04 not a zip", "bad.docx", None, None)


def test_a_parse_past_its_memory_limit_is_refused() -> None:
    # 20 MB of XML is within the size limits, but lxml's tree needs several times that.
    data = docx_bytes(paragraphs=400_000)
    sandbox = ParseSandbox(SandboxLimits(memory_bytes=96 << 20, timeout_s=120), IngestConfig())
    with pytest.raises(LimitExceededError, match="memory"):
        sandbox.load_bytes(data, "huge.docx", None, None)


def test_a_parse_past_its_deadline_is_killed() -> None:
    data = docx_bytes(paragraphs=200_000)
    sandbox = ParseSandbox(SandboxLimits(memory_bytes=4 << 30, timeout_s=0.2), IngestConfig())
    with pytest.raises(LimitExceededError, match="took longer than 0.2 s"):
        sandbox.load_bytes(data, "slow.docx", None, None)


def test_parse_slots_bound_concurrency_and_refuse_beyond_the_waiting_room() -> None:
    async def scenario() -> list[str]:
        slots = ParseSlots(concurrent=1, waiting=1, retry_after_s=3, metrics=ServiceMetrics())
        release = asyncio.Event()
        inside: list[str] = []

        async def parse(name: str) -> None:
            async with slots.slot():
                inside.append(name)
                await release.wait()

        first = asyncio.create_task(parse("first"))
        second = asyncio.create_task(parse("second"))
        while not inside:
            await asyncio.sleep(0)
        assert inside == ["first"]  # the second waits for the only parser
        with pytest.raises(Overloaded) as refused:
            async with slots.slot():
                pass
        assert refused.value.headers == {"Retry-After": "3"}
        release.set()
        await asyncio.gather(first, second)
        return inside

    assert asyncio.run(scenario()) == ["first", "second"]


# --- the service: a bomb is a 413, and the server keeps serving ----------------------


def _rss_bytes(pid: int = 0) -> int:
    with open(f"/proc/{pid or 'self'}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS")


def test_service_refuses_a_zip_bomb_and_keeps_serving(start_server, zip_bomb: bytes) -> None:
    live = start_server(
        default_backend="rules",
        backends=["rules"],
        limits={"max_upload_bytes": 16 << 20, "max_request_bytes": 32 << 20},
    )
    before = _rss_bytes()
    with live.client() as client:
        files = {"file": ("report.docx", zip_bomb, "application/octet-stream")}
        response = client.post("/v1/annotate", files=files)
        assert response.status_code == 413, response.text
        error = response.json()["error"]
        assert error["code"] == "limit_exceeded"
        assert "document.xml" in error["message"] and "limit" in error["message"]
        # the server process (the test process here) did not decompress the gigabyte
        assert _rss_bytes() - before < 200 << 20
        ok = client.post("/v1/annotate", files={"file": ("ok.docx", docx_bytes(3), "application/octet-stream")})
        assert ok.status_code == 200, ok.text
        assert ok.json()["text"].count("区司法局办理行政复议案件12件。") == 3
        metrics = client.get("/metrics").text
        assert 'govtag_rejected_total{reason="parse_limit"}' in metrics


def test_service_kills_a_parse_that_exhausts_its_memory(start_server) -> None:
    live = start_server(
        default_backend="rules",
        backends=["rules"],
        limits={"max_upload_bytes": 16 << 20, "max_request_bytes": 32 << 20, "max_text_chars": 20_000_000},
        parsing={"memory_mb": 96},
    )
    with live.client() as client:
        response = client.post(
            "/v1/annotate", files={"file": ("huge.docx", docx_bytes(400_000), "application/octet-stream")}
        )
        assert response.status_code == 413, response.text
        assert "memory" in response.json()["error"]["message"]
        assert client.get("/readyz").status_code == 200
