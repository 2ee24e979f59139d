"""A matching's public record as served against the digest the audit log recorded for it: a
record published under an earlier rule (a replacement reason with a phone number, before
reasons were masked; no seed_source) is named by `spotcheck audit verify` until
`spotcheck correct-matching-digests` records the old and the new digest; any other difference
stays named."""

from __future__ import annotations

import json

import pytest
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.db import models
from django.urls import reverse

from spotcheck.audit.models import AuditEntry
from spotcheck.inspections.actions import correct_matching_digests, replace_team_member
from spotcheck.inspections.integrity import CORRECTION_ACTION
from spotcheck.inspections.models import TeamMatching, TeamMember
from spotcheck.kit.verify_draw import teams_digest
from spotcheck.lib import matching_public
from tests.conftest import round_one_matched

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("shared_teams")]

PHONE = "13812345678"


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()


@pytest.fixture
def matched(request, published_plan, executed_draws, coordinator) -> TeamMatching:
    return round_one_matched(request, published_plan, coordinator)


def replace_one(matched: TeamMatching, reason: str, coordinator) -> TeamMember:
    member = TeamMember.objects.filter(matching=matched, replaced_at__isnull=True).first()
    return replace_team_member(member=member, reason=reason, actor=coordinator)


def replace_under_the_old_rule(monkeypatch, matched, coordinator, *, seed_source=True):
    """A replacement audited as before ad55395 (the reason published as written) and, with
    seed_source=False, as before 1bf5690 (no seed_source in the public record)."""
    with monkeypatch.context() as patch:
        patch.setattr(matching_public, "mask_phone_numbers", lambda text: text)
        if not seed_source:
            patch.setattr(TeamMatching, "public_seed_source", lambda self: None)
        replace_one(matched, f"因病，联系电话{PHONE}", coordinator)
    matched.refresh_from_db()


def last_recorded(matched: TeamMatching) -> AuditEntry:
    visits = matched.members.values_list("visit_id", flat=True)
    entries = AuditEntry.objects.filter(
        models.Q(object_type="inspections.TeamMatching", object_id=str(matched.pk))
        | models.Q(object_type="inspections.Visit", object_id__in=[str(v) for v in set(visits)]),
        details__has_key="public_sha256",
    )
    return entries.latest("seq")


def served_teams_digest(client, matched: TeamMatching) -> str:
    """What anyone gets from the portal's teams.json, digested as verify_draw.py prints it."""
    response = client.get(reverse("public:matching_json", args=[matched.pk]))
    assert response.status_code == 200
    return teams_digest(json.loads(response.content))


def verify_output(capsys) -> str:
    call_command("audit", "verify")
    return capsys.readouterr().out


def test_a_record_published_before_reasons_were_masked_no_longer_matches_its_digest(
    client, matched, coordinator, monkeypatch
):
    replace_under_the_old_rule(monkeypatch, matched, coordinator)
    recorded = last_recorded(matched)
    assert recorded.action == "inspections.replace_member"
    served = served_teams_digest(client, matched)
    assert served != recorded.details["public_sha256"]
    # the recorded digest is of the record with the reason as written
    as_written = {**matched.public_document(), "replacements": matched.document["replacements"]}
    assert PHONE in json.dumps(as_written, ensure_ascii=False)
    assert teams_digest(as_written) == recorded.details["public_sha256"]


def test_audit_verify_names_the_matching_and_both_digests_until_corrected(
    client, matched, coordinator, monkeypatch
):
    replace_under_the_old_rule(monkeypatch, matched, coordinator)
    recorded = last_recorded(matched).details["public_sha256"]
    served = served_teams_digest(client, matched)
    with pytest.raises(CommandError) as raised:
        call_command("audit", "verify")
    message = str(raised.value)
    assert f"检查人员匹配{matched.pk}" in message
    assert served in message and recorded in message


def test_the_correction_records_old_and_new_digest_and_verify_passes(
    client, matched, coordinator, monkeypatch, capsys
):
    replace_under_the_old_rule(monkeypatch, matched, coordinator)
    old = last_recorded(matched)
    served = served_teams_digest(client, matched)
    call_command("correct_matching_digests", "--actor", "张审计")
    out = capsys.readouterr().out
    assert f"检查人员匹配{matched.pk}" in out and old.details["public_sha256"] in out
    assert served in out and "补记1条更正" in out
    entry = AuditEntry.objects.get(action=CORRECTION_ACTION)
    assert (entry.object_type, entry.object_id, entry.actor) == (
        "inspections.TeamMatching",
        str(matched.pk),
        "张审计",
    )
    assert entry.details == {
        "old_sha256": old.details["public_sha256"],
        "old_entry": old.seq,
        "public_sha256": served,
        "earlier_rules": [matching_public.REASONS_MASKED],
    }
    assert PHONE not in json.dumps(entry.details, ensure_ascii=False)
    assert served_teams_digest(client, matched) == served  # nothing served changed
    assert "1次检查人员匹配" in verify_output(capsys)


