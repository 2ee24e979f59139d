"""The standard kinds of inspected entity, with the phrases plans and directories use for them.

A plan names its targets in prose ("各类宾馆、旅店"); the directory files name a type
("宾馆旅店"). Both resolve to one canonical name here.
"""

import re

STANDARD_TARGET_TYPES: dict[str, tuple[str, ...]] = {
    "宾馆旅店": ("各类宾馆、旅店", "宾馆、旅店", "宾馆", "旅店", "旅馆", "酒店"),
    "易制毒化学品使用企业": ("使用易制毒化学品的企业", "易制毒化学品购买单位", "易制毒"),
    "保安服务公司": ("保安公司",),
    "医药公司": ("各类医药公司", "危险化学品单位", "医药公司/危险化学品单位"),
    "互联网服务提供者和联网使用单位": ("互联网服务提供者", "联网使用单位", "网络服务单位"),
    "大型群众性活动承办单位": ("对大型群众性活动的承办单位", "大型群众性活动的承办单位"),
    "焰火燃放活动主办单位": ("焰火晚会以及其他大型焰火燃放活动的主办单位",),
    "排放偶发性强烈噪声单位": (),
    "重大网络安全保卫任务相关单位": (
        "与国家重大网络安全保卫任务相关的互联网服务提供者和联网使用单位",
    ),
}

_SPACES = re.compile(r"\s+")


def normalize_type_phrase(text: str) -> str:
    return _SPACES.sub("", text).strip("，,。；;")


def standard_type_for(phrase: str) -> str | None:
    """The canonical type a phrase names, or None when the phrase is not a known one."""
    wanted = normalize_type_phrase(phrase)
    for name, aliases in STANDARD_TARGET_TYPES.items():
        if wanted == name or wanted in aliases:
            return name
    return None
