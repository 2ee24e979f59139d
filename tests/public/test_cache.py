"""The page cache (spotcheck.public.cache): a cached page stays while what the portal shows is
unchanged (drafts, autosaves, notices move only the audit head) and gives way to whatever
changes it (a publication, a withdrawal, a plan published, a team member replaced,
an agency's public setting); it shows the current audit head either way; a page cached by
another release is never served. Draw steps: tests/draws/test_public_cache.py."""

from __future__ import annotations

import gzip
import io
import json
import zipfile

import pytest
from django.contrib import admin
from django.core.management import call_command
from django.db import transaction
from django.forms.models import model_to_dict
from django.test import RequestFactory
from django.urls import reverse

from spotcheck.accounts.models import Agency, Role, User
from spotcheck.audit.models import current_head
from spotcheck.audit.shown import HEAD_SLOT
from spotcheck.draws.models import Draw
from spotcheck.inspections.actions import issue_notice, replace_team_member
from spotcheck.inspections.models import TeamMember, Visit
from spotcheck.plans.actions import publish_plan
from spotcheck.public import actions, cache
from spotcheck.public.models import PortalVersion, PublishedResult, note_public_change
from spotcheck.public.selectors import published_draws
from spotcheck.results import actions as results_actions
from spotcheck.results.models import Result
from tests.public.helpers import approve_visit, visit_content

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("shared_published")]

HOME = "home"


@pytest.fixture
def published(shared_copy, shared_published) -> list[PublishedResult]:
    return shared_copy(shared_published)


def unpublished_visits(plan, unit) -> list[Visit]:
    """Teamed visits of the unit with nothing recorded yet."""
    teamed = Visit.objects.filter(plan=plan, responsible_unit=unit, members__isnull=False)
    recorded = Result.objects.values("visit")
    return list(teamed.exclude(pk__in=recorded).distinct().order_by("pk"))


