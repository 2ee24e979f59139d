"""What was published of results (检查结果公示), kept as published.

A `Publication` is one batch a unit (or the approval itself, where the agency says so) published
on one date. A `PublishedResult` keeps the public snapshot of one result's approved version
exactly as published, with its SHA-256 (spotcheck.public.publication checks it against the
stored approved version), and the columns the portal searches and counts: the public (masked)
entity name and its pinyin initials, the credit code, the dates. A `PublishedItem` is one plan
item of it with its category and follow-up state (the statistics count these), and copies of
its record's publication date and of whether the record is current, so that a task's page is
one range of one index however many results the task has.

Nothing disappears silently: a withdrawn record stays, with the date and the reason, and the
public pages say it was withdrawn; a record published again after an amendment is superseded
(kept, marked with the date). Rows are written only by spotcheck.public.publication.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

import orjson
from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.db.models import Count, F, OuterRef, Q, Subquery, Value, Window
from django.db.models.functions import Coalesce, RowNumber
from django.utils import timezone

from spotcheck.accounts.models import Agency
from spotcheck.draws.models import Draw
from spotcheck.lib.pinyin import substring_keys
from spotcheck.lib.publication import (
    item_heading,
    mask_phone_numbers,
    matching_snapshot,
    published_sha256,
    snapshot_matches,
)
from spotcheck.plans.models import Plan, PlanItem
from spotcheck.prepared import PreparedQuery
from spotcheck.results.models import Result

# A number of 19 or more digits (orjson reads one past 64 bits as a float, json as an int) is
# 19 zeros once every digit is a zero: bytes.translate and a search take ~2 µs, a regex ~60.
_DIGITS_AS_ZEROS = bytes.maketrans(b"123456789", b"000000000")
_LONG_NUMBER = b"0" * 19


class SnapshotField(models.JSONField):
    """A JSONField read with orjson: every row of a result list decodes its snapshot, and
    json.loads took three times as long (~29 against ~9 µs for a typical one). What orjson
    refuses or reads otherwise (NaN, a lone surrogate, a number past 64 bits) JSONField decodes
    as ever, so the values read are the ones JSONField reads. Deconstructed as a JSONField:
    the column and the migrations are the same."""

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if isinstance(value, str) and self.decoder is None:
            try:
                data = value.encode()
            except UnicodeEncodeError:  # a lone surrogate
                data = b""
            if data and _LONG_NUMBER not in data.translate(_DIGITS_AS_ZEROS):
                try:
                    return orjson.loads(data)
                except orjson.JSONDecodeError:
                    pass
        return super().from_db_value(value, expression, connection)

    def deconstruct(self) -> Any:
        name, _path, args, kwargs = super().deconstruct()
        return name, "django.db.models.JSONField", args, kwargs


class Publication(models.Model):
    agency = models.ForeignKey(
        Agency, verbose_name="公示机关", on_delete=models.PROTECT, related_name="publications"
    )
    published_at = models.DateTimeField("公示时间")
    published_on = models.DateField("公示日期", db_index=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor = models.CharField("公示人", max_length=150)
    automatic = models.BooleanField("审核通过后自动公示", default=False)

    class Meta:
        verbose_name = "结果公示批次"
        verbose_name_plural = "结果公示批次"
        ordering = ["-published_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.agency} {self.published_on:%Y-%m-%d} 公示"


class PublishedResult(models.Model):
    publication = models.ForeignKey(
        Publication, on_delete=models.PROTECT, related_name="results", verbose_name="公示批次"
    )
    result = models.ForeignKey(
        Result, on_delete=models.PROTECT, related_name="publications", verbose_name="检查结果"
    )
    result_version = models.PositiveIntegerField("结果版本")
    agency = models.ForeignKey(
        Agency, verbose_name="检查实施机关", on_delete=models.PROTECT, related_name="+"
    )
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="published_results")
    entity_key = models.CharField("对象标识", max_length=60, db_index=True)
    # indexed with the current records' order (publishedresult_name_pages)
    entity_name = models.CharField("对象名称（公示）", max_length=200)
    credit_code = models.CharField(
        "统一社会信用代码/注册号", max_length=18, blank=True, db_index=True
    )
    name_initials = models.CharField("名称拼音首字母", max_length=200, blank=True, db_index=True)
    # entity_name as the search compares names (lib.pinyin.name_key: fullwidth ＡＢＣ is abc,
    # no whitespace): what a search for a common text matches in the database
    name_key = models.CharField("名称检索键", max_length=400, blank=True)
    inspected_on = models.DateField("检查日期", null=True, blank=True)
    published_on = models.DateField("公示日期", db_index=True)
    due_on = models.DateField("公示期限", null=True, blank=True)
    snapshot = SnapshotField("公示内容")
    snapshot_sha256 = models.CharField("公示内容SHA-256", max_length=64)
    withdrawn_at = models.DateTimeField("撤回时间", null=True, blank=True)
    withdraw_reason = models.TextField("撤回理由", blank=True)
    withdrawn_by = models.CharField("撤回人", max_length=150, blank=True)
    superseded_at = models.DateTimeField("被更正后的公示取代", null=True, blank=True)

    class Meta:
        verbose_name = "公示的检查结果"
        verbose_name_plural = "公示的检查结果"
        ordering = ["-published_on", "-pk"]
        indexes = [
            models.Index(fields=["plan", "superseded_at", "-published_on"]),
            # the announcements (home page, Atom feed): the latest withdrawals, newest first,
            # read from an index of the withdrawn records alone
            models.Index(
                fields=["-withdrawn_at"],
                name="publishedresult_withdrawn",
                condition=models.Q(withdrawn_at__isnull=False),
            ),
            # The search's page of current records, newest first, found from the index alone
            # (an index-only scan, the record rows read for that page only; key columns, not
            # INCLUDE, which SQLite lacks): by the names found (a masked name is shared by many
            # records) ...
            models.Index(
                fields=["entity_name", "-published_on", "-id", "plan"],
                name="publishedresult_name_pages",
                condition=models.Q(superseded_at__isnull=True),
            ),
            # ... or, for a common text, the newest records whose name key or initials hold it
            models.Index(
                fields=["-published_on", "-id", "plan", "name_key", "name_initials"],
                name="publishedresult_newest_names",
                condition=models.Q(superseded_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.entity_name} {self.inspected_on or ''}（{self.published_on:%Y-%m-%d}公示）"

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None

    @property
    def public_withdraw_reason(self) -> str:
        """The withdrawal reason as published (pages, open data, feed): phone numbers masked."""
        return mask_phone_numbers(self.withdraw_reason)

    @property
    def result_text(self) -> str:
        """The result in one cell of a list: one category when every merged item has it (a
        visit that found the entity moved out says so once, not once per item), else each
        item's category after its number."""
        return result_text(self.snapshot, self.snapshot_sha256)

    @property
    def published_sha256(self) -> str:
        """The content hash this record publishes: every page and file that prints "the
        content hash" prints this (lib.publication.published_sha256), not `snapshot_sha256`,
        which is the stored snapshot's and may cover inspectors' names no longer shown."""
        return published_sha256(
            self.snapshot,
            self.snapshot_sha256,
            inspector_names=self.agency.publish_inspector_names,
        )

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise ValueError("公示的检查结果不能删除；须撤回（说明理由）")


