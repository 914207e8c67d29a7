"""Active content in an uploaded PDF: JavaScript, launch actions, embedded files, rich media, XFA
forms, automatic actions — refused wherever in the file they hide.

A PDF viewer runs what it finds through several routes, so the file is read three ways and a hit
in any of them refuses the upload:

1. **raw text**: every name in the bytes outside stream data (names are decoded first, so
   ``/J#61vaScript`` is ``/JavaScript``). Sees objects of every incremental update, objects no
   cross-reference table lists and objects too mangled for a parser that a lenient viewer repairs.
2. **every object header** (``12 0 obj``) anywhere in the file, parsed with pypdf's tokenizer —
   also the ones that a fake ``stream`` keyword in a string would hide from (1); each object
   stream found is decompressed and its objects read as in (1).
3. **pypdf's own view**: the trailer and every object of the cross-reference tables, object
   streams included, as a viewer reaches them; an ``/OpenAction`` that is more than a jump to a
   page is refused too.

Example::

    finding = scan_pdf(content)          # None when clean
    if finding:
        print(finding.name, finding.label)   # "JavaScript", "JavaScript 脚本"
"""
from __future__ import annotations

import io
import re
from dataclasses import dataclass

# names that make a viewer run code, start programs, open or carry other files, or act by itself
ACTIVE_NAMES = {
    "JS": "JavaScript 脚本",
    "JavaScript": "JavaScript 脚本",
    "Launch": "启动外部程序的动作",
    "EmbeddedFile": "嵌入的文件",
    "EmbeddedFiles": "嵌入的文件",
    "FileAttachment": "附加的文件",
    "RichMedia": "富媒体（Flash 等）内容",
    "XFA": "XFA 动态表单",
    "AA": "自动触发的动作",
    "SubmitForm": "向外部提交数据的动作",
    "ImportData": "导入外部数据的动作",
    "GoToR": "打开其他文件的动作",
    "GoToE": "打开嵌入文件的动作",
}
OPEN_ACTION = ("OpenAction", "打开文件时自动执行的动作")

_NAME = re.compile(rb"/([^\s/<>\[\]()%{}]*)")
_HEX = re.compile(rb"#([0-9A-Fa-f]{2})")
_STREAM_START = re.compile(rb"(?<!end)stream(?:\r\n|\n|\r)")
_OBJECT_HEADER = re.compile(rb"(?<![0-9])([0-9]{1,10})[\x00\t\n\x0c\r ]+([0-9]{1,5})[\x00\t\n\x0c\r ]+obj(?![A-Za-z])")


@dataclass(frozen=True)
class Finding:
    name: str       # the PDF name without its slash, e.g. "JavaScript"
    label: str      # what it is, in Chinese


class PdfUnreadable(ValueError):
    """pypdf cannot read the file at all."""


class PdfEncrypted(ValueError):
    """The file is encrypted: its objects cannot be checked."""


class PdfTooComplex(ValueError):
    """More objects or more decompressed data than a certificate scan ever needs."""


def active(name: str) -> Finding | None:
    """The finding for one decoded PDF name (without its slash), or None when it is harmless."""
    if name in ACTIVE_NAMES:
        return Finding(name, ACTIVE_NAMES[name])
    if name.startswith("RichMedia"):
        return Finding(name, ACTIVE_NAMES["RichMedia"])
    return None


def decode_name(raw: bytes) -> str:
    return _HEX.sub(lambda m: bytes([int(m.group(1), 16)]), raw).decode("latin-1")


def names_in(text: bytes):
    """Every name in ``text`` (PDF syntax outside stream data), decoded."""
    for match in _NAME.finditer(text):
        yield decode_name(match.group(1))


def first_active_text(content: bytes) -> Finding | None:
    """Layer 1 alone: the first active name in the raw text outside stream data."""
    return _first_active(outside_streams(content))


def _first_active(text: bytes) -> Finding | None:
    for name in names_in(text):
        found = active(name)
        if found:
            return found
    return None


def outside_streams(content: bytes) -> bytes:
    """``content`` with the data of every stream cut out (compressed bytes may hold "/JS" by chance).
    A stream ends at the first ``endstream``: at most more is read as text, never less."""
    parts, pos = [], 0
    while True:
        start = _STREAM_START.search(content, pos)
        if start is None:
            parts.append(content[pos:])
            return b" ".join(parts)
        parts.append(content[pos:start.start()])
        end = content.find(b"endstream", start.end())
        if end < 0:
            return b" ".join(parts)
        pos = end + len(b"endstream")


# ------------------------------------------------------------------ structured walk

class _Budget:
    def __init__(self, max_objects: int, max_decoded: int):
        self.objects = max_objects
        self.decoded = max_decoded

    def count(self, n: int = 1) -> None:
        self.objects -= n
        if self.objects < 0:
            raise PdfTooComplex("too many objects")

    def decode(self, n: int) -> None:
        self.decoded -= n
        if self.decoded < 0:
            raise PdfTooComplex("too much decompressed data")


