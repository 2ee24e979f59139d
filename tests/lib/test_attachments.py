from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from spotcheck.lib.attachments import (
    AttachmentError,
    FileKind,
    Limits,
    capture_time,
    check_file,
    check_pixels,
    parse_exif_datetime,
    sniff,
    storage_name,
)

LIMITS = Limits(max_bytes=1000, max_pixels=1_000_000)
SHANGHAI = timezone(timedelta(hours=8))
HEADS = {
    FileKind.JPEG: b"\xff\xd8\xff\xe0\x00\x10JFIF",
    FileKind.PNG: b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
    FileKind.WEBP: b"RIFF\x24\x00\x00\x00WEBPVP8 ",
    FileKind.PDF: b"%PDF-1.7\n%\xe2\xe3\xcf\xd3",
}
MAGICS = (b"\xff\xd8\xff", b"\x89PNG", b"RIFF", b"%PDF-")


@pytest.mark.parametrize("kind", list(FileKind))
def test_sniff_knows_each_accepted_kind(kind):
    assert sniff(HEADS[kind]) is kind


@given(st.binary(max_size=64))
def test_sniff_accepts_nothing_without_a_known_signature(head):
    if not head.startswith(MAGICS):
        assert sniff(head) is None


def test_the_name_does_not_decide_the_type():
    # a text file named like a photo
    with pytest.raises(AttachmentError, match=r"“photo\.jpg”的内容是未知类型.*与文件名无关"):
        check_file("photo.jpg", 20, b"hello, this is text", b"", limits=LIMITS)
    # a PDF named like a photo is a PDF
    assert check_file("scan.jpg", 200, HEADS[FileKind.PDF], b"...%%EOF\n", limits=LIMITS) is (
        FileKind.PDF
    )


def test_refused_kinds_are_named():
    with pytest.raises(AttachmentError, match="GIF"):
        check_file("a.gif", 10, b"GIF89a....", b"", limits=LIMITS)
    with pytest.raises(AttachmentError, match="HEIC"):
        check_file("IMG_1.HEIC", 10, b"\x00\x00\x00\x18ftypheic", b"", limits=LIMITS)
    with pytest.raises(AttachmentError, match="可执行程序"):
        check_file("x.pdf", 10, b"MZ\x90\x00", b"", limits=LIMITS)


def test_size_limits_and_empty_files():
    with pytest.raises(AttachmentError, match=r"“big\.jpg”大小 1001 字节，超过上限 1000 字节"):
        check_file("big.jpg", 1001, HEADS[FileKind.JPEG], b"", limits=LIMITS)
    with pytest.raises(AttachmentError, match="空文件"):
        check_file("empty.jpg", 0, b"", b"", limits=LIMITS)
    assert check_file("ok.jpg", 1000, HEADS[FileKind.JPEG], b"", limits=LIMITS) is FileKind.JPEG


def test_a_truncated_pdf_is_refused():
    with pytest.raises(AttachmentError, match="不是完整的 PDF"):
        check_file("cut.pdf", 100, HEADS[FileKind.PDF], b"stream data", limits=LIMITS)


def test_pixel_limit():
    check_pixels("a.jpg", 1000, 1000, limits=LIMITS)
    with pytest.raises(AttachmentError, match="1001×1000 超过上限"):
        check_pixels("a.jpg", 1001, 1000, limits=LIMITS)


def test_storage_name_is_by_content_only():
    digest = "ab" + "0" * 62
    assert storage_name(digest, FileKind.JPEG) == f"attachments/ab/{digest}.jpg"
    assert storage_name(digest, FileKind.PNG, thumbnail=True).endswith(".thumb.jpg")
    for bad in ("../../etc/passwd", "AB" + "0" * 62, "0" * 63):
        with pytest.raises(ValueError):
            storage_name(bad, FileKind.PDF)


@given(
    st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2099, 12, 31)).map(
        lambda d: d.replace(microsecond=0)
    ),
    st.one_of(st.none(), st.integers(min_value=-12 * 60, max_value=14 * 60)),
)
def test_exif_datetime_round_trip(moment, offset_minutes):
    text = moment.strftime("%Y:%m:%d %H:%M:%S")
    if offset_minutes is None:
        parsed = parse_exif_datetime(text, None, local=SHANGHAI)
        assert parsed == moment.replace(tzinfo=SHANGHAI)
    else:
        sign = "-" if offset_minutes < 0 else "+"
        hours, minutes = divmod(abs(offset_minutes), 60)
        parsed = parse_exif_datetime(
            text.encode() + b"\x00", f"{sign}{hours:02d}:{minutes:02d}", local=SHANGHAI
        )
        assert parsed is not None
        assert parsed.utcoffset() == timedelta(minutes=offset_minutes)
        assert parsed.replace(tzinfo=None) == moment


@pytest.mark.parametrize(
    "text", ["", "0000:00:00 00:00:00", "2022-09-30", "    ", "2022:13:01 00:00:00"]
)
def test_blank_or_bad_exif_datetimes_are_none(text):
    assert parse_exif_datetime(text, None, local=SHANGHAI) is None


def test_a_bad_offset_falls_back_to_local_time():
    parsed = parse_exif_datetime("2022:09:30 10:00:00", "+99:00", local=SHANGHAI)
    assert parsed == datetime(2022, 9, 30, 10, tzinfo=SHANGHAI)


def test_capture_time_uses_a_plausible_exif_time_else_the_upload_time():
    uploaded = datetime(2022, 9, 30, 12, tzinfo=UTC)
    taken = datetime(2022, 9, 30, 9, tzinfo=UTC)
    assert capture_time(taken, uploaded) == (taken, True)
    assert capture_time(None, uploaded) == (uploaded, False)
    assert capture_time(uploaded + timedelta(days=3), uploaded) == (uploaded, False)
    assert capture_time(datetime(1980, 1, 1, tzinfo=UTC), uploaded) == (uploaded, False)
