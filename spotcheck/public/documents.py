"""The published verifiable documents, built in one place for the portal and the JSON API.

`draw_json` is THE draw.json of a draw: its verifiable document and, once the round's teams are
matched, the round's public matching record under `teams`; `teams_json` is a matching's public
record. Both are served only when the stored rows agree with what can be verified; otherwise
`DocumentWithheld` says why, and each caller words it its own way (a 409 page, a 409 answer).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from django.urls import reverse

from spotcheck.draws import integrity
from spotcheck.draws.models import Draw
from spotcheck.inspections.exports import draw_document_with_teams_bytes, round_matching
from spotcheck.inspections.integrity import matching_problems
from spotcheck.inspections.models import TeamMatching

TAMPERED = "存储的记录与可核验的文档不一致，暂停提供下载"


@dataclass
class DocumentWithheld(Exception):
    """The document is not served: `title` and `problems` say why, `advice` what to do,
    `links` (url, text) where to look instead."""

    title: str
    problems: list[str]
    advice: str
    links: list[tuple[str, str]] = field(default_factory=list)

    def __str__(self) -> str:
        return f"{self.title}：{'；'.join(self.problems)}"


class NotExecuted(LookupError):
    """The draw has no document yet."""


def draw_json(draw: Draw) -> bytes:
    """The one draw.json of an executed public draw, with the round's teams once matched."""
    if draw.status != Draw.Status.EXECUTED:
        raise NotExecuted("抽取尚未执行，还没有抽取文档")
    match = round_matching(draw)
    problems = integrity.stored_rows_problems(draw) + (matching_problems(match) if match else [])
    if problems:
        raise DocumentWithheld(
            TAMPERED,
            problems,
            "公告页面同样暂停显示抽中名单。请告知发布机关：由系统管理员运行 spotcheck audit "
            "verify 查明哪条记录被改动。",
            [(reverse("public:bulletin", args=[draw.pk]), "本次抽取的公告")],
        )
    try:
        return draw_document_with_teams_bytes(draw)
    except ValueError as exc:  # attach_teams refuses teams that would not verify for this draw
        links = [(reverse("public:bulletin", args=[draw.pk]), "本次抽取的公告")]
        if match is not None:
            links.append(
                (reverse("public:matching_json", args=[match.pk]), "检查组匹配文档 teams.json")
            )
            links.append((reverse("public:matching", args=[match.pk]), "检查组匹配页面"))
        raise DocumentWithheld(
            "检查组不能附在这份抽取文档中",
            [str(exc)],
            "检查组请下载检查组匹配文档（teams.json）单独核验：python3 verify_draw.py teams.json。"
            "核验器按其中的种子来源（seed_source）由本轮各抽取公开的种子复算检查组种子，"
            "再由种子复算各检查组。",
            links,
        ) from exc


def teams_json(match: TeamMatching) -> bytes:
    """A matching's public record (teams.json), verified against the stored rows first."""
    problems = matching_problems(match)
    if problems:
        raise DocumentWithheld(
            TAMPERED,
            problems,
            "请立即告知系统管理员：由管理员运行 spotcheck audit verify 查明哪条记录被改动。",
            [(reverse("public:bulletins"), "抽查公告")],
        )
    return json.dumps(match.public_document(), ensure_ascii=False, indent=2).encode("utf-8")


def redirect_to_portal(portal_path: str) -> dict[str, object]:
    """The OpenAPI description of an API document endpoint's redirect: the document has one
    address, the portal's (`portal_path`), served from its page cache."""
    location = {
        "description": f"公示网站上该文档的地址（{portal_path}）",
        "schema": {"type": "string"},
    }
    return {"description": "重定向到公示网站的同一文档", "headers": {"Location": location}}
