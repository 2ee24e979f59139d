"""Announcements (公告): every public event, newest first, for the Atom feed and the home page.

A plan published, a revision of it (计划调整) published, a draw's population frozen (名录公布),
its selection made (抽取完成) or the draw cancelled, a batch of results published (a correction
republished is a new batch), a published result withdrawn. Read only through the published-only
selectors, so an announcement exists only for what the portal shows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Exists, OuterRef
from django.urls import reverse
from django.utils import timezone

from spotcheck.public.models import Publication
from spotcheck.public.selectors import (
    published_draws,
    published_plans,
    published_revisions,
    published_versions,
)


@dataclass(frozen=True)
class Announcement:
    kind: str  # plan | revision | draw_prepared | draw_executed | draw_cancelled | results | withdrawal
    key: str  # stable: the feed entry's id
    when: datetime
    title: str
    link: str
    summary: str

    KINDS = {
        "plan": "计划公开",
        "revision": "计划调整",
        "draw_prepared": "名录公布",
        "draw_executed": "抽取完成",
        "draw_cancelled": "抽取作废",
        "results": "结果公示",
        "withdrawal": "撤回公示",
    }

    @property
    def label(self) -> str:
        return self.KINDS[self.kind]


def _plans(limit: int) -> list[Announcement]:
    plans = published_plans().filter(published_at__isnull=False).order_by("-published_at")
    out = [
        Announcement(
            "plan",
            f"plan:{p.pk}",
            p.published_at,
            f"{p.agency.name}公开{p.year}年度抽查工作计划：{p.title}",
            p.get_public_url(),
            f"共{p.item_count}项抽查事项",
        )
        for p in plans.annotate(item_count=Count("items"))[:limit]
    ]
    revisions = (
        published_revisions().filter(published_at__isnull=False).order_by("-published_at")[:limit]
    )
    out += [
        Announcement(
            "revision",
            f"revision:{r.pk}",
            r.published_at,
            f"{r.plan.agency.name}{r.plan.year}年度抽查计划第{r.number}次调整",
            r.get_public_url(),
            f"调整日期{r.effective_date:%Y-%m-%d}。调整原因：{r.public_reason}",
        )
        for r in revisions
        if r.published_at is not None
    ]
    return out


def _draws(limit: int) -> list[Announcement]:
    draws = published_draws().defer("population_gz", "excluded_gz", "document_gz")
    out = []
    steps = (
        ("draw_prepared", "prepared_at", "名录公布，待掷骰"),
        ("draw_executed", "executed_at", "抽取完成"),
        ("draw_cancelled", "cancelled_at", "抽取作废"),
    )
    for kind, field, verb in steps:
        rows = draws.filter(**{f"{field}__isnull": False}).order_by(f"-{field}", "-pk")[:limit]
        for draw in rows:
            item = draw.item
            if kind == "draw_executed":
                summary = f"名录{draw.population_size}户，种子 {draw.seed}，名录哈希 {draw.population_hash}"
            elif kind == "draw_cancelled":
                summary = f"作废原因：{draw.public_cancel_reason}"
            else:
                summary = f"名录{draw.population_size}户，名录哈希 {draw.population_hash}"
            out.append(
                Announcement(
                    kind,
                    f"draw:{draw.pk}:{kind.removeprefix('draw_')}",
                    getattr(draw, field),
                    f"{item.plan.agency.name} {item.plan.year}年 {item.heading}"
                    f"（第{draw.round_number}轮）{verb}",
                    draw.get_public_url(),
                    summary,
                )
            )
    return out


def _results(limit: int) -> list[Announcement]:
    # A batch is announced while any of its records is public; a batch may hold thousands of
    # records, so only its count and a few names are read (EXISTS and LIMIT on indexed columns).
    batches = (
        Publication.objects.filter(Exists(published_versions().filter(publication=OuterRef("pk"))))
        .select_related("agency")
        .order_by("-published_at", "-pk")[:limit]
    )
    out = []
    for batch in batches:
        records = published_versions().filter(publication=batch)
        count = records.count()
        names = list(records.order_by("pk").values_list("entity_name", flat=True)[:5])
        shown = "、".join(names) + (f"等{count}户" if count > len(names) else "")
        out.append(
            Announcement(
                "results",
                f"publication:{batch.pk}",
                batch.published_at,
                f"{batch.agency.name}公示{count}户检查结果（{batch.published_on:%Y-%m-%d}）",
                reverse("public:batch", args=[batch.pk]),
                shown,
            )
        )
    # every withdrawal, a record since corrected and republished too: it happened, and the
    # withdrawn record's page stays (nothing disappears silently)
    withdrawn = published_versions().filter(withdrawn_at__isnull=False).order_by("-withdrawn_at")
    for record in withdrawn[:limit]:
        assert record.withdrawn_at is not None
        out.append(
            Announcement(
                "withdrawal",
                f"withdrawal:{record.pk}",
                record.withdrawn_at,
                f"{record.agency.name}撤回对{record.entity_name}的检查结果公示",
                reverse("public:result", args=[record.pk]),
                f"撤回于{timezone.localtime(record.withdrawn_at):%Y-%m-%d}。理由：{record.public_withdraw_reason}",
            )
        )
    return out


def latest_announcements(limit: int = 30) -> list[Announcement]:
    """The `limit` newest announcements of every kind."""
    every = _plans(limit) + _draws(limit) + _results(limit)
    every.sort(key=lambda a: (a.when, a.key), reverse=True)
    return every[:limit]
