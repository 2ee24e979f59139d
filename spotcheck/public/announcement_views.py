"""A result publication batch (公示批次) as announced: its date and the records it published."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from spotcheck.public.cache import cached_page
from spotcheck.public.models import Publication
from spotcheck.public.selectors import published_versions


@cached_page
def batch(request: HttpRequest, publication_id: int) -> HttpResponse:
    publication = get_object_or_404(Publication.objects.select_related("agency"), pk=publication_id)
    records = list(
        published_versions().filter(publication=publication).order_by("entity_name", "pk")
    )
    if not records:
        raise Http404("该公示批次没有公开的检查结果")
    context = {"publication": publication, "records": records}
    return render(request, "public/batch.html", context)
