"""POST /v1/annotate: JSON and uploads, options, the spaCy export, and every input error."""

from __future__ import annotations

import hashlib
import io
import json

import httpx
import pytest
from service_helpers import TEST_LIMITS, LiveServer, assert_error, assert_offsets, default_model_ref
from spacy.tokens import DocBin

from govtag.service.spacy_export import SENTENCE_SPANS_KEY, blank_zh

LUDIAN_DOC_NO = "鲁政办发〔2019〕63号"


def _minimal_pdf(lines: list[str]) -> bytes:
    """A one-page PDF with ASCII text in Helvetica, offsets computed for a valid xref table."""
    stream = "BT /F1 12 Tf 72 720 Td 14 TL " + " ".join(f"({line}) '" for line in lines) + " ET"
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        "/Resources << /Font << /F1 5 0 R >> >> >>",
        f"<< /Length {len(stream)} >>\nstream\n{stream}\nendstream",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n{body}\nendobj\n".encode("latin-1"))
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for offset in offsets:
        out.write(f"{offset:010d} 00000 n \n".encode())
    out.write(f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode())
    return out.getvalue()


def _docx(paragraphs: list[str]) -> bytes:
    from docx import Document as DocxDocument

    document = DocxDocument()
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


# --- results ---------------------------------------------------------------------


def test_annotate_seed_report(api: tuple[httpx.Client, str], ludian_text: str) -> None:
    client, backend = api
    response = client.post("/v1/annotate", json={"text": ludian_text, "id": "ludian-2020", "options": {"backend": backend}})
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["id"] == "ludian-2020"
    assert result["backend"] == backend
    assert result["text_sha256"] == hashlib.sha256(ludian_text.encode("utf-8")).hexdigest()
    assert_offsets(result, ludian_text)
    counts = result["summary"]["labels"]
    assert sum(counts.values()) == len(result["sentences"]) > 50
    if backend != "model":  # document numbers come from the rules, also in the merged backend
        assert any(e["type"] == "DOC_NO" and e["text"] == LUDIAN_DOC_NO for e in result["entities"])
    if backend == "rules":
        assert result["model_version"] is None
        assert {s["label"] for s in result["sentences"]} >= {"achievement", "problem", "plan"}
    else:
        assert result["model_version"] == default_model_ref().version


def test_every_seed_report_keeps_offsets(api: tuple[httpx.Client, str], seed_texts: dict[str, str]) -> None:
    client, backend = api
    for name, text in seed_texts.items():
        response = client.post("/v1/annotate", json={"text": text, "id": name, "options": {"backend": backend}})
        assert response.status_code == 200, (name, response.text)
        assert_offsets(response.json(), text)


def test_crlf_and_astral_characters_keep_offsets(rules_server: LiveServer) -> None:
    # JSON text is tagged exactly as sent; characters outside the BMP count once (Python indices).
    text = "一、工作开展情况\r\n𠮷区司法局印发《实施方案》（区司发〔2020〕1号），办理案件12件。\r\n"
    with rules_server.client() as client:
        result = client.post("/v1/annotate", json={"text": text}).json()
    assert_offsets(result, text)


def test_output_options_filter_without_moving_offsets(api: tuple[httpx.Client, str], ludian_text: str) -> None:
    client, backend = api
    full = client.post("/v1/annotate", json={"text": ludian_text, "options": {"backend": backend}}).json()
    label = max(full["summary"]["labels"], key=full["summary"]["labels"].get)
    options = {"backend": backend, "labels": [label], "entity_types": ["DOC_NO", "NUM"], "include_text": False}
    result = client.post("/v1/annotate", json={"text": ludian_text, "options": options}).json()
    assert result["text"] is None and result["text_sha256"] == full["text_sha256"]
    assert result["sentences"] == [{**s, "text": None} for s in full["sentences"] if s["label"] == label]
    assert result["entities"] == [e for e in full["entities"] if e["type"] in ("DOC_NO", "NUM")]
    assert result["summary"]["labels"] == {
        name: (count if name == label else 0) for name, count in full["summary"]["labels"].items()
    }
    assert all(row["label"] == label for row in result["summary"]["indicators"])
    assert_offsets(result, ludian_text)


