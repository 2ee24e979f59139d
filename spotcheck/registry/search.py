"""Directory search: the query a search box turns into, and the pinyin keys it matches
(computed by `rowwork.search_keys`, exactly as `spotcheck.lib.pinyin.search_keys` does)."""

import re

from django.db.models import Q

from spotcheck.lib.codes import normalise_code
from spotcheck.lib.pinyin import name_key
from spotcheck.registry.rowwork import search_keys

__all__ = ["search_keys", "search_query"]

_CODE_LIKE = re.compile(r"(?=.*\d)[0-9A-Z]{4,18}")
_LETTERS = re.compile(r"[a-z]+")


def code_prefix(field: str, prefix: str) -> Q:
    """`field` starts with `prefix`, as a range on the index (LIKE 'x%' cannot use a B-tree
    index on SQLite, nor on PostgreSQL without a pattern-ops index)."""
    return prefix_range(field, prefix, prefix_end(prefix))


def prefix_end(prefix: str) -> str:
    """The first text past every text that starts with `prefix` (not empty)."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


def prefix_range(field: str, start: str, end: str) -> Q:
    """`field` from `start` up to (not including) `end`: `code_prefix` with its bounds given."""
    return Q(**{f"{field}__gte": start, f"{field}__lt": end})


def search_query(text: str, *, code_fields: tuple[str, ...] = ("public_id",)) -> Q | None:
    """The filter a search box means, or None for an empty box.

    - letters and digits with at least one digit (4 to 18 of them): a code prefix
      (统一社会信用代码, 注册号, 执法证号), matched as a range on the indexed column;
    - Latin letters only: pinyin initials or full pinyin anywhere in the name
      (``ylbg`` finds 沂源县悦来宾馆, ``yuelai`` too), or part of the name;
    - anything else: part of the name.

    Names are compared by their `name_key` (spotcheck.lib.pinyin.name_key, the public search's
    folding): fullwidth letters and digits as ASCII, case folded, whitespace dropped.
    """
    cleaned = " ".join(text.split())
    if not cleaned:
        return None
    code = normalise_code(cleaned)
    if _CODE_LIKE.fullmatch(code):
        query = Q()
        for field in code_fields:
            query |= code_prefix(field, code)
        return query
    probe = name_key(cleaned)  # as the public search: "ＡＢＣ" finds ABC, "沂源 宾馆" 沂源宾馆
    part_of_name = Q(name_key__contains=probe)
    if _LETTERS.fullmatch(probe):
        return Q(pinyin_initials__contains=probe) | Q(pinyin__contains=probe) | part_of_name
    return part_of_name