WITHHELD_TEXT = "暂停显示（公示内容校验未通过）"


def result_text(snapshot: dict[str, Any], stored_sha256: str) -> str:
    """`PublishedResult.result_text` of a snapshot (the result table reads snapshots as values);
    a snapshot that no longer matches its stored hash is withheld, as on its own page."""
    if not snapshot_matches(snapshot, stored_sha256):
        return WITHHELD_TEXT
    return result_cell(snapshot)


def stored_result_text(text: str, stored_sha256: str) -> str:
    """`result_text` of a snapshot read as its stored JSON text (rows.row_values): decoded
    once, and checked against its hash on the way (`matching_snapshot`)."""
    snapshot = matching_snapshot(text, stored_sha256)
    return WITHHELD_TEXT if snapshot is None else result_cell(snapshot)


def result_cell(snapshot: dict[str, Any]) -> str:
    """The result cell of a snapshot that matched its hash."""
    items = snapshot.get("items", [])
    labels = [i["category_label"] for i in items]
    if len(set(labels)) <= 1:
        return labels[0] if labels else ""
    return "；".join(
        f"{item_heading(i['number'], '') or i.get('name', '')}：{i['category_label']}"
        for i in items
    )


class PublishedItem(models.Model):
    published = models.ForeignKey(PublishedResult, on_delete=models.PROTECT, related_name="items")
    plan_item = models.ForeignKey(PlanItem, on_delete=models.PROTECT, related_name="+")
    draw = models.ForeignKey(
        Draw, null=True, blank=True, on_delete=models.PROTECT, related_name="published_items"
    )
    category = models.CharField("检查结果", max_length=30, db_index=True)
    follow_up = models.CharField("后续处置", max_length=20)
    # Copies of the record's publication date and of "not superseded", kept by publication.
    published_on = models.DateField("公示日期")
    current = models.BooleanField("现行公示", default=True)

    class Meta:
        verbose_name = "公示的事项结果"
        verbose_name_plural = "公示的事项结果"
        ordering = ["published", "plan_item__position"]
        indexes = [
            # a task's results, newest first, paged: one index range, no table rows read
            models.Index(
                fields=["plan_item", "-published_on", "-published", "current"],
                name="publisheditem_task_pages",
            )
        ]

    def __str__(self) -> str:
        return f"{self.published}：{self.plan_item.name} {self.category}"


