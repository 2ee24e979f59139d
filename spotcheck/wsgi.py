import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "spotcheck.settings")
application = get_wsgi_application()

from spotcheck.warmup import warm_up  # noqa: E402 - needs the application's setup

warm_up()