def test_the_correction_run_twice_writes_nothing_the_second_time(matched, coordinator, monkeypatch):
    replace_under_the_old_rule(monkeypatch, matched, coordinator)
    first = correct_matching_digests(actor="cli")
    assert list(first.corrected) == [matched.pk] and first.unexplained == []
    head = AuditEntry.objects.latest("seq").seq
    second = correct_matching_digests(actor="cli")
    assert second.corrected == {} and second.unexplained == []
    assert second.matchings == first.matchings == 1
    assert AuditEntry.objects.latest("seq").seq == head


def test_a_record_published_before_seed_source_is_explained_by_both_rules(
    client, matched, coordinator, monkeypatch, capsys
):
    replace_under_the_old_rule(monkeypatch, matched, coordinator, seed_source=False)
    report = correct_matching_digests(actor="cli")
    assert report.corrected[matched.pk].rules == matching_public.EARLIER_RULES
    assert report.corrected[matched.pk].new_sha256 == served_teams_digest(client, matched)
    assert "1次检查人员匹配" in verify_output(capsys)


def test_a_seed_source_that_does_not_give_the_seed_explains_nothing(
    matched, coordinator, monkeypatch
):
    """The digest recorded before seed sources were published covered no seed source: the one
    served now is accepted only when it gives the seed that digest covered, as a verifier
    recomputes it; any other (a changed draw seed) is left named by audit verify."""
    replace_under_the_old_rule(monkeypatch, matched, coordinator, seed_source=False)
    source = dict(matched.seed_source)
    source["draws"] = [{**d, "seed": "0" * 64} for d in source["draws"]]
    models.QuerySet(TeamMatching).filter(pk=matched.pk).update(seed_source=source)
    report = correct_matching_digests(actor="cli")
    assert report.corrected == {} and report.unexplained == [matched.pk]
    assert not AuditEntry.objects.filter(action=CORRECTION_ACTION).exists()


def test_a_later_replacement_records_the_served_digest_again(
    client, matched, coordinator, monkeypatch, capsys
):
    """The latest recorded digest counts: a replacement audited under today's rule after one
    audited under the old rule needs no correction."""
    replace_under_the_old_rule(monkeypatch, matched, coordinator)
    replace_one(matched, "出差", coordinator)
    matched.refresh_from_db()
    assert last_recorded(matched).details["public_sha256"] == served_teams_digest(client, matched)
    assert "1次检查人员匹配" in verify_output(capsys)
    assert correct_matching_digests(actor="cli").corrected == {}


def test_a_record_served_changed_with_no_earlier_rule_is_named_and_not_corrected(
    client, matched, coordinator
):
    """Another salt changes every commitment of the public record (the rows and the document
    still agree): no earlier rule explains it, so nothing is recorded and verify names it."""
    replace_one(matched, "因病", coordinator)
    matched.refresh_from_db()
    recorded = last_recorded(matched).details["public_sha256"]
    models.QuerySet(TeamMatching).filter(pk=matched.pk).update(commitment_salt="ab" * 32)
    served = served_teams_digest(client, matched)
    assert served != recorded
    report = correct_matching_digests(actor="cli")
    assert report.corrected == {} and report.unexplained == [matched.pk]
    assert not AuditEntry.objects.filter(action=CORRECTION_ACTION).exists()
    with pytest.raises(CommandError) as raised:
        call_command("audit", "verify")
    assert f"检查人员匹配{matched.pk}" in str(raised.value)
    assert served in str(raised.value) and recorded in str(raised.value)


def test_a_fresh_matching_needs_no_correction(matched, capsys):
    assert "1次检查人员匹配" in verify_output(capsys)
    report = correct_matching_digests(actor="cli")
    assert (report.matchings, report.corrected, report.unexplained) == (1, {}, [])
    assert not AuditEntry.objects.filter(action=CORRECTION_ACTION).exists()
