"""What a server process makes once before its first request: `warm_up`.

gunicorn imports the application in its master and forks the workers from it (preload_app),
so what is made here is made once and shared. Left to the first requests, every worker paid it
on its first public page: the release key (a walk over the package's files, 60-110 ms), the
templates' parsing and the URL resolver, some 65 ms more than a page's own work each, in the
slowest hundredth of a load test's requests. No database connection is opened here: one opened
before the fork would be shared by the workers.
"""

from __future__ import annotations

from pathlib import Path

from django.template import TemplateDoesNotExist, TemplateSyntaxError
from django.template.loader import get_template
from django.urls import reverse

TEMPLATES = Path(__file__).resolve().parent / "templates"


def warm_up() -> list[str]:
    """Compute the release key, parse the package's templates and fill the URL resolver;
    the names of the templates parsed."""
    from spotcheck.public.cache import release_key

    release_key()
    reverse("public:search")  # fills the URL resolver
    parsed = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        name = path.relative_to(TEMPLATES).as_posix()
        try:
            get_template(name)
        except (TemplateDoesNotExist, TemplateSyntaxError):  # left to the request to report
            continue
        parsed.append(name)
    return parsed
