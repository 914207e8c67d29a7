"""Certificate copies: PDF, JPEG and PNG recognised by content; everything else refused with a
Chinese message, and a refused upload leaves neither a file nor a row."""
from __future__ import annotations

import io

import pytest
from PIL import Image
from pypdf import PdfWriter
from pypdf.generic import DictionaryObject, NameObject, TextStringObject
from sqlalchemy import func, select

from workflows.documents.tables import Upload
from workflows.documents.uploads import Limits, UploadRefused, check_upload, save_upload, upload_file

from .conftest import utc


def png(size=(60, 40)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buf, format="PNG")
    return buf.getvalue()


def jpeg(size=(60, 40)) -> bytes:
    buf = io.BytesIO()
    Image.effect_noise(size, 40).convert("RGB").save(buf, format="JPEG", quality=90)
    return buf.getvalue()


def pdf(js: str | None = None) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    if js:
        action = DictionaryObject({NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject(js)})
        writer._root_object[NameObject("/OpenAction")] = writer._add_object(action)
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def pdf_with_escaped_javascript_name() -> bytes:
    """``/J#61vaScript`` is ``/JavaScript`` written with a hex escape, as malware does to hide it."""
    return (b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R /Names << /J#61vaScript 4 0 R >> >> endobj\n"
            b"2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n"
            b"3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >> endobj\n"
            b"4 0 obj << /Names [(x) 5 0 R] >> endobj\n5 0 obj << /S /JavaScript /JS (app.alert(1)) >> endobj\n"
            b"trailer << /Root 1 0 R >>\n%%EOF\n")


