"""Certificate copies attached to a nomination (学历、职称、获奖证书 ...).

``save_upload`` accepts PDF, JPEG and PNG only, recognised by content (magic bytes, then an actual
parse: Pillow decodes every image, :mod:`.pdfscan` reads every PDF object) and agreeing with the
name and type the browser declared. A PDF with JavaScript, launch actions, embedded files, rich
media, XFA or automatic actions is refused wherever in the file they hide; so is a picture that
carries a web page, a script or another file. Everything is checked before anything is written, so
a refused upload leaves no file and no row; the web view runs the checks before its (short) write
transaction (:func:`check_upload`, :func:`write_checked`, :func:`record_upload`). Files are stored under ``data_dir/uploads/<nomination id>/`` with random names,
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
# what a file's name or the browser may declare, by family: a JPEG sent as ".png" is still a
# picture (stored under its real type); a PDF sent as a picture, or anything declared as another
# kind of file, is refused
DECLARED_EXTENSIONS = {"pdf": "pdf", "jpg": "image", "jpeg": "image", "jpe": "image", "jfif": "image", "png": "image"}
DECLARED_TYPES = {"application/pdf": "pdf", "application/x-pdf": "pdf", "image/jpeg": "image", "image/pjpeg": "image",
                  "image/jpg": "image", "image/png": "image", "image/x-png": "image"}
UNDECLARED_TYPES = ("", "application/octet-stream", "binary/octet-stream", "application/unknown")
# other files or web content riding inside a picture (a polyglot the browser or a viewer may run)
# (markers long enough that compressed picture data never holds one by chance)
IMAGE_SMUGGLED = ((b"<script", "网页脚本"), (b"<html", "网页"), (b"<?php", "服务器脚本"), (b"%pdf-", "PDF 文件"),
                  (b"javascript:", "网页脚本"))
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
    lowered = content.lower()
    for marker, what in IMAGE_SMUGGLED:
        if marker in lowered:
            _refuse(f"图片中夹带了{what}内容，存在安全风险，已拒绝；请重新扫描或另存为普通 {kind.label} 图片后上传",
                    "image_smuggled_content")
    if kind is PNG:
        end = content.rfind(b"IEND")
        if end < 0 or len(content) > end + 8:  # "IEND" and its 4-byte checksum end the file
            _refuse("PNG 图片末尾附带了其他数据，存在安全风险，已拒绝；请另存为普通 PNG 图片后上传", "image_trailing_data")


def _pdf_refusal(label: str, name: str) -> None:
    _refuse(f"PDF 文件包含{label}（/{name}），存在安全风险，已拒绝。请打印后重新扫描，或用“打印为 PDF”另存为普通 PDF 后重新上传",
            "pdf_active_content")


def _check_pdf(content: bytes, limits: Limits) -> None:
    """Refuse JavaScript, launch actions, embedded files, rich media, XFA and automatic actions
    wherever they hide (see :mod:`.pdfscan`): raw text, every object header, pypdf's view."""
    from . import pdfscan

    found = pdfscan.first_active_text(content)  # cheap and enough for most hostile files
    if found:
        _pdf_refusal(found.label, found.name)
    try:
        reader = pdfscan.open_reader(content)
        if len(reader.pages) < 1:
            _refuse("PDF 文件没有任何页面", "pdf_empty")
        found = pdfscan.scan_pdf(content, max_objects=limits.max_pdf_objects, reader=reader)
    except UploadRefused:
        raise
    except pdfscan.PdfEncrypted:
        _refuse("PDF 文件已加密，无法检查内容，请上传未加密的文件", "pdf_encrypted")
    except pdfscan.PdfTooComplex:
        _refuse("PDF 文件结构过于复杂，无法检查，请另存为普通 PDF 后重新上传", "pdf_too_complex")
    except Exception:
        _refuse("PDF 文件已损坏或无法解析，请重新导出后上传", "pdf_unreadable")
    if found:
        _pdf_refusal(found.label, found.name)


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


def _family(kind: FileType) -> str:
    return "pdf" if kind is PDF else "image"


def check_declared(kind: FileType, filename: str | None, declared_type: str | None = None) -> None:
    """The file's name and the type the browser sent must agree with its content: a PDF is not
    accepted as "证书.png", nor a picture as "扫描件.pdf" or "说明.html". JPEG and PNG may be mixed
    up (the file is stored under its real type)."""
    name = (filename or "").strip()
    extension = name.rsplit(".", 1)[1].lower() if "." in name.strip(".") else ""
    if extension:
        family = DECLARED_EXTENSIONS.get(extension)
        if family is None:
            _refuse(f"文件扩展名“.{extension[:10]}”不是 PDF、JPEG 或 PNG；请上传 .pdf、.jpg 或 .png 文件", "declared_type")
        if family != _family(kind):
            _refuse(f"文件扩展名“.{extension}”与文件内容（{kind.label}）不符，请确认文件后重新上传", "declared_type")
    declared = (declared_type or "").split(";", 1)[0].strip().lower()
    if declared not in UNDECLARED_TYPES:
        family = DECLARED_TYPES.get(declared)
        if family != _family(kind):
            _refuse(f"上传时声明的文件类型（{declared[:40]}）与文件内容（{kind.label}）不符，请确认文件后重新上传",
                    "declared_type")