TASK_ORDER = ("-published_on", "-published_id")
OLDEST_FIRST = ("published_on", "published_id")


def task_rows(plan_item_id: int, *, items: Any = PublishedItem) -> models.QuerySet[Any]:
    """A task's (plan item's) published results in the order of its public pages: newest
    first, current records only (a withdrawn record stays, marked; a superseded one gives way
    to its correction). One range of the index publisheditem_task_pages. `items`: the model (a
    migration passes its historical one)."""
    return items.objects.filter(plan_item=plan_item_id, current=True).order_by(*TASK_ORDER)


class TaskPage(models.Model):
    """A stored key in a task's results, so that a page asked for by its number alone (a
    bookmark, the "上一页" link) is read from near its start with one index range instead of an
    OFFSET over every row before it. Number k holds the key of the task's (`task_rows`) row
    k × `SIZE` counted from its OLDEST row: a task's pages list its newest rows first, so a
    publication adds its rows at the top of page 1 and would move the start of every page, but
    no row counted from the oldest end moves, and these keys stay. `task_page_start`
    finds a page from them (the nearest key, then fewer than `SIZE` rows skipped).

    Kept in the transaction of every change of a task's rows by `renumber_task_pages` from the
    oldest row changed on (a publication adds rows, usually the newest, and supersedes the ones
    it corrects: from there); equal to `rebuild_task_pages`, which makes them all again. A
    withdrawal changes no task's rows (the record stays in place, marked)."""

    # rows a page of every public list of results (a task's pages, the search)
    SIZE = 50

    # the unique constraint (plan_item, number) is its index
    plan_item = models.ForeignKey(
        PlanItem, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    number = models.PositiveIntegerField("序号（自最早的记录数起，每页条数一个）")
    after_on = models.DateField("该条记录的公示日期")
    after_id = models.BigIntegerField("该条记录的公示记录")

    class Meta:
        verbose_name = "结果公示分页起点"
        verbose_name_plural = "结果公示分页起点"
        constraints = [
            models.UniqueConstraint(fields=["plan_item", "number"], name="taskpage_item_number")
        ]

    def __str__(self) -> str:
        return f"{self.plan_item_id} 第{self.number * self.SIZE}条（自最早起）"


TaskKey = tuple[date, int]  # (published_on, published_id) of a task's row


def rows_newer(rows: models.QuerySet[Any], key: TaskKey) -> models.QuerySet[Any]:
    """The task rows `rows` above `key` in the task's pages (newer): one range of its index."""
    day, pk = key
    return rows.filter(published_on__gte=day).exclude(published_on=day, published_id__lte=pk)


def rows_older(rows: models.QuerySet[Any], key: TaskKey) -> models.QuerySet[Any]:
    """The task rows `rows` below `key` in the task's pages (older: the pages after the one
    ending at `key`): one range of its index."""
    day, pk = key
    return rows.filter(published_on__lte=day).exclude(published_on=day, published_id__gte=pk)


def task_page_start(plan_item_id: int, number: int) -> tuple[TaskKey, int] | None:
    """Where page `number` (2, 3, ...) of a task starts: a stored key and how many of the rows
    after it (fewer than a page) come before the page's first row; None when the task has fewer
    rows than a page (counted from its first row then). The portal reads the key in the
    statement of the page's rows instead (public.views.TaskKeyset); this reads it alone."""
    span = task_key_span(plan_item_id)
    if span is None:
        return None
    number_of_key, skip = page_start_from(*span, number)
    keys = TaskPage.objects.filter(plan_item=plan_item_id, number=number_of_key)
    return keys.values_list("after_on", "after_id").get(), skip


def page_start_from(keys_count: int, above: int, number: int) -> tuple[int, int]:
    """Page `number`'s start from a task's key span: the number of the stored key it starts
    after and how many rows after that key come before its first row. With K keys and t rows
    above the K-th (t < SIZE), page n's first row is the (SIZE - 1 - t)-th after key K - n + 2;
    past the end, the SIZE - 1 rows after the first key are skipped."""
    size = TaskPage.SIZE
    if keys_count - number + 2 < 1:
        return 1, size - 1
    return keys_count - number + 2, size - 1 - min(above, size)


def task_key_span(plan_item_id: int) -> tuple[int, int] | None:
    """A task's highest stored key number and the rows above that key (fewer than a page),
    or None when it has no stored key: what `page_start_from` needs, the same for every page
    of the task until its rows change (a publication: the portal's version moves)."""
    rows = _KEY_SPAN.run(item=plan_item_id)
    return rows[0] if rows else None


def stored_key(plan_item_id: int, number: int) -> tuple[Any, Any]:
    """The task's stored key `number` as SQL (two scalar subqueries), for `rows_older`: a page
    read after it in the same statement as the key."""
    # the number as a bigint expression: a prepared query's placeholder for it is beyond the
    # column's range, which a plain value would turn into an empty result (Django 5)
    at = Value(number, output_field=models.BigIntegerField())
    key = TaskPage.objects.filter(plan_item=plan_item_id, number=at)
    return Subquery(key.values("after_on")[:1]), Subquery(key.values("after_id")[:1])


def _key_span(item: int) -> models.QuerySet[Any]:
    # the task's highest stored key and the rows above it counted (fewer than a page: one
    # short range of the task index), in one query
    newer = rows_newer(task_rows(item), (OuterRef("after_on"), OuterRef("after_id")))
    counted = newer.order_by().values("plan_item").annotate(n=Count("*")).values("n")
    highest = TaskPage.objects.filter(plan_item=item).order_by("-number")
    return highest.annotate(above=Coalesce(Subquery(counted), 0)).values_list("number", "above")[:1]


# a task's key span, read once a portal version by each process (compiled once: spotcheck.prepared)
_KEY_SPAN = PreparedQuery(_key_span, item="int")


def rebuild_task_pages(
    plan_item_ids: Iterable[int],
    *,
    items: Any = PublishedItem,
    pages: Any = None,
) -> None:
    """Make the stored keys of the tasks `plan_item_ids` again from all their rows, set-based
    (one numbered read of each task's index range). `items` and `pages`: the models (a
    migration passes its historical ones)."""
    pages = pages or TaskPage
    with transaction.atomic():
        ids = _lock_tasks(plan_item_ids)
        pages.objects.filter(plan_item__in=ids).delete()
        for plan_item_id in ids:
            _number_pages(plan_item_id, items, pages, TaskPage.SIZE, kept=None)


def renumber_task_pages(changed: Iterable[tuple[int, date, int]]) -> None:
    """Keep the stored keys of the tasks whose rows `changed` (plan item, publication date,
    record id: rows added to or removed from `task_rows`). A task's keys of rows older than
    its oldest row changed stay; those from there are numbered again from the newest kept key,
    reading only the rows newer than it: a publication of today's results reads fewer than
    `SIZE` rows of each task however many it has. Call in the transaction that changed the
    rows; the tasks' plan items are locked first, so two publications of one task number its
    rows one after the other, the second with the first's rows."""
    oldest: dict[int, TaskKey] = {}
    for plan_item_id, day, pk in changed:
        key = (day, pk)
        oldest[plan_item_id] = min(oldest.get(plan_item_id, key), key)
    with transaction.atomic():
        for plan_item_id in _lock_tasks(oldest):
            day, pk = oldest[plan_item_id]
            task_pages = TaskPage.objects.filter(plan_item=plan_item_id)
            # the newest key older than every change (the keys rise with their numbers)
            kept = (
                task_pages.filter(Q(after_on__lt=day) | Q(after_on=day, after_id__lt=pk))
                .order_by("-number")
                .values_list("number", "after_on", "after_id")
                .first()
            )
            task_pages.filter(number__gt=kept[0] if kept else 0).delete()
            _number_pages(plan_item_id, PublishedItem, TaskPage, TaskPage.SIZE, kept=kept)


def _lock_tasks(plan_item_ids: Iterable[int]) -> list[int]:
    """Lock the plan items `plan_item_ids` (in one order, so that concurrent publications do
    not deadlock) for the rest of the caller's transaction; their ids, sorted."""
    ids = sorted(set(plan_item_ids))
    if ids:
        locked = PlanItem.objects.select_for_update().filter(pk__in=ids).order_by("pk")
        list(locked.values_list("pk", flat=True))
    return ids


def _number_pages(
    plan_item_id: int,
    items: Any,
    pages: Any,
    size: int,
    *,
    kept: tuple[int, date, int] | None,
) -> None:
    """Store the keys of one task's rows newer than the key `kept` (number, date, record id;
    None: all its rows): those rows numbered from the oldest by the database, every `size`-th
    one a key."""
    rows = task_rows(plan_item_id, items=items)
    first = 0
    if kept is not None:
        first, kept_on, kept_id = kept
        rows = rows_newer(rows, (kept_on, kept_id))
    numbered = (
        rows.annotate(position=Window(RowNumber(), order_by=list(OLDEST_FIRST)))
        .annotate(remainder=F("position") % size)
        .filter(remainder=0)
        .order_by()
        .values_list("position", "published_on", "published_id")
    )
    pages.objects.bulk_create(
        (
            pages(
                plan_item_id=plan_item_id,
                number=first + position // size,
                after_on=day,
                after_id=pk,
            )
            for position, day, pk in numbered.iterator(chunk_size=5000)
        ),
        batch_size=2000,
    )


class PublicName(models.Model):
    """An entity name as published (masked where the rules say so), once however many records
    carry it, with the keys that find it by any part of it or of its pinyin initials
    (`spotcheck.lib.pinyin.substring_keys`). The public search looks the typed text up here
    with one index range, then reads only the records of the names found. Written by
    publication (`index`); only published names are here, never a name before masking."""

    name = models.CharField("名称（公示）", max_length=200, unique=True)

    class Meta:
        verbose_name = "公示名称索引"
        verbose_name_plural = "公示名称索引"

    def __str__(self) -> str:
        return self.name

    @classmethod
    def index(cls, name: str, initials: str) -> None:
        """Make `name` findable (a no-op when it already is)."""
        if not name or cls.objects.filter(name=name).exists():
            return
        try:
            with transaction.atomic():
                public_name = cls.objects.create(name=name)
        except IntegrityError:  # indexed meanwhile by a concurrent publication
            return
        PublicNameKey.objects.bulk_create(
            PublicNameKey(key=key, name=public_name)
            for key in sorted(substring_keys(name, initials, length=PublicNameKey.LENGTH))
        )


class PublicNameKey(models.Model):
    LENGTH = 8

    key = models.CharField("检索键", max_length=LENGTH)
    name = models.ForeignKey(
        PublicName, on_delete=models.CASCADE, related_name="keys", db_index=False
    )

    class Meta:
        verbose_name = "公示名称检索键"
        verbose_name_plural = "公示名称检索键"
        # the search reads (key range -> names) from the index alone
        indexes = [models.Index(fields=["key", "name"], name="publicnamekey_key_name")]

    def __str__(self) -> str:
        return self.key


def new_token() -> str:
    """A version's token: random, set anew with every move of a version. A restore from a backup
    takes a version back to a number the discarded timeline went past; the next change raises it
    to a number that timeline already used, but never with its token, so what was cached or
    built under that number then (pages, open-data files) is never taken for current."""
    return secrets.token_hex(8)


class PublicVersion(models.Model):
    """A year's publication version: a counter moved, in the same transaction, by every action
    that changes what the portal publishes of that year's plans (a plan or a plan revision
    published, a draw prepared, seeded, executed, replaced or cancelled, results published,
    published again after a correction, or withdrawn). Unlike the audit head, which any staff
    action moves, it does not move for drafts, notices or recording; the open-data files of a
    year are current while they were built at its version and token (spotcheck.public.opendata:
    `public_key`)."""

    year = models.PositiveIntegerField("年度", unique=True)
    version = models.PositiveBigIntegerField("版本", default=0)
    token = models.CharField("版本标记", max_length=32, default=new_token)
    changed_at = models.DateTimeField("最近变化时间", null=True, blank=True)

    class Meta:
        verbose_name = "公开内容版本"
        verbose_name_plural = "公开内容版本"

    def __str__(self) -> str:
        return f"{self.year}: {self.version}"


class PortalVersion(models.Model):
    """The portal's version, deployment-wide (one row): moved by `note_public_change` with the
    years' versions, and also by what changes the public pages but no year's open data (a team
    matching, an agency's name or its setting on inspectors' names, a target type, the
    statistics rebuilt). The public page cache is keyed by it and its token (spotcheck.public.
    cache): drafts, notices and recording leave cached pages in place, anything the pages show
    replaces them, and a restore followed by a change never brings back pages cached after the
    backup (`new_token`)."""

    ROW = 1

    version = models.PositiveBigIntegerField("版本", default=0)
    token = models.CharField("版本标记", max_length=32, default=new_token)
    changed_at = models.DateTimeField("最近变化时间", null=True, blank=True)

    class Meta:
        verbose_name = "公示网站版本"
        verbose_name_plural = "公示网站版本"

    def __str__(self) -> str:
        return str(self.version)


def note_public_change(*years: int, now: datetime | None = None) -> None:
    """Move the portal's version and the publication version of `years` (none: a change of the
    public pages alone); call inside the action's transaction, with the action's `now`."""
    now = now or timezone.now()
    _move(PortalVersion, {"pk": PortalVersion.ROW}, now)
    for year in sorted(set(years)):
        _move(PublicVersion, {"year": year}, now)


def _move(model: Any, row: dict[str, Any], now: datetime) -> None:
    changed = model.objects.filter(**row)
    if changed.update(version=F("version") + 1, token=new_token(), changed_at=now):
        return
    try:
        with transaction.atomic():
            model.objects.create(**row, version=1, token=new_token(), changed_at=now)
    except IntegrityError:  # created meanwhile by a concurrent action
        changed.update(version=F("version") + 1, token=new_token(), changed_at=now)


def public_version(year: int) -> int:
    return PublicVersion.objects.filter(year=year).values_list("version", flat=True).first() or 0


def version_key(version: int | None, token: str | None) -> str:
    """A version as caches and builds are keyed by it: its number and its token (`new_token`;
    none before the first change)."""
    return f"{version or 0}.{token or ''}"


def public_key(year: int) -> str:
    """The year's publication version as `version_key` (what its open-data files are built at)."""
    row = PublicVersion.objects.filter(year=year).values_list("version", "token").first()
    return version_key(*(row or (None, None)))
