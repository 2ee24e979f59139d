from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from spotcheck.draws.public_views import latest_bulletins
from spotcheck.plans.views import visible_plans


def home(request: HttpRequest) -> HttpResponse:
    context = {"plans": visible_plans(request)[:10], "bulletins": latest_bulletins(10)}
    return render(request, "home.html", context)