# ------------------------------------------------------------------ service

def _read(content: bytes | BinaryIO, limit: int) -> bytes:
    if isinstance(content, (bytes, bytearray)):
        return bytes(content)
    return content.read(limit + 1)  # one byte more than allowed is enough to refuse


def _mb(n: int) -> str:
    return f"{n / MB:.1f}".rstrip("0").rstrip(".")


@dataclass(frozen=True)
class CheckedFile:
    """An upload whose content passed every check, not yet stored."""

    category: str
    display: str
    data: bytes
    kind: FileType


def check_upload(*, filename: str | None, content: bytes | BinaryIO, category: str,
                 declared_type: str | None = None, limits: Limits = DEFAULT_LIMITS) -> CheckedFile:
    """Every check of one file that needs no database (name, size, content, declared type). Runs
    before the write transaction: parsing a large PDF must not hold other users up."""
    if category not in CATEGORIES:
        _refuse("请选择附件类别（学历学位证书、职称证书、获奖证书、科研成果证明或其他证明材料）", "category")
    display = sanitize_filename(filename)
    data = _read(content, limits.max_file_bytes)
    if len(data) > limits.max_file_bytes:
        _refuse(f"文件过大：单个文件不能超过 {_mb(limits.max_file_bytes)} MB", "file_too_large")
    kind = detect(data, limits)
    check_declared(kind, filename, declared_type)
    return CheckedFile(category, display, data, kind)


def write_checked(data_dir: Path, nomination_id: int, checked: CheckedFile) -> Path:
    """Write the file under a random name (before the transaction that records it); the path
    relative to ``data_dir``."""
    relative = Path("uploads") / str(int(nomination_id)) / f"{uuid.uuid4().hex}.{checked.kind.extension}"
    write_atomically(Path(data_dir) / relative, checked.data)
    return relative


def record_upload(session: Session, data_dir: Path, *, nomination_id: int, checked: CheckedFile, relative: Path,
                  uploaded_by: str, now: datetime, limits: Limits = DEFAULT_LIMITS) -> Upload:
    """In the caller's (short) transaction: the nomination's quota, then the row. On a refusal or
    an error the written file is removed."""
    try:
        count, total = session.execute(select(func.count(Upload.id), func.coalesce(func.sum(Upload.size), 0))
                                       .where(Upload.nomination_id == nomination_id)).one()
        if count >= limits.max_files:
            _refuse(f"每份推荐材料最多上传 {limits.max_files} 个附件", "too_many_files")
        if total + len(checked.data) > limits.max_nomination_bytes:
            _refuse(f"附件总大小超出限制：每份推荐材料的附件合计不能超过 {_mb(limits.max_nomination_bytes)} MB"
                    f"（已上传 {_mb(total)} MB）", "nomination_too_large")
        row = Upload(nomination_id=nomination_id, category=checked.category,
                     original_name=f"{checked.display}.{checked.kind.extension}", content_type=checked.kind.content_type,
                     size=len(checked.data), checksum=sha256(checked.data), path=relative.as_posix(),
                     uploaded_by=uploaded_by, uploaded_at=now)
        session.add(row)
        session.flush()
    except BaseException:
        (Path(data_dir) / relative).unlink(missing_ok=True)
        raise
    return row


def save_upload(session: Session, data_dir: Path, *, nomination_id: int, filename: str | None,
                content: bytes | BinaryIO, category: str, uploaded_by: str, now: datetime,
                declared_type: str | None = None, limits: Limits = DEFAULT_LIMITS) -> Upload:
    """Check and store one file in the caller's transaction; raises :class:`UploadRefused`
    (nothing stored) when it is not acceptable. The web view checks first, outside its transaction
    (:func:`check_upload`, :func:`write_checked`, :func:`record_upload`)."""
    checked = check_upload(filename=filename, content=content, category=category, declared_type=declared_type,
                           limits=limits)
    relative = write_checked(data_dir, nomination_id, checked)
    return record_upload(session, data_dir, nomination_id=nomination_id, checked=checked, relative=relative,
                         uploaded_by=uploaded_by, now=now, limits=limits)


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
