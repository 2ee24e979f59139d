"""Photos and documents attached to a result: what a file is (by its content, never by its name),
whether it may be kept, and when a photo was taken.

Pure functions: the results app reads the bytes, computes the digest and makes the thumbnail;
this module decides. Errors are Chinese and name the file and the rule broken.
"""

from __future__ import annotations

import enum
import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone, tzinfo


class FileKind(enum.Enum):
    JPEG = "jpeg"
    PNG = "png"
    WEBP = "webp"
    PDF = "pdf"

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES[self]

    @property
    def extension(self) -> str:
        return "jpg" if self is FileKind.JPEG else self.value

    @property
    def is_image(self) -> bool:
        return self is not FileKind.PDF

    @property
    def label(self) -> str:
        return LABELS[self]


CONTENT_TYPES = {
    FileKind.JPEG: "image/jpeg",
    FileKind.PNG: "image/png",
    FileKind.WEBP: "image/webp",
    FileKind.PDF: "application/pdf",
}

LABELS = {
    FileKind.JPEG: "JPEG 照片",
    FileKind.PNG: "PNG 图片",
    FileKind.WEBP: "WebP 图片",
    FileKind.PDF: "PDF 文件",
}

HEAD_BYTES = 32
"""How many leading bytes `sniff` needs."""

# Recognised, but not accepted: a clear message instead of "unknown type".
_REFUSED = {
    b"GIF87a": "GIF 动图",
    b"GIF89a": "GIF 动图",
    b"PK\x03\x04": "压缩包或 Office 文档",
    b"\xd0\xcf\x11\xe0": "旧版 Office 文档",
    b"MZ": "可执行程序",
    b"\x7fELF": "可执行程序",
}
_HEIF_BRANDS = (b"heic", b"heix", b"hevc", b"heim", b"heis", b"mif1", b"msf1", b"avif")


class AttachmentError(ValueError):
    """A file that may not be attached; the message names the file and the rule."""


def sniff(head: bytes) -> FileKind | None:
    """The kind of file whose first bytes are `head` (at least HEAD_BYTES when the file is that
    long); None when it is none of the accepted kinds."""
    if head.startswith(b"\xff\xd8\xff"):
        return FileKind.JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return FileKind.PNG
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return FileKind.WEBP
    # A PDF's header may follow a little junk (the format allows it within the first 1 KB;
    # we look at the first HEAD_BYTES only, as readers commonly do for "%PDF-" at offset 0).
    if head.startswith(b"%PDF-"):
        return FileKind.PDF
    return None


def describe_refused(head: bytes) -> str:
    """A short Chinese description of a refused file's kind, or "未知类型"."""
    for magic, label in _REFUSED.items():
        if head.startswith(magic):
            return label
    if head[4:8] == b"ftyp" and head[8:12] in _HEIF_BRANDS:
        return "HEIC/HEIF 照片（请在手机相机设置中选择“兼容性最佳”/JPEG）"
    return "未知类型"


@dataclass(frozen=True)
class Limits:
    max_bytes: int
    """Largest file accepted."""
    max_pixels: int
    """Largest image (width × height) accepted: a small file may decode to a huge picture."""


def check_file(name: str, size: int, head: bytes, tail: bytes, *, limits: Limits) -> FileKind:
    """The file's kind if it may be attached, else AttachmentError naming the file and the rule.
    `tail` is the file's last bytes (up to 1 KB): a PDF must end with its %%EOF marker, so a
    truncated upload is refused rather than kept."""
    label = f"文件“{name or '未命名'}”"
    if size <= 0:
        raise AttachmentError(f"{label}是空文件")
    if size > limits.max_bytes:
        raise AttachmentError(
            f"{label}大小 {format_size(size)}，超过上限 {format_size(limits.max_bytes)}"
        )
    kind = sniff(head)
    if kind is None:
        raise AttachmentError(
            f"{label}的内容是{describe_refused(head)}；只能上传照片（JPEG、PNG、WebP）或 PDF 文件"
            "（按文件内容判断，与文件名无关）"
        )
    if kind is FileKind.PDF and b"%%EOF" not in tail:
        raise AttachmentError(f"{label}不是完整的 PDF 文件（缺少结束标记，可能上传不完整）")
    return kind


def check_pixels(name: str, width: int, height: int, *, limits: Limits) -> None:
    if width <= 0 or height <= 0:
        raise AttachmentError(f"文件“{name}”的图片尺寸无效（{width}×{height}）")
    if width * height > limits.max_pixels:
        raise AttachmentError(
            f"文件“{name}”的图片尺寸 {width}×{height} 超过上限 "
            f"{limits.max_pixels // 1_000_000} 百万像素"
        )


def format_size(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB"
    if size >= 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size} 字节"


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def storage_name(digest: str, kind: FileKind, *, thumbnail: bool = False) -> str:
    """Where a file lives under the media root, by content: the same file attached twice is
    stored once. Never derived from the uploaded name."""
    if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
        raise ValueError(f"not a SHA-256 hex digest: {digest!r}")
    suffix = "thumb.jpg" if thumbnail else kind.extension
    return f"attachments/{digest[:2]}/{digest}.{suffix}"


# --- capture time ------------------------------------------------------------------------------

EXIF_EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)


def parse_exif_datetime(
    text: str | bytes | None, offset: str | bytes | None, *, local: tzinfo
) -> datetime | None:
    """An EXIF DateTimeOriginal ("YYYY:MM:DD HH:MM:SS") as an aware datetime: with its
    OffsetTimeOriginal ("+08:00") when present, else in `local` (the camera's clock is local
    time). None for a blank, malformed or zeroed value ("0000:00:00 00:00:00")."""
    if isinstance(text, bytes):
        text = text.decode("ascii", "replace")
    if isinstance(offset, bytes):
        offset = offset.decode("ascii", "replace")
    if not text:
        return None
    text = text.strip().rstrip("\x00").strip()
    try:
        naive = datetime.strptime(text[:19], "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None
    zone: tzinfo = local
    if offset:
        parsed = _parse_offset(offset.strip().rstrip("\x00"))
        if parsed is not None:
            zone = parsed
    return naive.replace(tzinfo=zone)


def _parse_offset(text: str) -> tzinfo | None:
    if len(text) != 6 or text[0] not in "+-" or text[3] != ":":
        return None
    try:
        hours, minutes = int(text[1:3]), int(text[4:6])
    except ValueError:
        return None
    if hours > 14 or minutes > 59:
        return None
    delta = timedelta(hours=hours, minutes=minutes)
    return timezone(-delta if text[0] == "-" else delta)


def capture_time(exif_time: datetime | None, uploaded_at: datetime) -> tuple[datetime, bool]:
    """When the photo was taken: the EXIF time when plausible (after 2000 and not later than
    the upload, allowing a day of clock drift), else the upload time. The flag says whether the
    EXIF time was used."""
    if exif_time is not None and EXIF_EARLIEST <= exif_time <= uploaded_at + timedelta(days=1):
        return exif_time, True
    return uploaded_at, False
