"""`spotcheck clear-public-cache`: empty the portal's page cache.

`make serve` runs it after collectstatic: the pages an earlier release cached would not be
served anyway (their key holds that release: spotcheck.public.cache.release_key), but they
would stay on disk until they expire or the cache culls them. The README's restore steps run
it too (the pages cached after the backup are not served either: their key holds the portal
version's token, spotcheck.public.models.new_token).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from spotcheck.public.cache import clear_public_pages


class Command(BaseCommand):
    help = "清空公示网站的页面缓存"

    def handle(self, *args: Any, **options: Any) -> None:
        clear_public_pages()
        if options["verbosity"] > 0:
            self.stdout.write("已清空公示网站的页面缓存")
