"""The page chrome a visitor sees is rendered once per process and kept (`{% same_for_visitors %}`,
spotcheck.public.chrome): the public pages are the bytes the same templates make
without it (the markers taken out), for a visitor and for a signed-in user, and a changed
setting, URLconf or script prefix is honoured."""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.template import Context, RequestContext, Template, TemplateSyntaxError
from django.test import RequestFactory
from django.test.utils import override_script_prefix, override_settings
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from spotcheck.draws.models import Draw
from spotcheck.public.chrome import URL_SAFE, templates_unkept, unkept_templates_setting, url_maker
from spotcheck.public.models import PublishedItem, PublishedResult

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("shared_published")]

# A signed-in user's pages carry a CSRF token, masked anew on every page.
CSRF_TOKEN = re.compile(r'("X-CSRFToken": "|name="csrfmiddlewaretoken" value=")[^"]+"')
STATIC_FILES = ("favicon.svg", "spotcheck.css", "draws.css", "htmx.min.js", "phone.js")


@pytest.fixture
def published(shared_copy, shared_published) -> list[PublishedResult]:
    return shared_copy(shared_published)


@pytest.fixture(autouse=True)
def no_page_cache(settings):
    """Every page rendered by its view (a cached page would be the same bytes whatever made it)."""
    settings.CACHES = {
        **settings.CACHES,
        "public": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"},
    }


def page_urls(published: list[PublishedResult]) -> list[str]:
    """Representative public pages: home, search (with and without a text), a task's results,
    an entity, a result, a publication batch, a bulletin, the lists."""
    record = published[0]
    item = PublishedItem.objects.filter(published=record).first()
    draw = Draw.objects.filter(status=Draw.Status.EXECUTED).order_by("pk").first()
    assert item is not None and draw is not None
    return [
        reverse("home"),
        reverse("public:search") + "?q=" + record.entity_name[-4:],
        reverse("public:search"),
        reverse("public:task_results", args=[item.plan_item_id]),
        reverse("public:entity", args=[record.entity_key]),
        reverse("public:result", args=[record.pk]),
        reverse("public:batch", args=[record.publication_id]),
        reverse("public:bulletin", args=[draw.pk]),
        reverse("public:results"),
        reverse("public:bulletins"),
    ]


def pages(client, urls: list[str]) -> dict[str, str]:
    found = {}
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        found[url] = CSRF_TOKEN.sub(r'\1…"', response.content.decode())
    return found


def test_the_unkept_templates_are_the_templates_without_markers():
    unkept = templates_unkept()
    assert {"base.html", "home.html", "public/search.html", "public/_search_form.html"} <= set(
        unkept
    )
    base = (Path(settings.BASE_DIR) / "spotcheck" / "templates" / "base.html").read_text()
    assert "{% same_for_visitors %}" in base
    markers = ("{% same_for_visitors %}", "{% endsame_for_visitors %}")
    assert unkept["base.html"] == base.replace(markers[0], "").replace(markers[1], "")
    assert all("same_for_visitors" not in text for text in unkept.values())


def test_pages_are_the_bytes_of_the_unkept_templates(client, published, coordinator):
    urls = page_urls(published)
    first = pages(client, urls)  # keeps the fragments (unless an earlier test did)
    kept = pages(client, urls)
    client.force_login(coordinator)
    signed_in = pages(client, urls)
    with override_settings(TEMPLATES=unkept_templates_setting()):
        unkept_signed_in = pages(client, urls)
        client.logout()
        unkept = pages(client, urls)
    for url in urls:
        assert first[url] == unkept[url], url
        assert kept[url] == unkept[url], url
        assert signed_in[url] == unkept_signed_in[url], url
    # each page's own login link, the staff's links for the staff only
    assert f'?next={reverse("public:search")}"' in kept[urls[1]]
    assert f'?next={reverse("home")}"' in kept[urls[0]]
    assert "公示管理" in signed_in[urls[0]] and "公示管理" not in kept[urls[0]]


