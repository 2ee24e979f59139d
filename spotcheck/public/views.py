from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from spotcheck.plans.views import visible_plans


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "home.html", {"plans": visible_plans(request)[:10]})
