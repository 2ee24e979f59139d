"""What of a result the public sees (检查结果公示): masking rules and the public labels.

Pure functions, no Django. Public per result: the entity's name and credit code, the task (plan
item and draw), 检查实施机关, the check type, the date, the result category and the follow-up
state. Never: photos, notes, a natural person's data, phone numbers. An entity that may be run
by a natural person — a sole trader (个体工商户) by its code, or one whose code does not say
what it is (none: an unregistered trader, an event organiser entered by name) — has the
operator's name masked wherever it appears in its name (张三 -> 张*), and a name that is only a
person's name masked as one.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from datetime import date
from enum import StrEnum
from typing import Any

import orjson

MASK = "*"

# Two-character surnames (复姓) kept whole when masking; any other name keeps its first character.
COMPOUND_SURNAMES = frozenset(
    [
        "欧阳",
        "司马",
        "上官",
        "诸葛",
        "东方",
        "皇甫",
        "尉迟",
        "公孙",
        "慕容",
        "长孙",
        "宇文",
        "司徒",
        "夏侯",
        "轩辕",
        "令狐",
        "钟离",
        "端木",
        "南宫",
        "西门",
        "独孤",
        "呼延",
        "万俟",
        "闻人",
        "澹台",
        "公冶",
        "太史",
        "申屠",
        "濮阳",
        "百里",
        "东郭",
        "北堂",
    ]
)

_HAN_NAME = re.compile(r"^[\u3400-\u9fff·]{2,6}$")
# Words that make a name a business's name (字号 / 行业 / 组织形式), not a person's.
_BUSINESS_WORDS = re.compile(
    r"店|馆|部|厂|行|社|中心|公司|场|所|坊|铺|吧|厅|院|室|站|园|楼|城|超市|宾|旅|酒|宿|栈|屋|庄"
)
# Mobile numbers (1[3-9]xxxxxxxxx) and landlines (0xx-xxxxxxx), also written with spaces/dashes.
_PHONE = re.compile(
    r"(?<!\d)(?:1[3-9]\d[\s-]?\d{4}[\s-]?\d{4}|0\d{2,3}[\s-]?\d{7,8}|\d{7,8})(?!\d)"
)


def mask_person_name(name: str) -> str:
    """A natural person's name as published: the surname kept, every other character a mask
    (张三 -> 张*, 欧阳娜娜 -> 欧阳**). Blank stays blank; one character becomes a mask."""
    name = name.strip()
    if not name:
        return ""
    keep = 2 if name[:2] in COMPOUND_SURNAMES and len(name) > 2 else 1
    if len(name) == 1:
        return MASK
    return name[:keep] + MASK * (len(name) - keep)


# GS 15-2006 (工商行政管理注册号编制规则): the 7th digit of a 15-digit 注册号, the first of its
# sequence, says who registered: 内资企业 0-3, 外资企业 4-5, 个体工商户 6-9.
_SOLE_TRADER_SEQUENCE_STARTS = frozenset("6789")


def _is_registration_number(code: str) -> bool:
    return len(code) == 15 and code.isascii() and code.isdigit()


def is_sole_trader(credit_code: str) -> bool:
    """个体工商户 by its code: a unified social credit code registered by 市场监管 (9) in
    category 2 ("92…"), or an old 15-digit 注册号 whose 7th digit is 6-9."""
    code = credit_code.strip().upper()
    if len(code) == 18:
        return code.startswith("92")
    return _is_registration_number(code) and code[6] in _SOLE_TRADER_SEQUENCE_STARTS


def may_be_natural_person(credit_code: str) -> bool:
    """Whether the entity's name may hold a natural person's data: a sole trader, or any entity
    whose code does not identify an organisation (no code, or not a code at all). Only an
    organisation's 18-character code, or a 注册号 of an enterprise, says it is not a person."""
    code = credit_code.strip()
    # codes are ASCII; and str.upper() lengthens some letters ("ß" -> "SS"), so 17 characters
    # of junk could pass for an 18-character code
    if not code.isascii():
        return True
    code = code.upper()
    if is_sole_trader(code):
        return True
    return not ((len(code) == 18 and code.isalnum()) or _is_registration_number(code))


