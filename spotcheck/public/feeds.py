"""The public Atom feeds, carrying the audit chain head: every announcement (/public/feed.xml:
plans and their revisions, draw steps, result publications and withdrawals) and the draw
bulletins alone (/public/draws/feed.xml, the older address, kept).

Feed readers keep old copies, so every fetch also archives the head (sequence and hash) that
`spotcheck audit verify --head SEQ:HASH` checks the audit trail against later.
"""

from typing import Any

from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from spotcheck.audit.models import current_head
from spotcheck.draws.models import Draw
from spotcheck.public.announcements import Announcement, latest_announcements
from spotcheck.public.selectors import latest_bulletins

AUDIT_NAMESPACE = "urn:spotcheck:audit"


class AuditHeadAtomFeed(Atom1Feed):
    def root_attributes(self) -> dict[str, str]:
        attrs = super().root_attributes()
        attrs["xmlns:spotcheck"] = AUDIT_NAMESPACE
        return attrs

    def add_root_elements(self, handler: Any) -> None:
        super().add_root_elements(handler)
        head = self.feed["audit_head"]
        handler.addQuickElement(
            "spotcheck:auditHead", str(head), {"seq": str(head.seq), "hash": head.hash}
        )


class BulletinFeed(Feed):
    feed_type = AuditHeadAtomFeed
    title = "抽查任务公告"
    description = "每次抽取先公布名录及其哈希，再公开掷骰产生种子，最后按号签抽取。"

    def link(self) -> str:
        return reverse("public:bulletins")

    def subtitle(self) -> str:
        head = current_head()
        return f"{self.description} 审计日志链头：第{head.seq}条 {head.hash}"

    def feed_extra_kwargs(self, obj: Any) -> dict[str, Any]:
        return {"audit_head": current_head()}

    def items(self) -> list[Draw]:
        return latest_bulletins(30)

    def item_title(self, draw: Draw) -> str:
        item = draw.item
        return (
            f"{item.plan.agency} {item.plan.year}年 {item.heading}"
            f"（第{draw.round_number}轮）· {draw.get_status_display()}"
        )

    def item_description(self, draw: Draw) -> str:
        return f"名录{draw.population_size}户，名录哈希 {draw.population_hash}"

    def item_link(self, draw: Draw) -> str:
        return reverse("public:bulletin", args=[draw.pk])

    def item_pubdate(self, draw: Draw) -> Any:
        return draw.prepared_at

    def item_updateddate(self, draw: Draw) -> Any:
        return draw.executed_at or draw.prepared_at


class AnnouncementFeed(Feed):
    feed_type = AuditHeadAtomFeed
    title = "双随机、一公开：公告"
    description = "抽查计划及其调整、抽查任务公告（名录公布、抽取完成）、检查结果公示与撤回。"

    def link(self) -> str:
        return reverse("home")

    def feed_url(self) -> str:
        return reverse("public:announcements")

    def subtitle(self) -> str:
        head = current_head()
        return f"{self.description} 审计日志链头：第{head.seq}条 {head.hash}"

    def feed_extra_kwargs(self, obj: Any) -> dict[str, Any]:
        return {"audit_head": current_head()}

    def items(self) -> list[Announcement]:
        return latest_announcements(50)

    def item_title(self, entry: Announcement) -> str:
        return f"【{entry.label}】{entry.title}"

    def item_description(self, entry: Announcement) -> str:
        return entry.summary

    def item_link(self, entry: Announcement) -> str:
        return entry.link

    def item_guid(self, entry: Announcement) -> str:
        return f"urn:spotcheck:announcement:{entry.key}"

    item_guid_is_permalink = False

    def item_pubdate(self, entry: Announcement) -> Any:
        return entry.when

    def item_updateddate(self, entry: Announcement) -> Any:
        return entry.when

    def item_categories(self, entry: Announcement) -> list[str]:
        return [entry.label]
