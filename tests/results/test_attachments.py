"""Photos and PDFs attached to a result: checked by content, stored by SHA-256 under the
(temporary) media root with a thumbnail and a capture time, served only to staff who may see
the result, withdrawn (never deleted) with a reason, locked after approval."""

import hashlib
import io
from datetime import datetime, timedelta, timezone

import pytest
from django.test import Client
from django.urls import reverse
from PIL import Image

from spotcheck.audit.models import AuditEntry
from spotcheck.results import actions
from spotcheck.results.actions import AttachmentInput, ResultInputError, ResultPermissionError
from spotcheck.results.models import Attachment, Result, ResultLockedError
from tests.results.conftest import complete_content

SHANGHAI = timezone(timedelta(hours=8))


def pdf(size=(595, 842), color="white") -> bytes:
    """A real one-page PDF (A4 portrait in points), as a scanner or phone would send."""
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "PDF", resolution=72)
    return out.getvalue()


PDF = pdf()


def jpeg(*, taken: str | None = None, size=(640, 480), color="red", rotate=False) -> bytes:
    image = Image.new("RGB", size, color)
    exif = Image.Exif()
    if taken:
        exif[0x8769] = {36867: taken, 36881: "+08:00"}
    if rotate:
        exif[0x0112] = 6  # the camera was held upright: turn 90°
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 32), "blue").save(out, "PNG")
    return out.getvalue()


def upload(name: str, data: bytes) -> AttachmentInput:
    return AttachmentInput(name=name, size=len(data), data=data)


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_member_attaches_a_photo_and_a_pdf(scene, media_root):
    photo = jpeg(taken="2022:09:30 10:15:00", rotate=True)
    added = actions.attach_files(
        visit=scene.visit,
        files=[upload("IMG_0001.JPG", photo), upload("营业执照.pdf", PDF)],
        visit_item_id=scene.items[11].pk,
        actor=scene.member_a,
    )
    first, second = added
    assert first.kind == "jpeg" and first.sha256 == hashlib.sha256(photo).hexdigest()
    assert first.size == len(photo) and first.item_result.visit_item == scene.items[11]
    assert (media_root / first.path).read_bytes() == photo
    assert first.path == f"attachments/{first.sha256[:2]}/{first.sha256}.jpg"
    assert first.captured_from_exif
    assert first.captured_at == datetime(2022, 9, 30, 10, 15, tzinfo=SHANGHAI)
    assert (first.width, first.height) == (480, 640)  # upright, as the EXIF orientation says
    thumb = Image.open(media_root / first.thumbnail)
    assert thumb.format == "JPEG" and max(thumb.size) <= 480 and thumb.size[0] < thumb.size[1]
    assert second.kind == "pdf" and not second.captured_from_exif
    page = Image.open(media_root / second.thumbnail)  # the first page, fitted into 480 × 480
    assert page.format == "JPEG" and page.size[1] == 480 and page.size[0] < page.size[1]
    assert second.captured_at == second.uploaded_at
    entry = AuditEntry.objects.filter(action="result.attach").get()
    assert [f["name"] for f in entry.details["files"]] == ["IMG_0001.JPG", "营业执照.pdf"]
    assert entry.details["files"][0]["sha256"] == first.sha256


def test_without_exif_the_capture_time_is_the_upload_time(scene):
    (added,) = actions.attach_files(
        visit=scene.visit, files=[upload("a.png", png())], actor=scene.member_b
    )
    assert added.kind == "png" and not added.captured_from_exif
    assert added.captured_at == added.uploaded_at and added.item_result is None


def test_type_is_judged_by_content_and_a_bad_file_stops_the_whole_upload(scene, media_root):
    with pytest.raises(ResultInputError) as caught:
        actions.attach_files(
            visit=scene.visit,
            files=[
                upload("good.jpg", jpeg()),
                upload("notes.jpg", b"just some text, not a photo"),
                upload("fake.png", b"\xff\xd8\xff\xe0 truncated jpeg"),
            ],
            actor=scene.member_a,
        )
    errors = caught.value.errors
    assert len(errors) == 2
    assert "“notes.jpg”的内容是未知类型" in errors[0]
    assert "“fake.png”不是完整有效的JPEG 照片" in errors[1]
    assert not Attachment.objects.exists()
    assert not AuditEntry.objects.filter(action="result.attach").exists()


