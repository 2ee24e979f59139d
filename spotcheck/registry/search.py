"""Directory search: pinyin keys computed fast enough for a million names, and the query a
search box turns into.

`search_keys` gives exactly what `spotcheck.lib.pinyin.search_keys` gives (a test compares
them on the demo county and on tricky names) but memoises pypinyin's per-word conversion.
pypinyin segments a name into words and converts each word on its own; names in a directory
share most of their words (沂源县, 有限公司, town names, trade names), so after the first few
thousand names nearly every word is a dictionary hit. Measured on the demo county: about
230 µs a name for the library function (two pypinyin calls), about 25 µs here.
"""

import re
import unicodedata

from django.db.models import Q
from pypinyin import Style
from pypinyin.core import _default_pinyin

from spotcheck.lib.codes import normalise_code
from spotcheck.lib.pinyin import _ascii_key

_MAX_CACHED_WORDS = 200_000
_word_keys: dict[str, tuple[str, str]] = {}


def _convert(word: str, style: Style) -> str:
    converted = _default_pinyin._converter.convert(word, style, False, "default", strict=False)
    return "".join(item for items in converted for item in items)


def search_keys(name: str) -> tuple[str, str]:
    """Full pinyin and initials of a name, as `spotcheck.lib.pinyin.search_keys` computes them."""
    text = unicodedata.normalize("NFKC", name)
    full: list[str] = []
    initials: list[str] = []
    for word in _default_pinyin.seg(text):
        keys = _word_keys.get(word)
        if keys is None:
            if len(_word_keys) >= _MAX_CACHED_WORDS:
                _word_keys.clear()
            keys = (_convert(word, Style.NORMAL), _convert(word, Style.FIRST_LETTER))
            _word_keys[word] = keys
        full.append(keys[0])
        initials.append(keys[1])
    return _ascii_key(full), _ascii_key(initials)


_CODE_LIKE = re.compile(r"(?=.*\d)[0-9A-Z]{4,18}")
_LETTERS = re.compile(r"[a-z]+")


def search_query(text: str, *, code_fields: tuple[str, ...] = ("public_id",)) -> Q | None:
    """The filter a search box means, or None for an empty box.

    - letters and digits with at least one digit (4 to 18 of them): a code prefix
      (统一社会信用代码, 注册号, 执法证号), matched on the indexed column;
    - Latin letters only: pinyin initials or full pinyin anywhere in the name
      (``ylbg`` finds 沂源县悦来宾馆, ``yuelai`` too);
    - anything else: part of the name.
    """
    cleaned = " ".join(text.split())
    if not cleaned:
        return None
    code = normalise_code(cleaned)
    if _CODE_LIKE.fullmatch(code):
        query = Q()
        for field in code_fields:
            query |= Q(**{f"{field}__startswith": code})
        return query | Q(name__contains=cleaned)
    letters = "".join(cleaned.lower().split())
    if _LETTERS.fullmatch(letters):
        return (
            Q(pinyin_initials__contains=letters)
            | Q(pinyin__contains=letters)
            | Q(name__icontains=cleaned)
        )
    return Q(name__contains=cleaned)
