"""A result publication batch (公示批次) as announced: its date and the records it published
(earlier versions a correction superseded included, marked), paged: a batch may be large."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from spotcheck.paging import page_number
from spotcheck.public.cache import cached_page
from spotcheck.public.models import Publication
from spotcheck.public.rows import result_rows, result_table, row_values
from spotcheck.public.selectors import published_versions

BATCH_PAGE_SIZE = 100


@cached_page
def batch(request: HttpRequest, publication_id: int) -> HttpResponse:
    publication = get_object_or_404(Publication.objects.select_related("agency"), pk=publication_id)
    rows = published_versions().filter(publication=publication).order_by("entity_name", "pk")
    count = rows.count()
    if not count:
        raise Http404("该公示批次没有公开的检查结果")
    number = page_number(request.GET.get("page"))
    start = (number - 1) * BATCH_PAGE_SIZE
    page = {
        "number": number,
        "has_previous": number > 1,
        "has_next": start + BATCH_PAGE_SIZE < count,
        "query": "",
    }
    context = {
        "publication": publication,
        "table": result_table(
            result_rows(row_values(rows)[start : start + BATCH_PAGE_SIZE]),
            caption=f"{publication.published_on:%Y-%m-%d}公示的检查结果",
        ),
        "count": count,
        "page": page,
    }
    return render(request, "public/batch.html", context)
