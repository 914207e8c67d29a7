"""Certificate copies attached to a nomination (学历、职称、获奖证书 ...).

``save_upload`` accepts PDF, JPEG and PNG only, recognised by content (magic bytes, then an actual
parse: Pillow decodes every image, pypdf reads every PDF object); the file name only supplies a
readable label. Everything is checked before anything is written, so a refused upload leaves no
file and no row. Files are stored under ``data_dir/uploads/<nomination id>/`` with random names,
outside any static folder; the web layer serves them after its permission check.

Example::

    try:
        upload = save_upload(session, settings.data_dir, nomination_id=7, filename="学位证.jpg",
                             content=request.files["file"].stream, category="degree",
                             uploaded_by="hongshan_submitter", now=clock.now())
    except UploadRefused as exc:
        flash(exc.message)
"""
from __future__ import annotations

import io
import re
import unicodedata
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .store import sha256, write_atomically
from .tables import Upload

CATEGORIES = {"degree": "学历学位证书", "title": "职称证书", "award": "获奖证书",
              "research": "科研成果证明", "other": "其他证明材料"}
MB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    max_file_bytes: int = 10 * MB
    max_nomination_bytes: int = 50 * MB
    max_files: int = 30
    max_pixels: int = 40_000_000      # a 40-megapixel scan is plenty; larger is a decompression bomb
    max_pdf_objects: int = 100_000


DEFAULT_LIMITS = Limits()


class UploadRefused(ValueError):
    """An upload that was not stored; ``message`` is what the user reads."""

    def __init__(self, message: str, reason: str):
        super().__init__(message)
        self.message = message
        self.reason = reason


@dataclass(frozen=True)
class FileType:
    content_type: str
    extension: str
    label: str


PDF = FileType("application/pdf", "pdf", "PDF")
JPEG = FileType("image/jpeg", "jpg", "JPEG")
PNG = FileType("image/png", "png", "PNG")

EXECUTABLE_MAGIC = (
    (b"MZ", "Windows 可执行程序"),
    (b"\x7fELF", "Linux 可执行程序"),
    (b"\xcf\xfa\xed\xfe", "macOS 可执行程序"), (b"\xce\xfa\xed\xfe", "macOS 可执行程序"),
    (b"\xfe\xed\xfa\xce", "macOS 可执行程序"), (b"\xfe\xed\xfa\xcf", "macOS 可执行程序"),
    (b"\xca\xfe\xba\xbe", "macOS/Java 可执行程序"),
    (b"#!", "脚本程序"),
)
# PDF names that run code or programs when the file is opened
PDF_ACTIVE_NAMES = {"JS": "JavaScript 脚本", "JavaScript": "JavaScript 脚本", "Launch": "启动外部程序的动作"}
_PDF_NAME = re.compile(rb"/([^\s/<>\[\]()%{}]+)")
_PDF_STREAM = re.compile(rb"stream\r?\n.*?endstream", re.DOTALL)
_ALLOWED_NAME_CHARS = re.compile(r"[^\w\-.()（）【】\[\] ]", re.UNICODE)


def _refuse(message: str, reason: str):
    raise UploadRefused(message, reason)


# ------------------------------------------------------------------ file names

def sanitize_filename(name: str | None) -> str:
    """A display name without any path; a name that tries to name a path is refused, not repaired."""
    name = unicodedata.normalize("NFC", name or "").strip()
    if not name:
        _refuse("文件名为空，请选择要上传的文件", "empty_name")
    if ("/" in name or "\\" in name or name in (".", "..") or name.startswith("..")
            or any(unicodedata.category(ch) == "Cc" for ch in name) or re.match(r"^[A-Za-z]:", name)):
        _refuse("文件名不合法：文件名中不能包含路径（“/”“\\”“..”或盘符）或控制字符，请改名后重新上传", "path_traversal")
    cleaned = _ALLOWED_NAME_CHARS.sub("_", name)
    cleaned = re.sub(r"\s+", " ", cleaned).strip(" .")
    stem = cleaned.rsplit(".", 1)[0] if "." in cleaned else cleaned
    return stem[:80].strip(" .") or "附件"


# ------------------------------------------------------------------ content

def _check_image(content: bytes, kind: FileType, limits: Limits) -> None:
    from PIL import Image

    try:
        with Image.open(io.BytesIO(content)) as im:
            if im.format not in (("JPEG", "MPO") if kind is JPEG else ("PNG",)):
                _refuse(f"文件内容不是完整的 {kind.label} 图片，无法识别", "image_format")
            width, height = im.size
            if width * height > limits.max_pixels:
                _refuse(f"图片尺寸过大（{width}×{height} 像素），请缩小后重新上传", "image_too_large")
            im.verify()
        with Image.open(io.BytesIO(content)) as im:
            im.load()
    except UploadRefused:
        raise
    except Exception:
        _refuse(f"图片无法解码：文件已损坏或不是有效的 {kind.label} 图片，请重新扫描后上传", "image_undecodable")


def _pdf_names(content: bytes):
    # stream bodies are compressed bytes: a chance "/JS" there means nothing (pypdf reads them below)
    for match in _PDF_NAME.finditer(_PDF_STREAM.sub(b"stream endstream", content)):
        raw = match.group(1)
        try:
            yield re.sub(rb"#([0-9A-Fa-f]{2})", lambda m: bytes([int(m.group(1), 16)]), raw).decode("latin-1")
        except ValueError:
            continue


