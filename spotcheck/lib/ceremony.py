"""The seed ceremony's one rule: witnesses' names and dice digits, and an optional beacon.

Both places where a seed is rolled in public use it: the draw of an item's targets (one draw, or
several draws of a round sharing one ceremony) and the team of an event-driven visit (no draw
exists). `check_ceremony` validates and normalises what was typed and refuses, naming the witness
(第N名见证人) and the rule:

- control characters (C0, DEL, C1; tab and line breaks too) anywhere;
- fewer witnesses than the minimum (never below `drawdoc.MIN_WITNESSES`);
- a witness without a name, or two witnesses with the same name. Names are compared after
  NFKC (full-width letters and spaces become ASCII), case folding, and removing all whitespace
  and invisible format characters: "张三", " 张　三 " and "张三\\u200b" are one person;
- dice digits other than 0-9 (full-width digits are not dice digits) after removing spaces;
- fewer digits in total than the minimum (never below `drawdoc.MIN_SEED_DIGITS`);
- a beacon longer than `drawdoc.MAX_BEACON_CHARS` (after stripping; blank means no beacon).

The seed itself is composed by `drawdoc.compose_seed` (the rule the verifier re-runs).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from spotcheck.lib.drawdoc import (
    MAX_BEACON_CHARS,
    MIN_SEED_DIGITS,
    MIN_WITNESSES,
    Witness,
    compose_seed,
)
from spotcheck.lib.text import describe_control, find_control

__all__ = ["Ceremony", "CeremonyError", "check_ceremony", "name_key", "normalise_name"]


class CeremonyError(ValueError):
    """A ceremony input that breaks the rule; the message (Chinese) names the witness and rule."""


@dataclass(frozen=True)
class Ceremony:
    """What a ceremony recorded, normalised: witnesses in the order they rolled, and the beacon."""

    witnesses: tuple[Witness, ...]
    beacon: str | None

    @property
    def seed(self) -> str:
        return compose_seed([w.digits for w in self.witnesses], self.beacon)


def normalise_name(name: str) -> str:
    """The name as recorded: stripped, every run of whitespace (full-width too) one space."""
    return " ".join(name.split())


def name_key(name: str) -> str:
    """What makes two witnesses' names the same person: NFKC, case folded, without whitespace
    or invisible format characters (zero-width spaces and joiners)."""
    folded = unicodedata.normalize("NFKC", name).casefold()
    return "".join(c for c in folded if not c.isspace() and unicodedata.category(c) != "Cf")


def _refuse_control(text: str, what: str) -> None:
    position = find_control(text)
    if position is not None:
        raise CeremonyError(
            f"{what}第{position + 1}个字符是控制字符{describe_control(text[position])}，不能接受"
        )


def check_ceremony(
    witnesses: Sequence[tuple[str, str]],
    beacon: str | None,
    *,
    min_witnesses: int = MIN_WITNESSES,
    min_digits: int = MIN_SEED_DIGITS,
) -> Ceremony:
    """Validate and normalise a ceremony's (name, digits) pairs and beacon, or raise
    `CeremonyError`. The minimums may be raised by configuration, never lowered below the
    library's."""
    min_witnesses = max(min_witnesses, MIN_WITNESSES)
    min_digits = max(min_digits, MIN_SEED_DIGITS)
    for position, (name, digits) in enumerate(witnesses, start=1):
        _refuse_control(name, f"第{position}名见证人的姓名")
        _refuse_control(digits, f"第{position}名见证人的骰子数字")
    if beacon is not None:
        _refuse_control(beacon, "公共随机信标值")
    if len(witnesses) < min_witnesses:
        raise CeremonyError(f"至少需要{min_witnesses}名见证人（当前{len(witnesses)}名）")
    parts = [(normalise_name(name), "".join(digits.split())) for name, digits in witnesses]
    seen: dict[str, int] = {}
    for position, (name, _) in enumerate(parts, start=1):
        key = name_key(name)
        if not key:
            raise CeremonyError(f"第{position}名见证人须填写姓名")
        if key in seen:
            raise CeremonyError(
                f"第{position}名见证人“{name}”与第{seen[key]}名见证人姓名相同：见证人姓名不能重复，"
                "每名见证人各掷一次骰子"
            )
        seen[key] = position
    for position, (name, digits) in enumerate(parts, start=1):
        if not (digits and digits.isascii() and digits.isdigit()):
            raise CeremonyError(
                f"第{position}名见证人“{name}”的骰子结果只能包含数字0–9，且不能为空"
            )
    total = sum(len(digits) for _, digits in parts)
    if total < min_digits:
        raise CeremonyError(f"种子至少需要{min_digits}位数字（当前{total}位）")
    beacon = beacon.strip() if beacon is not None else None
    if beacon and len(beacon) > MAX_BEACON_CHARS:
        raise CeremonyError(
            f"公共随机信标值最多{MAX_BEACON_CHARS}个字符，现有{len(beacon)}个"
            "（信标值通常是一串十六进制数字）"
        )
    return Ceremony(
        witnesses=tuple(Witness(name, digits) for name, digits in parts), beacon=beacon or None
    )