def mask_phone_numbers(text: str) -> str:
    """Every phone number in `text` replaced by masks of the same length."""
    return _PHONE.sub(lambda m: MASK * len(m.group(0)), text)


def is_masked_form(public: str, original: str) -> bool:
    """Whether `public` is `original` with some characters masked: every rule here masks in
    place, one mask for one character, so a public name shows no character the name as drawn
    lacks (a name changed, not masked, is not one)."""
    original = original.strip()
    return len(public) == len(original) and all(
        p in (o, MASK) for p, o in zip(public, original, strict=True)
    )


def looks_like_person_name(name: str) -> bool:
    """2–6 Han characters with no business word: what a sole trader without a 字号 is called."""
    return bool(_HAN_NAME.match(name)) and not _BUSINESS_WORDS.search(name)


def public_entity_name(name: str, *, credit_code: str = "", operators: Iterable[str] = ()) -> str:
    """The entity's name as published: phone numbers masked; for an entity that may be run by
    a natural person (`may_be_natural_person`), each operator name (经营者) masked where it
    appears, and a bare personal name masked as one."""
    public = mask_phone_numbers(name.strip())
    if not may_be_natural_person(credit_code):
        return public
    for operator in sorted(
        {o.strip() for o in operators if o and o.strip()}, key=len, reverse=True
    ):
        if len(operator) >= 2:
            public = public.replace(operator, mask_person_name(operator))
    if looks_like_person_name(public):
        public = mask_person_name(public)
    return public


def displayed_snapshot(snapshot: dict[str, Any], *, inspector_names: bool) -> dict[str, Any]:
    """A published snapshot as shown now (result page and open data alike): the inspectors'
    names only while the agency's setting allows them, even if it did at publication."""
    if inspector_names or "inspectors" not in snapshot:
        return snapshot
    return {key: value for key, value in snapshot.items() if key != "inspectors"}


# --- labels ---------------------------------------------------------------------------------

CHECK_TYPES: dict[str, str] = {
    "joint": "部门联合双随机抽查",
    "internal": "双随机抽查",
    "": "双随机抽查",
}
"""检查类型 by the plan item's mode (PlanItem.Mode); an unknown mode reads as 双随机抽查."""


def item_heading(number: object, name: str) -> str:
    """An item as the public reads it: "事项3 名称", or the name alone when the item has no
    number (its key is then "p" and its position, which is no number to show)."""
    shown = "" if number is None else str(number).strip()
    if not shown or shown.startswith("p"):
        return name
    return f"事项{shown} {name}".rstrip()


def check_type(mode: str) -> str:
    return CHECK_TYPES.get(mode, CHECK_TYPES[""])


class FollowUp(StrEnum):
    NONE = "none"
    OPEN = "open"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return _FOLLOW_UP_LABELS[self]


_FOLLOW_UP_LABELS = {
    FollowUp.NONE: "无后续处置",
    FollowUp.OPEN: "后续处置中",
    FollowUp.CLOSED: "后续处置已办结",
}


def follow_up_state(closed: Iterable[bool]) -> FollowUp:
    """The follow-up state of an item from whether each of its measures is closed."""
    flags = list(closed)
    if not flags:
        return FollowUp.NONE
    return FollowUp.CLOSED if all(flags) else FollowUp.OPEN


class Deadline(StrEnum):
    MET = "met"
    OVERDUE = "overdue"
    PENDING = "pending"
    UNKNOWN = "unknown"

    @property
    def label(self) -> str:
        return _DEADLINE_LABELS[self]

    @property
    def published_label(self) -> str:
        """A published record's timeliness as the public reads it beside its date: 按期公示 or
        逾期公示; nothing when it had no deadline (a record is never pending once published)."""
        return _PUBLISHED_LABELS.get(self, "")


