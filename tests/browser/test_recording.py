"""Recording a result on a phone with the connection cut and restored (issue 9/10): at 390 px
an inspector records, the connection drops (`context.set_offline`), they keep typing and the
page says the draft is kept in the browser; the connection returns and the draft reaches the
server by itself; they attach a photo; they submit; the unit leader approves and publishes on a
desktop, and a visitor finds the result on the entity's public page. A second member's stale
autosave shows the conflict instead of overwriting."""

from __future__ import annotations

import json

import pytest

from spotcheck.results.models import Result
from tests.browser.conftest import DESKTOP, PHONE
from tests.browser.test_pages import console_errors, open_context, shoot
from tests.results.conftest import scene  # noqa: F401
from tests.results.test_attachments import jpeg

pytestmark = pytest.mark.django_db(transaction=True)

STATE = ".draft-state"


def _fill_checkpoints(page) -> int:
    selects = page.locator("select[name^='f-']")
    for i in range(selects.count()):
        selects.nth(i).select_option("checked")
    return selects.count()


def _wait_state(page, state: str, timeout: int = 10_000) -> str:
    page.wait_for_selector(f"{STATE}[data-state='{state}']", timeout=timeout)
    return page.locator(STATE).inner_text()


def test_recording_offline_on_a_phone_then_submit_approve_and_publish(
    browser,
    live_server,
    scene,  # noqa: F811
    unit_leader,
):
    url = f"{live_server.url}/results/visits/{scene.visit.pk}/"
    context = open_context(browser, live_server, PHONE, scene.member_a)
    page = context.new_page()
    errors = console_errors(page)
    page.goto(url)
    assert page.locator(STATE).inner_text() == "尚未保存"
    page.fill("input[name=inspected_on]", "2022-09-30")
    page.select_option("select[name=way]", "on_site")
    for box in page.locator("input[name=present]").all():
        box.check()
    assert _fill_checkpoints(page) == 13 + 5
    page.fill("input[name=representative]", "张")
    assert _wait_state(page, "saved").startswith("已保存")
    assert Result.objects.get(visit=scene.visit).representative == "张"

    # the connection drops: typing goes on, the draft stays in the browser
    context.set_offline(True)
    page.fill("input[name=representative]", "张经理")
    page.locator("input[name^='n-']").first.fill("前台登记簿已查看")
    text = _wait_state(page, "offline")
    assert "未联网，已存本机" in text
    stored = json.loads(
        page.evaluate(
            f"localStorage.getItem('spotcheck-draft:{scene.visit.pk}:{scene.member_a.pk}')"
        )
    )
    assert ["representative", "张经理"] in stored["fields"]
    assert Result.objects.get(visit=scene.visit).representative == "张"
    shoot(page, "recording-offline-390")
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")

    # it comes back: the draft is sent by itself
    context.set_offline(False)
    assert _wait_state(page, "saved").startswith("已保存")
    result = Result.objects.get(visit=scene.visit)
    assert result.representative == "张经理"
    assert result.items.get(visit_item=scene.items[11]).findings.get(number=1).note == (
        "前台登记簿已查看"
    )
    assert page.evaluate("localStorage.length") == 0
    shoot(page, "recording-saved-390")

    # a photo from the phone's files (the camera input takes the same path), shown as a thumbnail
    page.set_input_files(
        "input[name=file][multiple]",
        files=[{"name": "IMG_0001.JPG", "mimeType": "image/jpeg", "buffer": jpeg()}],
    )
    page.click(".attach-form button")
    page.wait_for_selector("text=已上传1个附件")
    thumb = page.locator(".attachment-thumb img").first
    thumb.wait_for()
    assert page.evaluate("(img) => img.complete && img.naturalWidth > 0", thumb.element_handle())
    assert page.locator(STATE).inner_text().startswith("已保存")  # nothing left unsent
    shoot(page, "attachment-390")
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")

    page.click("button[name=submit]")
    page.wait_for_selector("text=已提交审核")
    assert Result.objects.get(visit=scene.visit).state == "pending"
    assert errors == []
    context.close()

    context = open_context(browser, live_server, DESKTOP, unit_leader)
    page = context.new_page()
    errors = console_errors(page)
    page.goto(url)
    shoot(page, "review-1280")
    page.click("button[value=approve]")
    page.wait_for_selector("text=已审核通过")
    assert Result.objects.get(visit=scene.visit).state == "approved"
    shoot(page, "approved-1280")

    # the leader publishes it; a visitor without an account then finds it on the portal
    page.goto(f"{live_server.url}/publication/")
    page.get_by_role("button", name="公示所选结果").click()
    page.wait_for_load_state()
    assert Result.objects.get(visit=scene.visit).state == "published"
    assert errors == []
    context.close()

    context = browser.new_context(viewport=PHONE, locale="zh-CN")
    page = context.new_page()
    errors = console_errors(page)
    page.goto(f"{live_server.url}/public/entities/{scene.visit.entity_key}/")
    assert page.get_by_role("heading", level=1).inner_text() == scene.visit.entity_name
    assert page.get_by_text("2022-09-30").first.is_visible()
    shoot(page, "published-390")
    assert errors == []
    context.close()


def test_a_stale_autosave_shows_the_conflict(browser, live_server, scene):  # noqa: F811
    from spotcheck.results import actions
    from tests.results.conftest import complete_content

    url = f"{live_server.url}/results/visits/{scene.visit.pk}/"
    context = open_context(browser, live_server, PHONE, scene.member_b)
    page = context.new_page()
    page.goto(url)
    # meanwhile the other member saves
    actions.save_draft(
        visit=scene.visit,
        content=complete_content(scene, representative="甲"),
        revision=0,
        actor=scene.member_a,
    )
    page.fill("input[name=representative]", "乙")
    text = _wait_state(page, "conflict")
    assert "冲突" in text and "王一（member0）于" in text
    assert Result.objects.get(visit=scene.visit).representative == "甲"
    shoot(page, "conflict-390")
    # reopened, the page offers the draft kept in this browser instead of sending it
    page.reload()
    text = _wait_state(page, "conflict")
    assert "本机有未发送的草稿" in text
    page.click("text=放弃本机草稿")
    assert page.evaluate("localStorage.length") == 0
    context.close()