def served(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return response


def is_hit(response) -> bool:
    return response.get("X-Spotcheck-Cache") == "hit"


def cached(client, url) -> bytes:
    """Ask for `url` until it is in the cache (its first answer stored)."""
    first = served(client, url)
    assert not is_hit(first)
    assert is_hit(served(client, url))
    return first.content


def head_line(head) -> str:
    return f"verify --head {head.seq}:{head.hash}"


def test_drafts_autosaves_and_notices_leave_cached_pages_in_place(
    client, published, published_plan, unit, unit_leader, coordinator
):
    urls = [reverse(HOME), reverse("public:results"), reverse("public:bulletins")]
    for url in urls:
        cached(client, url)
    version = PortalVersion.objects.get().version
    head = current_head()
    visit, other = unpublished_visits(published_plan, unit)[:2]
    content = visit_content(visit)
    draft = results_actions.save_draft(visit=visit, content=content, revision=0, actor=unit_leader)
    # the recording page's autosave calls the same action with the revision it holds
    results_actions.save_draft(
        visit=visit, content=content, revision=draft.revision, actor=unit_leader
    )
    issue_notice(visit=other, actor=coordinator)
    assert current_head().seq >= head.seq + 3  # audited ...
    assert PortalVersion.objects.get().version == version  # ... but nothing public changed
    for url in urls:
        again = served(client, url)
        assert is_hit(again), url
        text = again.content.decode()
        if url != reverse("public:results"):  # the pages that print the head: the current one
            assert head_line(current_head()) in text and head_line(head) not in text, url
        assert HEAD_SLOT not in text


def test_a_hit_is_the_page_a_fresh_render_makes(
    client, published, published_plan, unit, unit_leader
):
    url = reverse("public:bulletins")
    cached(client, url)
    visit = unpublished_visits(published_plan, unit)[0]
    results_actions.save_draft(
        visit=visit, content=visit_content(visit), revision=0, actor=unit_leader
    )
    hit = served(client, url)
    assert is_hit(hit)
    cache.clear_public_pages()
    fresh = served(client, url)
    assert not is_hit(fresh) and fresh.content == hit.content


def test_pages_are_compressed_for_clients_that_accept_it(client, published):
    # a fresh page and a hit alike: the same bytes once decompressed, and caches told both ways
    url = reverse("public:task_results", args=[published[0].items.first().plan_item_id])
    plain = served(client, url)
    for answer in (plain, served(client, url)):
        assert "Content-Encoding" not in answer
    for _ in range(2):  # a fresh page (the cache emptied), then a hit
        zipped = client.get(url, headers={"accept-encoding": "gzip, deflate"})
        assert zipped["Content-Encoding"] == "gzip" and "Accept-Encoding" in zipped["Vary"]
        assert gzip.decompress(zipped.content) == plain.content
        assert len(zipped.content) < len(plain.content)
        cache.clear_public_pages()


def test_signed_in_users_pages_are_not_compressed(client, published, coordinator):
    # they hold a CSRF token and personal data beside text the request chose (BREACH)
    client.force_login(coordinator)
    url = reverse("public:task_results", args=[published[0].items.first().plan_item_id])
    answer = client.get(url, headers={"accept-encoding": "gzip"})
    assert answer.status_code == 200 and "Content-Encoding" not in answer


def test_publication_and_withdrawal_replace_cached_pages(
    client, published, published_plan, unit, unit_leader, coordinator
):
    url = reverse("public:results")
    cached(client, url)
    visit = unpublished_visits(published_plan, unit)[0]
    result = approve_visit(visit, unit_leader)
    assert is_hit(served(client, url))  # approved, not yet published
    actions.publish_results(results=[result], actor=unit_leader)
    assert not is_hit(served(client, url))
    assert is_hit(served(client, url))
    actions.withdraw_published(published=published[0], reason="录入错误", actor=coordinator)
    after = served(client, url)
    assert not is_hit(after) and "已撤回的公示" in after.content.decode()


def test_plan_publication_replaces_cached_pages(
    client, published, other_agency, other_users_by_role, other_plan
):
    url = reverse("public:plans")
    assert other_agency.name not in cached(client, url).decode()
    publish_plan(plan=other_plan, actor=other_users_by_role[Role.COORDINATOR])
    after = served(client, url)
    assert not is_hit(after) and other_agency.name in after.content.decode()


def test_a_team_member_replaced_replaces_the_cached_matching(client, published, coordinator):
    member = (
        TeamMember.objects.filter(replaced_at__isnull=True, visit__result__isnull=True)
        .order_by("pk")
        .first()
    )
    url = reverse("public:matching", args=[member.matching_id])
    cached(client, url)
    replace_team_member(member=member, reason="因病", actor=coordinator)
    assert not is_hit(served(client, url))


def test_an_agency_setting_saved_in_the_admin_replaces_cached_pages(client, published, agency):
    superuser = User.objects.create_superuser("root", "", "x")
    record = published[0]
    url = reverse("public:result", args=[record.pk])
    cached(client, url)
    model_admin = admin.site._registry[Agency]
    request = RequestFactory().post("/")
    request.user = superuser
    form_class = model_admin.get_form(request, agency, change=True)
    data = {k: v for k, v in model_to_dict(agency).items() if v is not None}
    form = form_class({**data, "publish_inspector_names": True}, instance=agency)
    assert form.is_valid(), form.errors
    with transaction.atomic():
        model_admin.save_model(request, form.save(commit=False), form, change=True)
    assert not is_hit(served(client, url))


def test_a_page_of_another_release_is_not_served(client, published, monkeypatch):
    url = reverse("public:plans")
    cached(client, url)
    monkeypatch.setattr(cache, "release_key", lambda: "another-release")
    assert not is_hit(served(client, url))
    assert is_hit(served(client, url))


def test_the_release_key_follows_the_static_manifest(settings, tmp_path):
    compute = cache.release_key.__wrapped__
    plain = compute()
    assert compute() == plain  # the same files: the workers share their pages
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
    }
    manifest = tmp_path / "staticfiles.json"

    def collected(css: str) -> str:
        paths = {"spotcheck/spotcheck.css": f"spotcheck/spotcheck.{css}.css"}
        manifest.write_text(json.dumps({"paths": paths, "version": "1.1", "hash": css}))
        return compute()

    first = collected("c19fa34d383d")
    assert first != plain
    assert collected("0123456789ab") != first
    assert collected("c19fa34d383d") == first


def test_clear_public_cache_empties_the_cache(client, published):
    url = reverse("public:plans")
    cached(client, url)
    call_command("clear_public_cache", verbosity=0)
    assert not is_hit(served(client, url))


