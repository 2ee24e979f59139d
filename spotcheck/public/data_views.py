"""Open data (开放数据) and the per-draw verification kit (核验包).

/public/data/ lists each year's files with their SHA-256, row counts and build time (from the
year's manifest); /public/data/YEAR/NAME serves one file (plans|draws|results, .csv|.json) from
disk (spotcheck.public.opendata: built offline, served only while current); /public/data/schema/ renders
docs/open-data.md from the package. /public/draws/ID/kit.zip bundles what one needs to check a
draw offline: the verifier, draw.json, the frozen population text and a README in Chinese.
"""

from __future__ import annotations

import io
import zipfile

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import http_date
from django.utils.safestring import mark_safe

from spotcheck import kit
from spotcheck.draws.markdown import render_markdown
from spotcheck.inspections.exports import round_matching
from spotcheck.lib import opendata as spec
from spotcheck.public import opendata
from spotcheck.public.cache import cached_page
from spotcheck.public.selectors import published_draws
from spotcheck.public.views import draw_document_or_refusal


def data_index(request: HttpRequest) -> HttpResponse:
    """Not from the page cache: a build finishing offline changes it without an audited action.
    Reads a manifest and the version per year; a small stale year is rebuilt here."""
    years = []
    for year in opendata.years():
        state = opendata.year_files(year)
        files = state.manifest.all_files() if state.current and state.manifest else []
        years.append((year, state, [(spec.DATASETS[f.dataset].title, f) for f in files]))
    return render(request, "public/data_index.html", {"years": years})


@cached_page
def data_schema(request: HttpRequest) -> HttpResponse:
    document = render_markdown(kit.document_text("open-data.md"))
    context = {"document": mark_safe(document)}  # noqa: S308 - escaped by render_markdown
    return render(request, "public/data_schema.html", context)


REBUILD_RETRY_SECONDS = 300


def data_download(request: HttpRequest, year: int, filename: str) -> HttpResponse:
    """The file as last built, when current; a year whose files are stale or missing and too
    large to build now gets a page saying so (503, Retry-After), never the stale file."""
    dataset, _, fmt = filename.partition(".")
    if dataset not in spec.DATASETS or fmt not in spec.FORMATS:
        raise Http404("没有这个数据文件")
    if year not in opendata.years():
        raise Http404("该年度没有公开的抽查计划")
    state = opendata.year_files(year)
    if not state.current or state.manifest is None:
        context = {"year": year, "filename": filename, "manifest": state.manifest}
        response = render(request, "public/data_rebuilding.html", context, status=503)
        response["Retry-After"] = str(REBUILD_RETRY_SECONDS)
        return response
    data = state.manifest.file(dataset, fmt)
    response = FileResponse(
        data.path.open("rb"),
        as_attachment=True,
        filename=f"{year}-{data.filename}",
        content_type=data.content_type,
    )
    built_at = state.manifest.built_at
    response["Last-Modified"] = http_date(built_at.timestamp())
    response["ETag"] = f'"{data.sha256}"'
    response["X-Open-Data-Built-At"] = timezone.localtime(built_at).isoformat()
    return response


KIT_README = """核验包：{title}

本包用于离线核验一次抽取（双随机抽查的“随机抽取检查对象”）是否如实进行。

文件
  verify_draw.py   核验脚本：单个文件，只使用 Python 3.8 及以上版本的标准库，不需要安装任何软件包，可先打开阅读。
  draw.json        抽取文档：名录、种子、各层抽取数、抽中名单和替补记录{teams}。
  population.txt   掷骰前冻结的检查对象名录（规范文本），它的 SHA-256 就是公布的名录哈希。
  README.txt       本说明。

一、运行核验脚本
  在本目录中打开命令行，运行：

    python3 verify_draw.py draw.json --population-hash {population_hash}

  （Windows 上可能是 python 或 py 而不是 python3。）
  脚本逐项复算名录哈希、各层抽取数、种子和抽中名单，每项输出一行；
  最后一行是 VERIFIED 表示全部一致（退出码 0），是 MISMATCH: … 表示有不一致之处，并指出是哪一项（退出码 1）。

二、核对名录哈希
  上面命令中的名录哈希应与掷骰之前公布的哈希一致：请与公告页、订阅（Atom）或您此前保存的公告对照，
  不要只相信本包里的这份说明。也可以直接计算 population.txt 的 SHA-256：
    Linux / macOS：sha256sum population.txt   （macOS 也可用 shasum -a 256 population.txt）
    Windows：       certutil -hashfile population.txt SHA256
  应得到：{population_hash}

公告页：{bulletin}
核验方法的完整说明：{verify}
"""


def _kit_info(name: str, when: tuple[int, int, int, int, int, int]) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=when)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    return info


@cached_page
def verification_kit(request: HttpRequest, draw_id: int) -> HttpResponse:
    """draw-ID-kit.zip: the same bytes for every download of an unchanged draw."""
    draw = get_object_or_404(published_draws(), pk=draw_id)
    document = draw_document_or_refusal(request, draw)
    if isinstance(document, HttpResponse):
        return document
    item = draw.item
    title = (
        f"{item.plan.agency.name} {item.plan.year}年 {item.heading}"
        f" 第{draw.round_number}轮抽取（抽取编号 {draw.pk}）"
    )
    readme = KIT_README.format(
        title=title,
        teams="，以及本轮检查组匹配记录（teams）" if round_matching(draw) else "",
        population_hash=draw.population_hash,
        bulletin=request.build_absolute_uri(reverse("public:bulletin", args=[draw.pk])),
        verify=request.build_absolute_uri(reverse("public:verify")),
    )
    assert draw.executed_at is not None  # draw_document_or_refusal: executed draws only
    when = timezone.localtime(draw.executed_at).timetuple()[:6]
    folder = f"draw-{draw.pk}-kit"
    files = [
        (kit.VERIFIER_NAME, kit.verifier_bytes()),
        ("draw.json", document),
        ("population.txt", draw.population_text().encode("utf-8")),
        ("README.txt", readme.replace("\n", "\r\n").encode("utf-8")),
    ]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files:
            archive.writestr(_kit_info(f"{folder}/{name}", when), data)
    response = HttpResponse(buffer.getvalue(), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{folder}.zip"'
    return response