def _walk_pdf(reader, limits: Limits) -> str | None:
    """The first active name found in any object reachable from the trailer (object streams included)."""
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

    seen: set[tuple[int, int]] = set()
    stack = [reader.trailer]
    visited = 0
    while stack:
        obj = stack.pop()
        if isinstance(obj, IndirectObject):
            key = (obj.idnum, obj.generation)
            if key in seen:
                continue
            seen.add(key)
            obj = obj.get_object()
        visited += 1
        if visited > limits.max_pdf_objects:
            _refuse("PDF 文件结构过于复杂，无法检查，请另存为普通 PDF 后重新上传", "pdf_too_complex")
        if isinstance(obj, DictionaryObject):
            for key, value in obj.items():
                if str(key)[1:] in PDF_ACTIVE_NAMES:
                    return str(key)[1:]
                stack.append(value)
        elif isinstance(obj, ArrayObject):
            stack.extend(obj)
        elif isinstance(obj, NameObject) and str(obj)[1:] in PDF_ACTIVE_NAMES:
            return str(obj)[1:]
    return None


def _check_pdf(content: bytes, limits: Limits) -> None:
    for name in _pdf_names(content):
        if name in PDF_ACTIVE_NAMES:
            _refuse(f"PDF 文件包含{PDF_ACTIVE_NAMES[name]}（/{name}），存在安全风险，已拒绝；请打印后重新扫描或另存为普通 PDF",
                    "pdf_active_content")
    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(content), strict=False)
        if reader.is_encrypted:
            _refuse("PDF 文件已加密，无法检查内容，请上传未加密的文件", "pdf_encrypted")
        if len(reader.pages) < 1:
            _refuse("PDF 文件没有任何页面", "pdf_empty")
        found = _walk_pdf(reader, limits)
    except UploadRefused:
        raise
    except Exception:
        _refuse("PDF 文件已损坏或无法解析，请重新导出后上传", "pdf_unreadable")
    if found:
        _refuse(f"PDF 文件包含{PDF_ACTIVE_NAMES[found]}（/{found}），存在安全风险，已拒绝；请打印后重新扫描或另存为普通 PDF",
                "pdf_active_content")


def detect(content: bytes, limits: Limits = DEFAULT_LIMITS) -> FileType:
    """The file's real type, checked by decoding it; raises :class:`UploadRefused` otherwise."""
    if not content:
        _refuse("文件是空的，请重新选择", "empty_file")
    for magic, what in EXECUTABLE_MAGIC:
        if content.startswith(magic):
            _refuse(f"该文件是{what}，不是证书扫描件；只能上传 PDF、JPEG 或 PNG 文件", "executable")
    if content.startswith(b"%PDF-"):
        _check_pdf(content, limits)
        return PDF
    if content.startswith(b"\xff\xd8\xff"):
        _check_image(content, JPEG, limits)
        return JPEG
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        _check_image(content, PNG, limits)
        return PNG
    _refuse("只能上传 PDF、JPEG 或 PNG 格式的文件（按文件内容识别，与扩展名无关）", "unsupported_type")


# ------------------------------------------------------------------ service

def _read(content: bytes | BinaryIO, limit: int) -> bytes:
    if isinstance(content, (bytes, bytearray)):
        return bytes(content)
    return content.read(limit + 1)  # one byte more than allowed is enough to refuse


def _mb(n: int) -> str:
    return f"{n / MB:.1f}".rstrip("0").rstrip(".")


def save_upload(session: Session, data_dir: Path, *, nomination_id: int, filename: str | None,
                content: bytes | BinaryIO, category: str, uploaded_by: str, now: datetime,
                limits: Limits = DEFAULT_LIMITS) -> Upload:
    """Check and store one file; raises :class:`UploadRefused` (nothing stored) when it is not acceptable."""
    if category not in CATEGORIES:
        _refuse("请选择附件类别（学历学位证书、职称证书、获奖证书、科研成果证明或其他证明材料）", "category")
    display = sanitize_filename(filename)
    data = _read(content, limits.max_file_bytes)
    if len(data) > limits.max_file_bytes:
        _refuse(f"文件过大：单个文件不能超过 {_mb(limits.max_file_bytes)} MB", "file_too_large")
    count, total = session.execute(select(func.count(Upload.id), func.coalesce(func.sum(Upload.size), 0))
                                   .where(Upload.nomination_id == nomination_id)).one()
    if count >= limits.max_files:
        _refuse(f"每份推荐材料最多上传 {limits.max_files} 个附件", "too_many_files")
    if total + len(data) > limits.max_nomination_bytes:
        _refuse(f"附件总大小超出限制：每份推荐材料的附件合计不能超过 {_mb(limits.max_nomination_bytes)} MB"
                f"（已上传 {_mb(total)} MB）", "nomination_too_large")
    kind = detect(data, limits)

    relative = Path("uploads") / str(int(nomination_id)) / f"{uuid.uuid4().hex}.{kind.extension}"
    target = Path(data_dir) / relative
    write_atomically(target, data)
    try:
        row = Upload(nomination_id=nomination_id, category=category, original_name=f"{display}.{kind.extension}",
                     content_type=kind.content_type, size=len(data), checksum=sha256(data), path=relative.as_posix(),
                     uploaded_by=uploaded_by, uploaded_at=now)
        session.add(row)
        session.flush()
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    return row


def list_uploads(session: Session, nomination_id: int) -> list[Upload]:
    return list(session.scalars(select(Upload).where(Upload.nomination_id == nomination_id).order_by(Upload.id)))


def upload_file(data_dir: Path, upload: Upload) -> Path:
    """The stored file of ``upload``; never outside ``data_dir/uploads``."""
    root = (Path(data_dir) / "uploads").resolve()
    path = (Path(data_dir) / upload.path).resolve()
    if root not in path.parents:
        raise FileNotFoundError(upload.path)
    return path


def delete_upload(session: Session, data_dir: Path, upload: Upload) -> None:
    path = upload_file(data_dir, upload)
    session.delete(upload)
    session.flush()
    path.unlink(missing_ok=True)