def pdf_with_javascript_in_a_compressed_object_stream() -> bytes:
    """The action hides in a Flate-compressed object stream: only a real parse finds it."""
    import struct
    import zlib

    out = bytearray(b"%PDF-1.5\n")
    offsets = {}

    def obj(num, body: bytes):
        offsets[num] = len(out)
        out.extend(b"%d 0 obj " % num + body + b" endobj\n")

    obj(1, b"<< /Type /Catalog /Pages 2 0 R /OpenAction 4 0 R >>")
    obj(2, b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>")
    obj(3, b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>")
    packed = zlib.compress(b"4 0 << /S /JavaScript /JS (app.alert(1)) >>")
    obj(5, b"<< /Type /ObjStm /N 1 /First 4 /Filter /FlateDecode /Length %d >> stream\n" % len(packed)
        + packed + b"\nendstream")
    offsets[6] = len(out)
    rows = [(0, 0, 65535), (1, offsets[1], 0), (1, offsets[2], 0), (1, offsets[3], 0), (2, 5, 0), (1, offsets[5], 0),
            (1, offsets[6], 0)]
    xref = b"".join(struct.pack(">BIH", *row) for row in rows)
    out.extend(b"6 0 obj << /Type /XRef /Size 7 /W [1 4 2] /Root 1 0 R /Length %d >> stream\n" % len(xref)
               + xref + b"\nendstream endobj\n")
    out.extend(b"startxref\n%d\n%%%%EOF\n" % offsets[6])
    return bytes(out)


def save(system, content, filename="学位证书.png", category="degree", nomination_id=1, limits=Limits()):
    with system.engine.unit_of_work() as s:
        return save_upload(s, system.settings.data_dir, nomination_id=nomination_id, filename=filename,
                           content=content, category=category, uploaded_by="hongshan_submitter",
                           now=utc(2014, 6, 10), limits=limits)


def stored_files(system):
    root = system.settings.data_dir / "uploads"
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def stored_rows(system):
    with system.engine.sessions() as s:
        return s.scalar(select(func.count(Upload.id)))


REFUSALS = [
    pytest.param(b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 200, "学位证书.pdf", "executable", "可执行程序",
                 id="renamed-windows-executable"),
    pytest.param(b"\x7fELF\x02\x01\x01" + b"\x00" * 200, "职称证书.png", "executable", "可执行程序",
                 id="renamed-linux-executable"),
    pytest.param(b"#!/bin/sh\nrm -rf /\n", "获奖证书.jpg", "executable", "脚本程序", id="renamed-script"),
    pytest.param(png(), "../../etc/passwd.png", "path_traversal", "文件名不合法", id="path-traversal-dotdot"),
    pytest.param(png(), "..\\..\\windows\\证书.png", "path_traversal", "文件名不合法", id="path-traversal-backslash"),
    pytest.param(png(), "/etc/cron.d/x.png", "path_traversal", "文件名不合法", id="absolute-path"),
    pytest.param(png(), "C:证书.png", "path_traversal", "文件名不合法", id="drive-letter"),
    pytest.param(b"\x89PNG\r\n\x1a\n" + b"\x00garbage" * 50, "学位证书.png", "image_undecodable", "图片无法解码",
                 id="png-that-does-not-decode"),
    pytest.param(jpeg((400, 300))[:600], "学位证书.jpg", "image_undecodable", "图片无法解码", id="truncated-jpeg"),
    pytest.param(pdf(js="app.alert('x');"), "获奖证书.pdf", "pdf_active_content", "JavaScript", id="pdf-with-javascript"),
    pytest.param(pdf_with_escaped_javascript_name(), "获奖证书.pdf", "pdf_active_content", "JavaScript",
                 id="pdf-with-hidden-javascript-name"),
    pytest.param(pdf_with_javascript_in_a_compressed_object_stream(), "获奖证书.pdf", "pdf_active_content", "JavaScript",
                 id="pdf-with-javascript-in-an-object-stream"),
    pytest.param(b"%PDF-1.7\n this is not a pdf at all", "学位证书.pdf", "pdf_unreadable", "无法解析", id="broken-pdf"),
    pytest.param(b"GIF89a\x01\x00\x01\x00", "证书.gif", "unsupported_type", "只能上传 PDF、JPEG 或 PNG", id="gif"),
    pytest.param(b"PK\x03\x04" + b"\x00" * 100, "证书.pdf", "unsupported_type", "只能上传 PDF、JPEG 或 PNG",
                 id="zip-renamed-pdf"),
    pytest.param(b"", "证书.pdf", "empty_file", "文件是空的", id="empty"),
]


@pytest.mark.parametrize("content, filename, reason, message", REFUSALS)
def test_unacceptable_upload_is_refused_and_nothing_is_stored(docs_system, content, filename, reason, message):
    with pytest.raises(UploadRefused) as refused:
        save(docs_system, content, filename=filename)
    assert refused.value.reason == reason
    assert message in refused.value.message
    assert stored_rows(docs_system) == 0
    assert stored_files(docs_system) == []


def test_oversized_file_is_refused_before_it_is_read_in_full(docs_system):
    stream = io.BytesIO(b"%PDF-1.4\n" + b"0" * (10 * 1024 * 1024))
    with pytest.raises(UploadRefused) as refused:
        save(docs_system, stream, filename="扫描件.pdf")
    assert refused.value.reason == "file_too_large"
    assert "不能超过 10 MB" in refused.value.message
    assert stored_rows(docs_system) == 0 and stored_files(docs_system) == []


def test_nomination_total_is_limited(docs_system):
    image = png((300, 300))
    limits = Limits(max_nomination_bytes=int(len(image) * 1.5))
    save(docs_system, image, limits=limits)
    with pytest.raises(UploadRefused) as refused:
        save(docs_system, image, filename="第二张.png", limits=limits)
    assert refused.value.reason == "nomination_too_large"
    assert "附件总大小超出限制" in refused.value.message
    assert stored_rows(docs_system) == 1 and len(stored_files(docs_system)) == 1
    save(docs_system, image, nomination_id=2, limits=limits)  # another nomination has its own allowance


@pytest.mark.parametrize("content, filename, content_type, name", [
    (png(), "学位证书.png", "image/png", "学位证书.png"),
    (jpeg(), "职称证书.JPEG", "image/jpeg", "职称证书.jpg"),
    (pdf(), "获奖证书.pdf", "application/pdf", "获奖证书.pdf"),
    (png(), "扫描件.jpg", "image/png", "扫描件.png"),                      # the content decides, not the name
    (png(), "证书<img src=x onerror=alert(1)>.png", "image/png", "证书_img src_x onerror_alert(1)_.png"),
])
def test_certificate_copy_is_stored_outside_static_with_its_real_type(docs_system, content, filename, content_type, name):
    row = save(docs_system, content, filename=filename)
    assert (row.content_type, row.original_name, row.size) == (content_type, name, len(content))
    path = upload_file(docs_system.settings.data_dir, row)
    assert path.read_bytes() == content
    assert "static" not in path.parts
    assert path.name != filename and path.parent.name == "1"


def test_unknown_category_is_refused(docs_system):
    with pytest.raises(UploadRefused, match="请选择附件类别"):
        save(docs_system, png(), category="selfie")
    assert stored_files(docs_system) == []


# ------------------------------------------------------------------ declared type and smuggled content

def jpeg_with_comment(comment: bytes) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (40, 30), (10, 120, 200)).save(buf, format="JPEG", comment=comment)
    return buf.getvalue()


DECLARED_REFUSALS = [
    pytest.param(pdf(), "学位证书.png", None, "与文件内容（PDF）不符", id="pdf-named-as-a-picture"),
    pytest.param(png(), "扫描件.pdf", None, "与文件内容（PNG）不符", id="picture-named-as-a-pdf"),
    pytest.param(png(), "证书.html", None, "不是 PDF、JPEG 或 PNG", id="picture-named-as-a-web-page"),
    pytest.param(png(), "证书.png.exe", None, "不是 PDF、JPEG 或 PNG", id="picture-named-as-a-program"),
    pytest.param(png(), "证书.png", "text/html", "声明的文件类型（text/html）", id="picture-declared-as-html"),
    pytest.param(pdf(), "证书.pdf", "image/png", "声明的文件类型（image/png）", id="pdf-declared-as-a-picture"),
]


@pytest.mark.parametrize("content, filename, declared, message", DECLARED_REFUSALS)
def test_content_that_contradicts_its_declared_type_is_refused(content, filename, declared, message):
    with pytest.raises(UploadRefused) as refused:
        check_upload(filename=filename, content=content, category="degree", declared_type=declared)
    assert refused.value.reason == "declared_type" and message in refused.value.message


@pytest.mark.parametrize("content, filename, declared", [
    (png(), "证书.png", "image/png"), (png(), "证书.PNG", "application/octet-stream"), (png(), "证书", None),
    (jpeg(), "证书.jpeg", "image/jpeg"), (png(), "证书.jpg", "image/jpeg"),    # JPEG and PNG may be mixed up
    (pdf(), "证书.pdf", "application/pdf; charset=binary"),
])
def test_content_that_matches_its_declared_type_is_accepted(content, filename, declared):
    checked = check_upload(filename=filename, content=content, category="degree", declared_type=declared)
    assert checked.data == content


@pytest.mark.parametrize("content, reason", [
    pytest.param(png() + b"<html><script>alert(document.cookie)</script></html>", "image_smuggled_content",
                 id="png-followed-by-a-web-page"),
    pytest.param(png() + b"PK\x03\x04" + b"\x00" * 60, "image_trailing_data", id="png-followed-by-an-archive"),
    pytest.param(jpeg_with_comment(b"<script>fetch('//evil.example')</script>"), "image_smuggled_content",
                 id="jpeg-comment-with-a-script"),
    pytest.param(jpeg_with_comment(b"%PDF-1.4 1 0 obj << /OpenAction >>"), "image_smuggled_content",
                 id="jpeg-that-is-also-a-pdf"),
])
def test_picture_carrying_another_kind_of_content_is_refused(content, reason):
    with pytest.raises(UploadRefused) as refused:
        check_upload(filename="证书.png" if content.startswith(b"\x89PNG") else "证书.jpg", content=content,
                     category="degree")
    assert refused.value.reason == reason and "存在安全风险" in refused.value.message