def test_upload_utf8_and_gbk_text(api: tuple[httpx.Client, str], ludian_text: str) -> None:
    client, backend = api
    options = json.dumps({"backend": backend})
    by_json = client.post("/v1/annotate", json={"text": ludian_text, "options": {"backend": backend}}).json()
    for encoding in ("utf-8", "gbk"):
        files = {"file": ("ludian-2020.txt", ludian_text.encode(encoding), "text/plain")}
        response = client.post("/v1/annotate", files=files, data={"options": options})
        assert response.status_code == 200, response.text
        result = response.json()
        assert result["id"] == "ludian-2020"
        assert_offsets(result, ludian_text)
        assert result["entities"] == by_json["entities"]
        assert result["sentences"] == by_json["sentences"]


def test_upload_html_docx_pdf(rules_server: LiveServer) -> None:
    paragraphs = [
        "一、工作开展情况",
        "结合我县实际，制定出台了《鲁甸县全面推行行政执法公示制度实施方案》鲁政办发〔2019〕63号，共办理案件12件。",
    ]
    html = (
        "<!doctype html><html><head><meta charset='utf-8'><title>报告</title></head><body><article>"
        + "".join(f"<p>{p}</p>" for p in paragraphs)
        + "</article></body></html>"
    ).encode("utf-8")
    uploads = {
        "report.html": (html, "text/html"),
        "report.docx": (_docx(paragraphs), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    }
    with rules_server.client() as client:
        for name, (data, mime) in uploads.items():
            response = client.post("/v1/annotate", files={"file": (name, data, mime)}, data={"id": name})
            assert response.status_code == 200, (name, response.text)
            result = response.json()
            assert result["id"] == name
            assert_offsets(result, result["text"])
            assert any(e["text"] == LUDIAN_DOC_NO for e in result["entities"]), name
        pdf = _minimal_pdf(["Annual report 2020.", "We handled 12 cases."])
        response = client.post("/v1/annotate", files={"file": ("report.pdf", pdf, "application/pdf")})
        assert response.status_code == 200, response.text
        result = response.json()
        assert "12 cases" in result["text"]
        assert_offsets(result, result["text"])


def test_spacy_format_returns_a_docbin(api: tuple[httpx.Client, str], ludian_text: str) -> None:
    client, backend = api
    body = {"text": ludian_text, "id": "ludian", "options": {"backend": backend, "include_text": False}}
    result = client.post("/v1/annotate", json=body).json()
    response = client.post("/v1/annotate", params={"format": "spacy"}, json=body)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/x-spacy-docbin")
    (doc,) = DocBin().from_bytes(response.content).get_docs(blank_zh().vocab)
    assert doc.text == ludian_text
    assert [(e.start_char, e.end_char, e.label_) for e in doc.ents] == [
        (e["start"], e["end"], e["type"]) for e in result["entities"]
    ]
    spans = doc.spans[SENTENCE_SPANS_KEY]
    assert [(s.start_char, s.end_char, s.label_) for s in spans] == [
        (s["start"], s["end"], s["label"]) for s in result["sentences"]
    ]
    assert doc.user_data["id"] == "ludian"
    if backend != "model":
        assert any(e.text == LUDIAN_DOC_NO and e.label_ == "DOC_NO" for e in doc.ents)


# --- errors ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"text": ""}, 422, "empty_document"),
        ({"text": " \n\u3000 "}, 422, "empty_document"),
        ({"text": "报告", "options": {"colour": "red"}}, 422, "invalid_request"),
        ({"text": "报告", "options": {"labels": ["praise"]}}, 422, "invalid_request"),
        ({"text": "报告", "options": {"backend": "gpt"}}, 422, "invalid_request"),
        ({"text": "报告", "options": {"include_text": "maybe"}}, 422, "invalid_request"),
        ({"text": "报告", "format": "xml"}, 422, "invalid_request"),
        ({"text": 42}, 422, "invalid_request"),
        ({"id": "no-text"}, 422, "invalid_request"),
        ([{"text": "报告"}], 422, "invalid_request"),
        ({"text": "报告", "id": "x" * 201}, 422, "invalid_request"),
        ({"text": "报告", "options": {"backend": "model"}}, 422, "backend_not_served"),
    ],
)
def test_json_errors(rules_server: LiveServer, body: object, status: int, code: str) -> None:
    with rules_server.client() as client:
        error = assert_error(client.post("/v1/annotate", json=body), status, code)
    if code == "invalid_request":
        assert error["details"], error


def test_unknown_option_names_the_option(rules_server: LiveServer) -> None:
    with rules_server.client() as client:
        error = assert_error(client.post("/v1/annotate", json={"text": "报告", "options": {"colour": 1}}), 422)
    assert "colour" in error["message"]