@pytest.mark.parametrize(
    ("setting", "value"),
    [
        ("TIME_ZONE", "UTC"),
        ("LANGUAGE_CODE", "en"),
        ("USE_THOUSAND_SEPARATOR", True),
        ("SPOTCHECK_PUBLIC_MIN_COUNT", 5),
        ("FORCE_SCRIPT_NAME", "/spotcheck"),
    ],
)
def test_the_release_key_follows_the_settings_pages_are_rendered_under(settings, setting, value):
    compute = cache.release_key.__wrapped__
    before = compute()
    setattr(settings, setting, value)
    assert compute() != before


def test_the_release_key_ignores_settings_no_public_page_shows(settings):
    """The domain's defaults decide what actions store (its publication moves the portal's
    version), not how a stored page renders: a restart with another leaves the pages."""
    compute = cache.release_key.__wrapped__
    before = compute()
    settings.SPOTCHECK_RECHECK_WINDOW_DAYS = 30
    settings.SPOTCHECK_PUBLISH_RESULTS_WORKDAYS = 10
    settings.SPOTCHECK_AUDIT_KEY = "another-key"
    assert compute() == before


def test_a_page_rendered_under_another_time_zone_or_threshold_is_not_served(
    client, published, settings
):
    """A server restarted with another TIME_ZONE shows moments in it; with another threshold,
    counts below it as "少于N": neither is served a page the cache kept from before."""
    plans = reverse("public:plans")
    statistics = reverse("public:statistics")
    cached(client, plans)
    cached(client, statistics)
    settings.TIME_ZONE = "America/New_York"
    assert not is_hit(served(client, plans))
    assert is_hit(served(client, plans))
    settings.SPOTCHECK_PUBLIC_MIN_COUNT = 7
    page = served(client, statistics)
    assert not is_hit(page) and "少于7" in page.content.decode()


def test_a_page_printing_its_address_is_kept_per_host(client, published):
    """The verification kit's README gives the bulletin's absolute address: asked for under
    another of the site's names (ALLOWED_HOSTS), it is made for that one, not served the other's."""
    draw = published_draws().filter(status=Draw.Status.EXECUTED).order_by("pk").first()
    url = reverse("public:kit", args=[draw.pk])
    bulletin = reverse("public:bulletin", args=[draw.pk])

    def readme(response) -> str:
        with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
            name = next(n for n in archive.namelist() if n.endswith("README.txt"))
            return archive.read(name).decode("utf-8")

    first = client.get(url, HTTP_HOST="localhost")
    assert f"http://localhost{bulletin}" in readme(first)
    assert is_hit(client.get(url, HTTP_HOST="localhost"))
    other = client.get(url, HTTP_HOST="127.0.0.1")
    assert not is_hit(other) and f"http://127.0.0.1{bulletin}" in readme(other)
    assert is_hit(client.get(url, HTTP_HOST="127.0.0.1"))


def test_a_restore_then_a_change_never_serves_pages_cached_after_the_backup(
    client, published, coordinator
):
    """A restore takes the portal's version back with the rows (here: a savepoint rolled back,
    the database as the backup held it, the page cache as the discarded timeline left it); the
    next change raises it to the number the discarded pages carry, but not to their token."""
    url = reverse("public:results")
    cached(client, url)
    backup = transaction.savepoint()
    before = PortalVersion.objects.get()
    actions.withdraw_published(published=published[0], reason="录入错误", actor=coordinator)
    assert "已撤回的公示" in served(client, url).content.decode()
    assert is_hit(served(client, url))  # cached in the timeline the restore discards
    transaction.savepoint_rollback(backup)  # the restore
    restored = PortalVersion.objects.get()
    assert (restored.version, restored.token) == (before.version, before.token)
    back = served(client, url)
    assert is_hit(back) and "已撤回的公示" not in back.content.decode()  # cached before the backup
    member = TeamMember.objects.filter(replaced_at__isnull=True).order_by("pk").first()
    replace_team_member(member=member, reason="因病", actor=coordinator)  # the next change
    assert PortalVersion.objects.get().version == before.version + 1  # the discarded number
    after = served(client, url)
    assert not is_hit(after) and "已撤回的公示" not in after.content.decode()


def test_the_portal_key_carries_a_token_set_anew_with_each_change(rf, published):
    def key() -> str:
        return cache.portal_key(rf.get("/"))

    first = key()
    version = PortalVersion.objects.get()
    assert first == f"{version.version}.{version.token}" and len(version.token) == 16
    with transaction.atomic():
        note_public_change()
    moved = PortalVersion.objects.get()
    assert moved.version == version.version + 1 and moved.token != version.token
    assert key() == f"{moved.version}.{moved.token}"