def test_a_changed_static_url_is_honoured(client, published):
    assert 'href="/static/spotcheck/spotcheck.css"' in pages(client, ["/"])["/"]
    with override_settings(STATIC_URL="/assets/"):
        page = pages(client, ["/"])["/"]
    assert 'href="/assets/spotcheck/spotcheck.css"' in page
    assert 'src="/assets/spotcheck/htmx.min.js"' in page
    assert "/static/" not in page
    assert 'href="/static/spotcheck/spotcheck.css"' in pages(client, ["/"])["/"]


def test_hashed_static_names_are_honoured(client, published, tmp_path):
    """With a manifest (production: collectstatic), the pages link the hashed names."""
    paths = {f"spotcheck/{name}": f"spotcheck/{name}.0123abcd" for name in STATIC_FILES}
    manifest = {"paths": paths, "version": "1.1", "hash": "0123abcd"}
    (tmp_path / "staticfiles.json").write_text(json.dumps(manifest))
    pages(client, ["/"])
    storages = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
    }
    with override_settings(STORAGES=storages, STATIC_ROOT=tmp_path):
        page = pages(client, ["/"])["/"]
    assert 'href="/static/spotcheck/spotcheck.css.0123abcd"' in page
    assert 'src="/static/spotcheck/phone.js.0123abcd"' in page


def test_another_urlconf_is_honoured(client, published):
    search = reverse("public:search") + "?q=" + published[0].entity_name[-4:]
    pages(client, ["/", search])
    with override_settings(ROOT_URLCONF="tests.public.portal_urls"):
        page = pages(client, ["/portal" + search])["/portal" + search]
    assert 'href="/portal/public/results/"' in page  # the navigation and the crumbs
    assert 'action="/portal/public/results/search/"' in page
    assert f'href="/portal/public/results/{published[0].pk}/"' in page  # the result table
    assert 'href="/portal/accounts/login/?next=/portal/public/results/search/"' in page


def test_a_script_prefix_is_honoured(client, published):
    """A site served under a path (SCRIPT_NAME) links under it; the kept chrome of another prefix
    is not reused (no setting changes here: the prefix is part of the key)."""
    search = reverse("public:search") + "?q=" + published[0].entity_name[-4:]
    pages(client, ["/", search])
    with override_script_prefix("/county/"):
        page = pages(client, [search])[search]
    assert 'href="/county/public/results/"' in page
    assert 'action="/county/public/results/search/"' in page
    assert f'href="/county/public/results/{published[0].pk}/"' in page
    assert 'href="/county/accounts/login/?next=' in page
    assert 'href="/public/results/"' in pages(client, [search])[search]


def test_a_fragment_sees_nothing_of_the_request():
    """What it might show of one visitor's request would be kept for every visitor."""
    template = Template(
        "{% load chrome %}{% same_for_visitors %}[{{ request.path }}{{ q }}]"
        "{% endsame_for_visitors %}"
    )
    request = RequestFactory().get("/somewhere/")
    request.user = AnonymousUser()
    context = RequestContext(request, {"q": "text", "user": AnonymousUser()})
    assert template.render(context) == "[]"


def test_a_block_in_a_fragment_is_refused():
    with pytest.raises(TemplateSyntaxError, match="block"):
        Template(
            "{% load chrome %}{% same_for_visitors %}{% block title %}{% endblock %}"
            "{% endsame_for_visitors %}"
        )


def test_a_signed_in_users_fragment_is_rendered_for_them(coordinator):
    template = Template(
        "{% load chrome %}{% same_for_visitors %}{{ user.username }}{% endsame_for_visitors %}"
    )
    assert template.render(Context({"user": AnonymousUser()})) == ""
    assert template.render(Context({"user": coordinator})) == coordinator.username


@given(st.one_of(st.text(), st.text(st.characters(min_codepoint=32, max_codepoint=126))))
def test_the_url_makers_quote_as_reverse_does(text):
    # the makers skip quote() for text it leaves unchanged: the same URLs either way
    if not text or "\x00" in text:
        return  # no path argument is empty; NUL is refused before any view
    for name in ("public:entity", "public:result"):
        made = url_maker(name)(text)
        assert made == reverse(name, args=["0123456789"]).replace("0123456789", quote_arg(text))


def quote_arg(text):
    return quote(text, safe=URL_SAFE)
