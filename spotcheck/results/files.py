"""Attachment files on disk: checked (spotcheck.lib.attachments decides, Pillow decodes the
image, PDFium opens the PDF), stored under settings.MEDIA_ROOT by SHA-256 with a JPEG thumbnail
(a PDF's first page), and opened again for the scoped attachment view. Nothing here touches the
database."""

from __future__ import annotations

import io
import os
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pypdfium2 as pdfium
from django.conf import settings
from django.utils import timezone
from PIL import Image, ImageOps, UnidentifiedImageError

from spotcheck.lib import attachments as rules
from spotcheck.lib.attachments import AttachmentError, FileKind

THUMBNAIL_BOX = (480, 480)
_PIL_FORMATS = {FileKind.JPEG: "JPEG", FileKind.PNG: "PNG", FileKind.WEBP: "WEBP"}
_EXIF_IFD = 0x8769
_DATETIME_ORIGINAL = 36867
_OFFSET_TIME_ORIGINAL = 36881
_DATETIME = 306


def limits() -> rules.Limits:
    return rules.Limits(
        max_bytes=settings.SPOTCHECK_ATTACHMENT_MAX_BYTES,
        max_pixels=settings.SPOTCHECK_ATTACHMENT_MAX_PIXELS,
    )


def media_root() -> Path:
    return Path(settings.MEDIA_ROOT)


@dataclass(frozen=True)
class Checked:
    """A file that may be attached, with what was learnt from it."""

    name: str
    data: bytes
    kind: FileKind
    digest: str
    width: int | None
    height: int | None
    captured_at: datetime
    captured_from_exif: bool
    thumbnail: bytes | None


def check(name: str, size: int, data: bytes, *, now: datetime | None = None) -> Checked:
    """Check a file by its content (AttachmentError names the file and the rule)."""
    now = now or timezone.now()
    kind = rules.check_file(name, size, data[: rules.HEAD_BYTES], data[-1024:], limits=limits())
    if len(data) != size:
        raise AttachmentError(f"文件“{name}”上传不完整（收到 {len(data)} 字节，应为 {size}）")
    width = height = None
    exif_time = None
    thumbnail = None
    if kind.is_image:
        width, height, exif_time, thumbnail = _image(name, data, kind)
    else:
        thumbnail = _pdf_first_page(name, data)
    captured_at, from_exif = rules.capture_time(exif_time, now)
    return Checked(
        name=name,
        data=data,
        kind=kind,
        digest=rules.sha256_hex(data),
        width=width,
        height=height,
        captured_at=captured_at,
        captured_from_exif=from_exif,
        thumbnail=thumbnail,
    )


def _image(name: str, data: bytes, kind: FileKind) -> tuple[int, int, datetime | None, bytes]:
    broken = f"文件“{name}”不是完整有效的{kind.label}（无法解码）"
    try:
        image = Image.open(io.BytesIO(data))
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise AttachmentError(broken) from exc
    with image:
        if image.format != _PIL_FORMATS[kind]:
            raise AttachmentError(broken)
        rules.check_pixels(name, image.width, image.height, limits=limits())
        try:
            image.load()
        except (OSError, ValueError, Image.DecompressionBombError) as exc:
            raise AttachmentError(broken) from exc
        exif_time = _exif_time(image)
        upright = ImageOps.exif_transpose(image) or image
        width, height = upright.width, upright.height
        thumb = upright.convert("RGB")
        thumb.thumbnail(THUMBNAIL_BOX)
        out = io.BytesIO()
        thumb.save(out, format="JPEG", quality=80)
    return width, height, exif_time, out.getvalue()


def _pdf_first_page(name: str, data: bytes) -> bytes:
    """The PDF's first page as a JPEG thumbnail; a PDF that PDFium cannot open (damaged,
    encrypted, no pages) is refused, since nobody reviewing the result could read it either."""
    refused = f"文件“{name}”无法打开（PDF 已损坏、加密或没有页面），请上传可以打开的 PDF 文件"
    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        raise AttachmentError(refused) from exc
    try:
        if len(document) == 0:
            raise AttachmentError(refused)
        page = document[0]
        width, height = page.get_size()
        if width <= 0 or height <= 0:
            raise AttachmentError(refused)
        # Scale so the page fits the thumbnail box: the bitmap stays small whatever the page size.
        scale = min(THUMBNAIL_BOX[0] / width, THUMBNAIL_BOX[1] / height)
        image = page.render(scale=scale, fill_color=(255, 255, 255, 255)).to_pil()
        out = io.BytesIO()
        image.convert("RGB").save(out, format="JPEG", quality=80)
        return out.getvalue()
    except pdfium.PdfiumError as exc:
        raise AttachmentError(refused) from exc
    finally:
        document.close()


def _exif_time(image: Image.Image) -> datetime | None:
    try:
        exif = image.getexif()
        sub = exif.get_ifd(_EXIF_IFD)
    except (OSError, ValueError, SyntaxError):
        return None
    text = sub.get(_DATETIME_ORIGINAL) or exif.get(_DATETIME)
    offset = sub.get(_OFFSET_TIME_ORIGINAL)
    if not isinstance(text, str | bytes):
        return None
    return rules.parse_exif_datetime(
        text,
        offset if isinstance(offset, str | bytes) else None,
        local=timezone.get_current_timezone(),
    )


def store(checked: Checked) -> tuple[str, str]:
    """Write the file and its thumbnail (once per content); their names under the media root."""
    path = rules.storage_name(checked.digest, checked.kind)
    _write(path, checked.data)
    thumb = ""
    if checked.thumbnail is not None:
        thumb = rules.storage_name(checked.digest, checked.kind, thumbnail=True)
        _write(thumb, checked.thumbnail)
    return path, thumb


def _write(name: str, data: bytes) -> None:
    target = media_root() / name
    if target.exists() and target.stat().st_size == len(data):
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.chmod(tmp, 0o640)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def open_stored(name: str) -> io.BufferedReader:
    """A stored file for reading; FileNotFoundError when it is missing or the name leaves the
    media root."""
    root = media_root().resolve()
    target = (root / name).resolve()
    if not name or root not in target.parents:
        raise FileNotFoundError(name)
    return open(target, "rb")  # noqa: SIM115 (closed by FileResponse)
