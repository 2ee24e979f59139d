"""The server's warm-up (spotcheck.warmup, run by spotcheck.wsgi before gunicorn forks its
workers) makes the release key, the templates and the URL resolver, and opens no database
connection (no `db` fixture here: a query would fail the test)."""

from django.template import engines

from spotcheck.public.cache import release_key
from spotcheck.warmup import TEMPLATES, warm_up


def test_warm_up_parses_every_template_and_makes_the_release_key():
    release_key.cache_clear()
    parsed = warm_up()
    assert set(parsed) == {p.relative_to(TEMPLATES).as_posix() for p in TEMPLATES.rglob("*.html")}
    assert {"base.html", "public/search.html", "public/task_results.html"} <= set(parsed)
    assert release_key.cache_info().currsize == 1
    loader = engines["django"].engine.template_loaders[0]
    assert "public/search.html" in loader.get_template_cache