@pytest.mark.parametrize(
    ("content", "content_type", "status", "code"),
    [
        (b'{"text": "unterminated', "application/json", 400, "malformed_json"),
        (b"\xff\xfe\x00garbage", "application/json", 400, "malformed_json"),
        (b"", "application/json", 422, "empty_body"),
        (b"text=hello", "application/x-www-form-urlencoded", 415, "unsupported_media_type"),
        (b"<xml/>", "application/xml", 415, "unsupported_media_type"),
    ],
)
def test_body_errors(rules_server: LiveServer, content: bytes, content_type: str, status: int, code: str) -> None:
    with rules_server.client() as client:
        assert_error(client.post("/v1/annotate", content=content, headers={"content-type": content_type}), status, code)


def test_text_over_the_limit_is_413(rules_server: LiveServer) -> None:
    text = "报" * (TEST_LIMITS["max_text_chars"] + 1)
    with rules_server.client() as client:
        error = assert_error(client.post("/v1/annotate", json={"text": text}), 413, "text_too_long")
        assert str(TEST_LIMITS["max_text_chars"]) in error["message"]
        ok = client.post("/v1/annotate", json={"text": "报" * TEST_LIMITS["max_text_chars"]})
        assert ok.status_code == 200


def test_request_body_over_the_limit_is_413(rules_server: LiveServer) -> None:
    body = json.dumps({"text": "a" * (TEST_LIMITS["max_request_bytes"] + 10)})
    with rules_server.client() as client:
        assert_error(
            client.post("/v1/annotate", content=body, headers={"content-type": "application/json"}),
            413,
            "payload_too_large",
        )

        def chunks():  # no Content-Length: the limit applies while streaming
            for _ in range(TEST_LIMITS["max_request_bytes"] // 65536 + 2):
                yield b"a" * 65536

        response = client.post("/v1/annotate", content=chunks(), headers={"content-type": "application/json"})
        assert_error(response, 413, "payload_too_large")


@pytest.mark.parametrize(
    ("name", "data", "mime", "status", "code"),
    [
        ("report.exe", b"MZ\x90\x00binary", "application/octet-stream", 415, "unsupported_format"),
        ("report.xlsx", b"PK\x03\x04", "application/octet-stream", 415, "unsupported_format"),
        ("report", b"data", "image/png", 415, "unsupported_format"),
        ("report.txt", bytes(range(256)) * 8, "text/plain", 422, "decode_error"),
        ("report.txt", b"", "text/plain", 422, "empty_document"),
        ("report.txt", "   \n ".encode(), "text/plain", 422, "empty_document"),
        ("report.docx", b"PK\x03\x04 not really a zip", "application/octet-stream", 422, None),
        ("report.pdf", b"%PDF-1.4 truncated", "application/pdf", 422, None),
        ("report.txt", b"a" * (TEST_LIMITS["max_upload_bytes"] + 1), "text/plain", 413, "file_too_large"),
    ],
)
def test_upload_errors(
    rules_server: LiveServer, name: str, data: bytes, mime: str, status: int, code: str | None
) -> None:
    with rules_server.client() as client:
        assert_error(client.post("/v1/annotate", files={"file": (name, data, mime)}), status, code)


def test_multipart_errors(rules_server: LiveServer) -> None:
    txt = ("r.txt", "一、工作开展情况".encode(), "text/plain")
    with rules_server.client() as client:
        assert_error(client.post("/v1/annotate", files={"other": txt}), 422, "unknown_field")
        assert_error(client.post("/v1/annotate", data={"id": "x"}, files={"options": (None, "{}")}), 422, "missing_file")
        assert_error(client.post("/v1/annotate", files={"file": txt}, data={"options": "{bad"}), 400, "malformed_json")
        error = assert_error(
            client.post("/v1/annotate", files={"file": txt}, data={"options": '{"labels": ["nope"]}'}), 422
        )
        assert "options.labels" in error["message"]
        assert_error(
            client.post("/v1/annotate", content=b"--x\r\nbroken", headers={"content-type": "multipart/form-data"}),
            (400, 422),
        )


def test_unknown_routes_and_methods_answer_json(rules_server: LiveServer) -> None:
    with rules_server.client() as client:
        assert_error(client.get("/v1/nothing"), 404, "not_found")
        assert_error(client.get("/v1/annotate"), 405, "method_not_allowed")