_PUBLISHED_LABELS = {Deadline.MET: "按期公示", Deadline.OVERDUE: "逾期公示"}
_DEADLINE_LABELS = {
    Deadline.MET: "按期公示",
    Deadline.OVERDUE: "逾期",
    Deadline.PENDING: "未到期",
    Deadline.UNKNOWN: "无公示期限",
}


def deadline_state(due_on: date | None, published_on: date | None, today: date) -> Deadline:
    """Met when published on or before the due day; overdue when published later, or not yet
    published after it; pending before it; unknown without a due day."""
    if due_on is None:
        return Deadline.UNKNOWN
    if published_on is not None:
        return Deadline.MET if published_on <= due_on else Deadline.OVERDUE
    return Deadline.OVERDUE if today > due_on else Deadline.PENDING


def suppress_small_counts(counts: dict[str, int], *, threshold: int) -> dict[str, int | None]:
    """Statistics as published: a count below `threshold` (but above zero) could point at one
    entity, so it is shown as None ("<threshold")."""
    return {key: (None if 0 < n < threshold else n) for key, n in counts.items()}


def snapshot_sha256(snapshot: dict[str, Any]) -> str:
    """The published record's content hash (canonical JSON), stored beside it at publication."""
    text = json.dumps(snapshot, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def published_sha256(snapshot: dict[str, Any], stored_sha256: str, *, inspector_names: bool) -> str:
    """The content hash a record publishes (pages, open data): the hash of what is published.
    While the snapshot is shown whole that is the hash stored at publication; when part of it is
    hidden now (the inspectors' names, once the agency's setting is off) it is the hash of the
    displayed snapshot, never the stored one: hashing guessed names from a roster against the
    stored hash would recover the hidden names. Integrity checks still compare the stored
    snapshot with the stored hash (`snapshot_matches`)."""
    shown = displayed_snapshot(snapshot, inspector_names=inspector_names)
    return stored_sha256 if shown is snapshot else snapshot_sha256(shown)


def snapshot_matches(snapshot: dict[str, Any], stored_sha256: str) -> bool:
    """`snapshot_sha256(snapshot) == stored_sha256`, a few times faster where it holds (every
    list of records checks each one): orjson's sorted, compact UTF-8 is the canonical text for
    the strings, whole numbers and nesting a snapshot holds, and when its hash matches, that
    text is the one published. Anything it writes otherwise (a float, a huge number) or cannot
    write only misses the hash: then the canonical text decides."""
    if _fast_matches(snapshot, stored_sha256):
        return True
    return snapshot_sha256(snapshot) == stored_sha256


def _fast_matches(snapshot: dict[str, Any], stored_sha256: str) -> bool:
    # orjson's sorted compact text hashed: the canonical text's hash where it matches at all
    try:
        fast = orjson.dumps(snapshot, option=orjson.OPT_SORT_KEYS)
    except orjson.JSONEncodeError:
        return False
    return hashlib.sha256(fast).hexdigest() == stored_sha256


def matching_snapshot(text: str, stored_sha256: str) -> dict[str, Any] | None:
    """The snapshot stored as JSON `text` when it matches its stored hash, else None: what a
    list shows of a record it reads as text (no JSONField decoding, no check of the decoded
    value's numbers). orjson reads it first: where its reading encodes to the hashed text,
    that reading is the snapshot (a number orjson reads otherwise, an integer past 64 bits
    read as a float, encodes otherwise and misses the hash); else the standard library's
    reading and the canonical text decide, as `snapshot_matches` does."""
    try:
        fast = orjson.loads(text)
    except orjson.JSONDecodeError:
        fast = None
    if isinstance(fast, dict) and _fast_matches(fast, stored_sha256):
        return fast
    try:
        exact = json.loads(text)
    except ValueError:  # not JSON (a damaged record): it matches nothing
        return None
    try:
        matches = isinstance(exact, dict) and snapshot_sha256(exact) == stored_sha256
    except UnicodeEncodeError:  # a lone surrogate: no published snapshot holds one
        return None
    return exact if matches else None
