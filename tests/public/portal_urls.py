"""The whole site under /portal/: a URLconf other than the one the kept page chrome was made
with (tests/public/test_chrome.py)."""

from django.urls import include, path

urlpatterns = [path("portal/", include("spotcheck.urls"))]
