"""Every public announcement and the feed publish the audit chain head (sequence and hash)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from django.urls import reverse

from spotcheck.audit.models import current_head
from spotcheck.draws import actions
from spotcheck.public.feeds import AUDIT_NAMESPACE

from .conftest import DRAW_DAY

pytestmark = pytest.mark.django_db


@pytest.fixture
def draw(coordinator, hotel_item, hotels):
    return actions.prepare_draw(
        item=hotel_item, actor=coordinator, on=DRAW_DAY, exclude_recently_inspected=False
    )


def test_public_pages_show_the_current_head(client, draw):
    head = current_head()
    assert head.seq > 0
    pages = [
        reverse("home"),
        reverse("public:bulletins"),
        draw.get_public_url(),
        reverse("public:matchings"),
    ]
    for url in pages:
        page = client.get(url).content.decode()
        assert f"verify --head {head.seq}:{head.hash}" in page, url


def test_the_head_moves_with_the_chain(client, coordinator, draw):
    before = current_head()
    actions.cancel_draw(draw=draw, reason="测试作废", actor=coordinator)
    after = current_head()
    assert after.seq == before.seq + 1
    page = client.get(draw.get_public_url()).content.decode()
    assert f"{after.seq}:{after.hash}" in page and before.hash not in page


def test_the_feed_lists_bulletins_and_carries_the_head(client, draw):
    response = client.get(reverse("public:feed"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(response.content)
    atom = "{http://www.w3.org/2005/Atom}"
    head = current_head()
    element = root.find(f"{{{AUDIT_NAMESPACE}}}auditHead")
    assert element is not None
    assert element.get("seq") == str(head.seq) and element.get("hash") == head.hash
    assert element.text == f"{head.seq}:{head.hash}"
    links = [e.find(f"{atom}link").get("href") for e in root.findall(f"{atom}entry")]
    assert any(link.endswith(draw.get_public_url()) for link in links)