def test_a_pdf_that_cannot_be_opened_is_refused(scene, media_root):
    damaged = PDF[: len(PDF) // 2] + b"\n%%EOF\n"  # cut in the middle, yet with its end marker
    with pytest.raises(ResultInputError) as caught:
        actions.attach_files(
            visit=scene.visit, files=[upload("检查记录.pdf", damaged)], actor=scene.member_a
        )
    assert "“检查记录.pdf”无法打开" in caught.value.errors[0]
    assert not Attachment.objects.exists()


def test_size_and_pixel_limits_come_from_settings(scene, settings):
    settings.SPOTCHECK_ATTACHMENT_MAX_BYTES = 1000
    with pytest.raises(ResultInputError, match="超过上限"):
        actions.attach_files(
            visit=scene.visit, files=[upload("big.jpg", jpeg())], actor=scene.member_a
        )
    settings.SPOTCHECK_ATTACHMENT_MAX_BYTES = 10_000_000
    settings.SPOTCHECK_ATTACHMENT_MAX_PIXELS = 100 * 100
    with pytest.raises(ResultInputError, match="640×480 超过上限"):
        actions.attach_files(
            visit=scene.visit, files=[upload("wide.jpg", jpeg())], actor=scene.member_a
        )


def test_only_the_team_and_its_unit_leader_attach(scene, unit_leader, supervisor):
    for stranger in (scene.other_member, scene.other_leader, supervisor):
        with pytest.raises(ResultPermissionError):
            actions.attach_files(visit=scene.visit, files=[upload("a.png", png())], actor=stranger)
    (added,) = actions.attach_files(
        visit=scene.visit, files=[upload("a.png", png())], actor=unit_leader
    )
    entry = AuditEntry.objects.filter(action="result.attach").get()
    assert entry.details["on_behalf"] is True and added.uploaded_by == unit_leader


def test_withdrawn_not_deleted_with_a_reason_and_audited(scene, media_root):
    (added,) = actions.attach_files(
        visit=scene.visit, files=[upload("a.png", png())], actor=scene.member_a
    )
    with pytest.raises(ResultInputError, match="须说明理由"):
        actions.withdraw_attachment(attachment=added, reason="  ", actor=scene.member_b)
    with pytest.raises(ResultLockedError, match="只能撤回"):
        added.delete()
    with pytest.raises(ResultLockedError):
        Attachment.objects.all().delete()
    done = actions.withdraw_attachment(attachment=added, reason="拍错了对象", actor=scene.member_b)
    assert done.withdrawn_at is not None and done.withdrawn_by == scene.member_b
    assert done.withdraw_reason == "拍错了对象" and (media_root / done.path).exists()
    entry = AuditEntry.objects.filter(action="result.withdraw_attachment").get()
    assert entry.details["reason"] == "拍错了对象" and entry.details["sha256"] == added.sha256
    with pytest.raises(ValueError, match="已于"):
        actions.withdraw_attachment(attachment=added, reason="again", actor=scene.member_b)


def test_locked_after_submission_and_approval(scene, unit_leader):
    (added,) = actions.attach_files(
        visit=scene.visit, files=[upload("a.png", png())], actor=scene.member_a
    )
    result = actions.save_draft(
        visit=scene.visit, content=complete_content(scene), revision=0, actor=scene.member_a
    )
    result = actions.submit_result(result=result, actor=scene.member_a)
    with pytest.raises(ValueError, match="不能修改"):
        actions.attach_files(
            visit=scene.visit, files=[upload("b.png", png())], actor=scene.member_a
        )
    actions.approve_result(result=result, actor=unit_leader)
    with pytest.raises(ValueError, match="已锁定"):
        actions.attach_files(
            visit=scene.visit, files=[upload("b.png", png())], actor=scene.member_a
        )
    with pytest.raises(ValueError, match="已锁定"):
        actions.withdraw_attachment(attachment=added, reason="late", actor=scene.member_a)
    added.refresh_from_db()
    added.name = "renamed.png"
    with pytest.raises(ResultLockedError):
        added.save()
    with pytest.raises(ResultLockedError):
        Attachment.objects.filter(pk=added.pk).update(name="x")


def test_served_only_to_staff_who_see_the_result(
    scene, unit_leader, supervisor, other_users_by_role
):
    photo = jpeg()
    (added,) = actions.attach_files(
        visit=scene.visit, files=[upload("现场.jpg", photo)], actor=scene.member_a
    )
    url = reverse("results:attachment", args=[added.pk])
    thumb_url = reverse("results:attachment_thumbnail", args=[added.pk])
    for user in (scene.member_b, unit_leader, supervisor):
        response = _client(user).get(url)
        assert response.status_code == 200, user
        assert b"".join(response.streaming_content) == photo
        assert response["Content-Type"] == "image/jpeg"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert "private" in response["Cache-Control"]
        thumb = _client(user).get(thumb_url)
        assert thumb.status_code == 200 and thumb["Content-Type"] == "image/jpeg"
    download = _client(scene.member_b).get(url + "?download=1")
    assert download["Content-Disposition"].startswith("attachment;")
    # another unit's leader, another agency: as if it did not exist
    for user in (scene.other_leader, *other_users_by_role.values()):
        assert _client(user).get(url).status_code == 404, user
        assert _client(user).get(thumb_url).status_code == 404, user
    anonymous = Client().get(url)
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    # nothing under a public URL: the media root is not served
    assert Client().get("/media/" + added.path).status_code == 404


def test_the_page_uploads_lists_and_withdraws(scene):
    member = _client(scene.member_a)
    page_url = reverse("results:visit", args=[scene.visit.pk])
    page = member.get(page_url).content.decode()
    assert 'accept="image/*,application/pdf" capture="environment"' in page
    photo = io.BytesIO(jpeg(taken="2022:09:30 10:15:00"))
    photo.name = "IMG_0002.JPG"
    response = member.post(
        reverse("results:attach", args=[scene.visit.pk]),
        {"file": [photo], "item": str(scene.items[12].pk)},
    )
    assert response.status_code == 302 and response["Location"].endswith("#attachments")
    added = Attachment.objects.get()
    assert added.item_result.visit_item == scene.items[12]
    page = member.get(page_url).content.decode()
    assert "IMG_0002.JPG" in page and "拍摄于 2022-09-30 10:15" in page
    assert added.get_kind_display() == "JPEG 照片" and "JPEG 照片 · " in page
    assert reverse("results:attachment_thumbnail", args=[added.pk]) in page
    bad = io.BytesIO(b"text")
    bad.name = "x.jpg"
    response = member.post(reverse("results:attach", args=[scene.visit.pk]), {"file": [bad]})
    page = member.get(page_url).content.decode()
    assert "“x.jpg”的内容是未知类型" in page
    member.post(reverse("results:attachment_withdraw", args=[added.pk]), {"reason": "重复"})
    page = member.get(page_url).content.decode()
    assert "已撤回" in page and "重复" in page
    assert Result.objects.get().attachments.count() == 1