def _walk(obj, budget: _Budget) -> Finding | None:
    """Names used anywhere inside one object (keys and values, nested dictionaries and arrays);
    references are not followed: every object is walked on its own."""
    from pypdf.generic import ArrayObject, DictionaryObject, NameObject

    stack = [obj]
    while stack:
        item = stack.pop()
        budget.count()
        if isinstance(item, DictionaryObject):
            for key, value in item.items():
                found = active(str(key)[1:])
                if found:
                    return found
                if key == "/OpenAction" and isinstance(value, DictionaryObject) and value.get("/S") not in (None, "/GoTo"):
                    return Finding(*OPEN_ACTION)
                stack.append(value)
        elif isinstance(item, ArrayObject):
            stack.extend(item)
        elif isinstance(item, NameObject):
            found = active(str(item)[1:])
            if found:
                return found
    return None


def _is_object_stream(obj) -> bool:
    return obj.get("/Type") == "/ObjStm" or ("/N" in obj and "/First" in obj)


def _object_stream_text(obj, budget: _Budget) -> bytes:
    try:
        data = obj.get_data()
    except Exception as exc:
        from pypdf.errors import LimitReachedError
        if isinstance(exc, LimitReachedError):
            raise PdfTooComplex("object stream too large") from exc
        raise PdfUnreadable("object stream cannot be decoded") from exc
    budget.decode(len(data))
    return data


def _scan_headers(content: bytes, reader, budget: _Budget) -> Finding | None:
    """Every ``N G obj`` in the file, parsed where it stands (listed in a cross-reference table or not)."""
    from pypdf.generic import StreamObject, read_object

    stream = io.BytesIO(content)
    for match in _OBJECT_HEADER.finditer(content):
        budget.count()
        pos = match.end()
        while pos < len(content) and content[pos] in b"\x00\t\n\x0c\r ":
            pos += 1
        stream.seek(pos)
        try:
            obj = read_object(stream, reader)
        except Exception:  # noqa: BLE001 - not an object after all (or mangled: the raw scan read its text)
            continue
        found = _walk(obj, budget)
        if found:
            return found
        if isinstance(obj, StreamObject) and _is_object_stream(obj):
            found = _first_active(_object_stream_text(obj, budget))
            if found:
                return found
    return None


def _scan_reader(reader, budget: _Budget) -> Finding | None:
    """The trailer and every object pypdf's cross-reference tables list (object streams included)."""
    from pypdf.generic import DictionaryObject, IndirectObject, StreamObject

    found = _walk(reader.trailer, budget)
    if found:
        return found
    refs = {(idnum, gen) for gen, table in reader.xref.items() for idnum in table}
    refs |= {(idnum, 0) for idnum in reader.xref_objStm}
    for idnum, gen in sorted(refs):
        try:
            obj = IndirectObject(idnum, gen, reader).get_object()
        except Exception:  # noqa: BLE001 - a dangling entry: the header scan read what stands there
            continue
        if obj is None:
            continue
        found = _walk(obj, budget)
        if found:
            return found
        if isinstance(obj, StreamObject) and _is_object_stream(obj):
            found = _first_active(_object_stream_text(obj, budget))
            if found:
                return found
    root = reader.trailer.get("/Root")
    root = root.get_object() if root is not None else None
    if isinstance(root, DictionaryObject) and "/OpenAction" in root:
        action = root["/OpenAction"].get_object()
        if isinstance(action, DictionaryObject) and action.get("/S") not in (None, "/GoTo"):
            return Finding(*OPEN_ACTION)
    return None


def open_reader(content: bytes):
    """A pypdf reader for ``content``; raises :class:`PdfUnreadable` or :class:`PdfEncrypted`."""
    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(content), strict=False)
        encrypted = reader.is_encrypted
    except Exception as exc:
        raise PdfUnreadable(str(exc)) from exc
    if encrypted:
        raise PdfEncrypted("encrypted")
    return reader


def scan_pdf(content: bytes, *, max_objects: int = 100_000, max_decoded: int = 64 * 1024 * 1024,
             reader=None) -> Finding | None:
    """The first active content found in ``content``, or None. Raises :class:`PdfUnreadable`,
    :class:`PdfEncrypted` or :class:`PdfTooComplex` when the file cannot be checked."""
    found = first_active_text(content)
    if found:
        return found
    reader = reader or open_reader(content)
    budget = _Budget(max_objects * 20, max_decoded)  # objects and the items inside them
    try:
        return _scan_headers(content, reader, budget) or _scan_reader(reader, budget)
    except (PdfTooComplex, PdfUnreadable):
        raise
    except RecursionError as exc:
        raise PdfTooComplex("nesting too deep") from exc
    except Exception as exc:  # noqa: BLE001 - pypdf gave up on the file: it is not checked, so not accepted
        from pypdf.errors import LimitReachedError
        if isinstance(exc, LimitReachedError):
            raise PdfTooComplex(str(exc)) from exc
        raise PdfUnreadable(str(exc)) from exc
